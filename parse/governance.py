"""What a page says about the site's disclosure duties and the channels it announces.

Pure, like the rest of ``parse/``: a parsed :class:`~parse.page.PageView` in, small facts
out (``indicators.md`` §5 for what they are for):

* :func:`report_title` — the year of a 政府信息公开工作年度报告 title
  (``示例市人民政府2025年政府信息公开工作年度报告``), :func:`statement_title` — the year of
  a 政府网站工作年度报表;
* :func:`report_sections` — which headings of the two report templates a report page
  shows (2019 template: 总体情况 … 其他需要报告的事项; before 2019: 概述 … 主要问题和改进措施);
* :func:`catalogue_fields` — the 信息公开 header of a catalogue item (索 引 号, 发文字号,
  成文日期, 发布日期 …, labels spaced or not, values in the next cell or after a colon);
* :func:`links` — the links a supervisor asks about: 手机版 / 微博 / 微信 / 客户端 entries,
  the 依申请公开 channel, links to annual reports (with the date of their list row) and to
  the 网站工作年度报表.

:func:`read` gives all of them for one page; the derive step stores them
(``derive/governance.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from parse import dates
from parse.page import PageView, text_of

_WS = re.compile(r"\s+")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# A report's title names 政府信息公开 and 年度报告 (or 年报); notices about reports, their
# interpretations and trainings are not reports.
_NOT_A_REPORT = ("关于", "通知", "解读", "图解", "培训", "编制", "报送", "征集", "说明会")


def _year(text: str) -> int | None:
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def report_title(title: str) -> int | None:
    """The year of a 政府信息公开工作年度报告 title, or None when it is not one."""
    t = _WS.sub("", title or "")
    if "政府信息公开" not in t or not ("年度报告" in t or "年报" in t):
        return None
    if any(w in t for w in _NOT_A_REPORT) or "年度报表" in t:
        return None
    return _year(t)


def statement_title(title: str) -> int | None:
    """The year of a 政府网站工作年度报表 title, 0 when it names one without a year, None
    when it is not one."""
    t = _WS.sub("", title or "")
    if "年度报表" not in t:
        return None
    if "网站" not in t and t not in ("年度报表", "工作年度报表"):
        return None
    return _year(t) or 0


# -- report sections --------------------------------------------------------------------
# (canonical heading, phrasings seen on real reports). The 2019 template (国办公开办函
# 〔2021〕30号 and the 2019 template before it) and the template of the years before 2019.
SECTIONS_2019 = (
    ("总体情况", ("总体情况",)),
    ("主动公开政府信息情况", ("主动公开政府信息情况", "主动公开政府信息的情况")),
    ("收到和处理政府信息公开申请情况", ("收到和处理政府信息公开申请情况",
                                       "收到和处理政府信息公开申请的情况")),
    ("政府信息公开行政复议、行政诉讼情况", ("行政复议、行政诉讼情况", "行政复议和行政诉讼情况",
                                           "行政复议、行政诉讼的情况")),
    ("存在的主要问题及改进情况", ("存在的主要问题及改进情况", "存在的主要问题及改进措施",
                                  "主要问题及改进情况")),
    ("其他需要报告的事项", ("其他需要报告的事项", "其他需要报告事项")),
)
SECTIONS_OLD = (
    ("概述", ("概述", "基本情况", "总体情况")),
    ("主动公开政府信息情况", ("主动公开政府信息情况", "主动公开政府信息的情况")),
    ("依申请公开政府信息情况", ("依申请公开政府信息情况", "依申请公开政府信息的情况",
                                "依申请公开情况")),
    ("涉诉情况", ("涉诉情况", "行政复议和行政诉讼", "行政复议、行政诉讼",
                  "申请行政复议、提起行政诉讼", "行政复议、提起行政诉讼")),
    ("主要问题和改进措施", ("主要问题和改进措施", "主要问题及改进措施", "存在的主要问题")),
)
TEMPLATE_CHANGED = 2019  # reports for years before this one use SECTIONS_OLD
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|"
                        r"\d+[、.．])")
HEADING_MAX = 40  # a heading line is short; body text that quotes a heading is not one


def template(year: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The sections a report for ``year`` must have."""
    return SECTIONS_OLD if year < TEMPLATE_CHANGED else SECTIONS_2019


