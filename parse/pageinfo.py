"""What a page says about itself: publish date, column, CMS family.

:func:`read` takes a parsed :class:`~parse.page.PageView` (the derive step's one parse per
page) and returns the page's publish date with its source (``parse.dates.page_date``:
byline > URL date > ``PubDate`` meta, on entity-decoded visible text), its column (the
``ColumnName`` meta, else the breadcrumb) and the CMS family its markup shows
(:func:`cms_family`). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from parse import dates
from parse.page import PageView, text_of
from parse.urls import is_ignored_href
from parse.urls import resolve as resolve_url

CRUMB_HINT = re.compile(r"crumb|position|location|weizhi|dqwz|curpos|bread|path|dangqian", re.I)
CRUMB_LABEL = re.compile(r"(当前位置|您的位置|您现在的位置|您当前的位置|所在位置|现在位置)\s*[:：]?")
CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|›|»|→|＞|/|\\|-&gt;)\s*")
HOME_NAMES = {"首页", "网站首页", "主页", "home", "首 页", "门户首页"}
CRUMB_TAGS = frozenset({"div", "p", "span", "td", "nav", "ul", "ol", "section", "h2", "h3"})
CRUMB_TAIL = ("正文", "详情", "内容", "列表", "详细内容", "阅读正文")
_WS = re.compile(r"\s+")

# CMS families (cms-patterns.md). Strong marks name the family (its generator meta, its
# list machinery, its URL forms); weak ones are copied around (templates of every family
# carry a TRS_Editor body class or a Hanweb visit counter): they only break ties.
CMS_STRONG = (
    ("hanweb", ("大汉版通", "/module/web/jpage", "<datastore")),
    ("trs", ("createPageHTML",)),
    ("ucap", ("<UCAPCONTENT", "<ucapcontent", "UCAP-CONTENT", "<UCAPTITLE")),
)
CMS_WEAK = (
    ("hanweb", ("jcms_files", "/module/visitcount/", "Produced By 大汉网络")),
    ("trs", ("TRS_Editor", "TRS_UEDITOR", "trs_editor", "trs_ueditor", "/was5/web/search",
             "OLDSRC=")),
)
CMS_URLS = (
    ("hanweb", re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+|/col/col\d+/|/art/\d{4}/art_")),
    ("trs", re.compile(r"/t\d{8}_\d+\.s?html?$")),
    ("ucap", re.compile(r"/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?$")),
)


@dataclass(slots=True)
class PageInfo:
    date: date | None
    date_source: str | None
    column: str | None
    cms: str | None


def cms_family(html: str, url: str) -> str | None:
    """hanweb, trs or ucap when the page's marks say so clearly (None: no family or a tie)."""
    score: dict[str, int] = {}
    for family, marks in CMS_STRONG:
        if any(m in html for m in marks):
            score[family] = score.get(family, 0) + 3
    for family, rx in CMS_URLS:
        if rx.search(url):
            score[family] = score.get(family, 0) + 3
    for family, marks in CMS_WEAK:
        if any(m in html for m in marks):
            score[family] = score.get(family, 0) + 1
    if not score:
        return None
    ranked = sorted(score.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return max(score, key=score.get)


def breadcrumb(doc: Any, base: str) -> list[tuple[str, str | None]]:
    """The breadcrumb trail without its 首页 entry: [(name, URL or None), …]."""
    candidates = []
    # libxml2 picks elements with a name or a 位置 label; Python tests the rest
    for el in doc.xpath("//*[@class or @id or contains(text(), '位置')]"):
        if el.tag not in CRUMB_TAGS:
            continue
        hint = f"{el.get('class') or ''} {el.get('id') or ''}"
        if CRUMB_HINT.search(hint) or CRUMB_LABEL.search(el.text or ""):
            candidates.append(el)
    for el in candidates:
        anchors = list(el.iter("a"))
        if not 1 <= len(anchors) <= 8:
            continue
        text = _WS.sub(" ", text_of(el)).strip()
        m = CRUMB_LABEL.search(text)
        if m:
            text = text[m.end():]
        parts = [p.strip() for p in CRUMB_SPLIT.split(text) if p.strip()]
        if not parts or len(parts) > 8:
            continue
        hrefs: dict[str, str | None] = {}
        for a in anchors:
            raw = a.get("href")
            url = (resolve_url(base, raw.strip())
                   if raw is not None and not is_ignored_href(raw) else None)
            hrefs.setdefault(_WS.sub(" ", text_of(a)).strip(), url)
        trail = [(p, hrefs.get(p)) for p in parts]
        while trail and trail[0][0].replace(" ", "").lower() in HOME_NAMES:
            trail.pop(0)
        if trail and trail[-1][0] in CRUMB_TAIL:
            trail.pop()
        return [(n[:60], u) for n, u in trail if len(n) <= 30]
    return []


def read(view: PageView, kind: str | None) -> PageInfo:
    """Date (for pages that are not the homepage or a list), column and CMS family."""
    day = source = None
    if kind not in ("home", "column"):
        day, source = dates.page_date("\n".join(view.lines), view.url, view.metas)
    column = (view.metas.get("columnname") or "").strip() or None
    if column is None and view.doc is not None:
        crumbs = breadcrumb(view.doc, view.base)
        if crumbs:
            # an article's last crumb is its column; a list page's is the list itself
            column = crumbs[-1][0] if kind != "article" or len(crumbs) == 1 or \
                crumbs[-1][0] not in view.title else crumbs[-2][0]
    return PageInfo(date=day, date_source=source, column=column[:200] if column else None,
                    cms=cms_family(view.html, view.url))