def report_sections(lines: list[str]) -> list[str]:
    """Canonical names of the sections (of either template) whose heading appears on a
    short line of ``lines`` (the page's main text)."""
    headings = []
    for line in lines:
        t = _WS.sub("", line)
        if not t or len(t) > HEADING_MAX:
            continue
        headings.append(_NUMBERING.sub("", t))
    found: list[str] = []
    for name, phrasings in SECTIONS_2019 + SECTIONS_OLD:
        if name not in found and any(p in h for h in headings for p in phrasings):
            found.append(name)
    return found


def missing_sections(year: int, found: list[str]) -> list[str]:
    """The sections of ``year``'s template that ``found`` lacks."""
    return [name for name, _ in template(year) if name not in found]


# -- the 信息公开 header of a catalogue item ------------------------------------------------
# field -> label spellings (spaces between the characters are dropped before matching)
CATALOGUE_LABELS = {
    "index_no": ("索引号",),
    "doc_no": ("发文字号", "文号"),
    "written": ("成文日期", "成文时间"),
    "published": ("发布日期", "发布时间", "公开日期"),
    "subject": ("主题分类",),
    "issuer": ("发文机关", "发布机构", "发文单位"),
    "validity": ("有效性",),
}
_LABEL_FORMS = sorted(((label, key) for key, labels in CATALOGUE_LABELS.items()
                       for label in labels), key=lambda x: -len(x[0]))
_LABEL = re.compile("(" + "|".join(r"\s*".join(map(re.escape, label))
                                  for label, _ in _LABEL_FORMS) + r")\s*[:：]?")
_LABEL_KEY = dict(_LABEL_FORMS)
# one of these in the markup, or the page is no catalogue item (cheap before the line walk)
_CATALOGUE_MARKS = ("成文", "文号", "引号", "引 号", "发布机构", "主题分类")
EMPTY_VALUES = {"", "无", "—", "-", "--", "/", "暂无", "空"}
HEADER_LINES = 120  # the header sits above the body, near the top of the main text


def catalogue_fields(lines: list[str]) -> dict[str, str]:
    """``field -> value`` of the catalogue labels the header shows (value "" when the label
    is shown with nothing after it); an empty dict when fewer than two labels appear (not a
    catalogue item)."""
    out: dict[str, str] = {}
    head = lines[:HEADER_LINES]
    for i, line in enumerate(head):
        hits = list(_LABEL.finditer(line))
        for n, m in enumerate(hits):
            key = _LABEL_KEY[_WS.sub("", m.group(1))]
            if key in out:
                continue
            end = hits[n + 1].start() if n + 1 < len(hits) else len(line)
            value = line[m.end():end].strip()
            if not value and n + 1 == len(hits) and i + 1 < len(head) \
                    and not _LABEL.match(head[i + 1]):
                value = head[i + 1].strip()  # the value sits in the next cell
            out[key] = "" if value in EMPTY_VALUES else value[:200]
    return out if len(out) >= 2 else {}


def field_date(value: str | None) -> date | None:
    """A catalogue date value (``2026年03月02日``, ``2026-03-02``)."""
    if not value:
        return None
    found = dates.find_full(dates.normalise(value))
    return found[0].as_date() if found else None


# -- links ---------------------------------------------------------------------------------
# kind -> words of the link text (or the title / alt of the image inside it)
ENTRY_WORDS = (
    ("mobile", ("手机版", "移动版", "手机门户", "移动门户", "WAP版", "wap版", "触屏版")),
    ("weibo", ("微博",)),
    ("weixin", ("微信", "公众号")),
    ("app", ("客户端", "APP下载", "App下载", "政务APP", "移动应用")),
)
# What a report calls each kind of announced entry.
KIND_LABELS = {"mobile": "手机版", "weibo": "政务微博", "weixin": "政务微信", "app": "客户端"}
REQUEST_WORDS = ("依申请公开", "政府信息公开申请", "信息公开申请", "申请公开")
ATTACHMENT = re.compile(r"\.(?:pdf|docx?|wps|ofd|xlsx?|zip|rar)(?:$|[?#])", re.I)
ROW_TAGS = frozenset({"li", "tr", "dd", "p", "div"})
MAX_LABEL = 60


@dataclass(slots=True)
class GovLink:
    """A link of interest: ``kind`` (mobile, weibo, weixin, app — entries a site announces;
    request — the 依申请公开 channel; report — an annual report; statement — a 网站工作年度
    报表; option — an address in a drop-down such as a portal's 部门网站 list), its text,
    target, the year it names and the date of its list row."""

    kind: str
    label: str
    target: str
    year: int | None = None
    row_date: date | None = None
    attachment: bool = False


@dataclass
class GovPage:
    """Everything :func:`read` found on one page."""

    links: list[GovLink] = field(default_factory=list)
    title: str = ""  # the page's own title: its first heading, else <title>
    report_year: int | None = None  # the page is that year's annual report
    sections: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # the report's attached files
    statement_year: int | None = None  # the page is a 网站工作年度报表 (0: year not named)
    catalogue: dict[str, str] = field(default_factory=dict)


def _label(a: Any) -> str:
    text = _WS.sub(" ", text_of(a)).strip()
    extra = [a.get("title") or ""] + [img.get("alt") or img.get("title") or ""
                                      for img in a.iter("img")]
    return " ".join(x.strip() for x in [text, *extra] if x and x.strip())[:MAX_LABEL * 2]


def _row_date(a: Any) -> date | None:
    """The full date of the list row holding ``a`` (its li / tr / dd)."""
    el = a.getparent()
    for _ in range(3):
        if el is None:
            return None
        if el.tag in ROW_TAGS:
            text = text_of(el)
            if len(text) <= 300:
                found = dates.find_full(dates.normalise(text))
                if found:
                    return found[-1].as_date()
            if el.tag != "p" and el.tag != "div":
                return None
        el = el.getparent()
    return None


def entry_kind(label: str) -> str | None:
    for kind, words in ENTRY_WORDS:
        if any(w in label for w in words):
            return kind
    return None


# Substrings one of which a page must hold for :func:`links` to look at its anchors (the
# entry words only on the homepage, where entries are read).
_MARKS = ("依申请", "信息公开申请", "申请公开", "年度报告", "年报", "年度报表")
_ENTRY_MARKS = tuple(w for _, words in ENTRY_WORDS for w in words)


def _anchors(doc: Any, marks: list[str], images: bool) -> list[Any]:
    """The anchors whose text or title (``images``: or image alt) holds one of ``marks``,
    picked by libxml2 (a page links ~100 places; building each one's label in Python cost
    more than the page's parse)."""
    if not marks:
        return []
    img = " or .//img[{}]" if images else ""
    cond = " or ".join(
        f"contains(., '{m}') or contains(@title, '{m}')"
        + img.format(f"contains(@alt, '{m}') or contains(@title, '{m}')") for m in marks)
    return doc.xpath(f"//a[{cond}]")


def links(view: PageView, entries: bool) -> list[GovLink]:
    """The page's links of interest; ``entries``: also the 新媒体 / 手机版 entries (asked of
    the homepage only: a site announces them there)."""
    doc = view.doc
    html = view.html
    present = [m for m in _MARKS + (_ENTRY_MARKS if entries else ()) if m in html]
    if doc is None or not (present or "<option" in html):
        return []
    out: list[GovLink] = []
    seen: set[tuple[str, str]] = set()
    for a in _anchors(doc, present, images=entries):
        label = _label(a)
        if not label:
            continue
        href = a.get("href")
        target = view.resolve(href)
        if target is None:  # a QR code or an image announced without a link
            img = next(a.iter("img"), None)
            target = view.resolve(img.get("src")) if img is not None else None
        if target is None:
            continue
        found: GovLink | None = None
        if entries and (kind := entry_kind(label)) is not None:
            found = GovLink(kind, label[:MAX_LABEL], target)
        elif any(w in label for w in REQUEST_WORDS):
            found = GovLink("request", label[:MAX_LABEL], target)
        elif (year := report_title(label)) is not None:
            found = GovLink("report", label[:MAX_LABEL], target, year, _row_date(a),
                            bool(ATTACHMENT.search(target)))
        elif (year := statement_title(label)) is not None:
            found = GovLink("statement", label[:MAX_LABEL], target, year or None,
                            _row_date(a), bool(ATTACHMENT.search(target)))
        if found is not None and (found.kind, target) not in seen:
            seen.add((found.kind, target))
            out.append(found)
    if "<option" in html:  # 部门网站 drop-downs: <option value="http://…">市教育局</option>
        for opt in doc.iter("option"):
            value = (opt.get("value") or "").strip()
            if not value.startswith(("http://", "https://", "/")):
                continue
            target = view.resolve(value)
            if target and ("option", target) not in seen:
                seen.add(("option", target))
                out.append(GovLink("option", _WS.sub(" ", text_of(opt)).strip()[:MAX_LABEL],
                                   target))
    if entries:  # QR codes shown without a link: <img alt="政务微信">
        for img in doc.iter("img"):
            alt = (img.get("alt") or img.get("title") or "").strip()
            kind = entry_kind(alt)
            parent = img.getparent()
            if kind is None or (parent is not None and parent.tag == "a"):
                continue
            target = view.resolve(img.get("src"))
            if target and (kind, target) not in seen:
                seen.add((kind, target))
                out.append(GovLink(kind, alt[:MAX_LABEL], target))
    return out


# A closed site's page that says so (关停 / 迁移 / 整合) is a notice, not the old site.
CLOSURE_WORDS = ("已关停", "关停", "停止运行", "停止运维", "停止更新", "已迁移", "整合迁移", "迁移至",
                 "已关闭", "已下线", "已整合", "不再更新")
NOTICE_MAX = 600  # visible characters of a notice page; an old homepage has many more


def closure_notice(lines: list[str]) -> bool:
    """A short page announcing the site's closure or move."""
    text = "".join(lines)
    return len(text) <= NOTICE_MAX and any(w in text for w in CLOSURE_WORDS)


_TITLE_CUT = re.compile(r"\s*(?:_|\s[-|—]\s|\|)\s*")


def own_title(view: PageView) -> str:
    """The page's own title: its ``ArticleTitle`` meta, else ``<title>`` without the site
    name CMSs append (``标题_示例市人民政府``). Not the first heading: templates put the
    site's name in an ``<h1>``."""
    meta = (view.metas.get("articletitle") or "").strip()
    if meta:
        return meta[:300]
    parts = [x for x in _TITLE_CUT.split(view.title or "") if x]
    return (parts[0] if parts else view.title or "")[:300]


def read(view: PageView, is_home: bool) -> GovPage:
    """The governance facts of one page (the homepage also announces its entries)."""
    page = GovPage(links=links(view, entries=is_home))
    if is_home or view.doc is None:
        return page
    page.title = own_title(view)
    candidates = (page.title, view.heading, view.title)
    year = next((y for t in candidates if (y := report_title(t)) is not None), None)
    if year is not None:
        page.report_year = year
        page.sections = report_sections(view.main_lines)
        page.attachments = [t for t in (view.resolve(a.get("href"))
                                        for a in view.doc.iter("a"))
                            if t and ATTACHMENT.search(t)][:10]
    else:
        statement = next((y for t in candidates if (y := statement_title(t)) is not None), None)
        if statement is not None:
            page.statement_year = statement
    if any(mark in view.html for mark in _CATALOGUE_MARKS):
        page.catalogue = catalogue_fields(view.main_lines)
    return page
