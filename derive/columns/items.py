"""A column's list and items: which row groups of its pages are its own list (site-wide
menus are not), how its items are dated, and its name, parent and level."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

from derive.columns import ColumnRec, ItemRec
from derive.columns.pages import SitePages
from parse import classify, dates
from parse.lists import NAV_HINT, Group, Row, Summary
from parse.urls import column_key, parent_keys

GENERIC_ANCHORS = re.compile(r"^(?:更多|more|查看更多|更多信息|首页|上一页|下一页|尾页|末页|\d+|"
                             r">+|»|详细|详情|进入|点击进入|返回|>>)", re.I)
TITLE_SPLIT = re.compile(r"\s*[-_|—–]\s*")
FUTURE_SLACK = timedelta(days=1)
MAX_NAME = 60


def _is_menu(g: Group, own_urls: set[str], template: set[str], b: SitePages) -> bool:
    links = [r.url for r in g.rows]
    if not links:
        return True
    if g.source != "html":
        return False
    in_template = sum(1 for u in links if u in template)
    if in_template * 2 >= len(links):
        return True
    if g.dated:
        return False
    if any(u in own_urls for u in links):
        return True
    # links to other list pages (columns), not to content: a sub-menu
    listing = sum(1 for u in links if b.is_list_page(u))
    if listing * 2 >= len(links):
        return True
    return bool(NAV_HINT.search(g.hints))


def _score(g: Group, col_key: str) -> float:
    prefix = urlsplit(col_key).path
    cid = re.search(r"/col/col(\d+)/", col_key)
    inside = sum(1 for r in g.rows if urlsplit(r.url).path.startswith(prefix) and prefix != "/"
                 or (cid and f"_{cid.group(1)}_" in r.url))
    return g.dated * 2 + len(g.rows) + inside * 2 + (20 if g.source != "html" else 0)


def _item_groups(s: Summary, col_key: str, own_urls: set[str], template: set[str],
                 b: SitePages) -> tuple[list[Group], bool]:
    """(the column's own list groups, is_section) of one list page."""
    groups = [g for g in s.groups if not _is_menu(g, own_urls, template, b)]
    if not groups:
        return [], False
    scripted = [g for g in groups if g.source != "html"]
    if scripted:
        return scripted, False
    blocks = [g for g in groups if g.more and column_key(g.more) != col_key]
    if len(blocks) >= 2:
        return groups, True
    best = max(groups, key=lambda g: _score(g, col_key))
    return [best], False


def _date_items(rows: list[tuple[Row, str]], b: SitePages) -> list[ItemRec]:
    """Date every row: list date (year-less: resolved along the list), else the article."""
    out = []
    prev: date | None = None
    seen: dict[str, ItemRec] = {}
    for pos, (row, page_url) in enumerate(rows):
        f = row.found
        old = seen.get(row.url)
        if old is not None:
            # the same entry again (page 1 reached as index.html and ./, or ?page=1): it
            # must not restart the year inference of the list
            if old.date is None and f is not None and f.year is not None:
                old.date, old.source, old.unknown = f.as_date(), "list", False
            continue
        day, source = None, None
        if f is not None:
            if f.year is not None:
                day, source = f.as_date(), "list"
            elif row.pinned:
                day, source = dates.resolve_year(f.month, f.day, b.as_of), "list_year"
            else:
                day, source = dates.resolve_year(f.month, f.day, b.as_of, prev), "list_year"
            if day is not None and not row.pinned and day <= b.as_of + FUTURE_SLACK:
                prev = day
        if day is None:
            day, source = b.article_date(row.url)
        rec = ItemRec(title=row.title, url=row.url, date=day, source=source, pinned=row.pinned,
                      page_url=page_url, position=pos,
                      unknown=day is None and row.url not in b.pages)
        seen[row.url] = rec
        out.append(rec)
    return out


def _newest(col: ColumnRec, as_of: date) -> None:
    valid = [i for i in col.items if i.date is not None and i.date <= as_of + FUTURE_SLACK]
    col.future = sum(1 for i in col.items if i.date is not None and i.date > as_of + FUTURE_SLACK)
    if valid:
        best = max(valid, key=lambda i: i.date)
        col.newest, col.newest_source = best.date, best.source


def _placeholder(s: Summary, template_blocks: set[str], vocab: classify.Vocabulary) -> str | None:
    for block in s.blocks:
        if block in template_blocks or len(block) > 30:
            continue
        for p in vocab.placeholders:
            if p in block:
                return block
    return None


def _own_text(s: Summary, template_blocks: set[str], name: str) -> int:
    skip = {name, s.title or "", s.heading or ""} | {n for n, _ in s.crumbs}
    total = 0
    for block in s.blocks:
        if block in template_blocks or block in skip or re.fullmatch(r"[\W_\d]*", block):
            continue
        if re.fullmatch(r"(当前位置|您的位置|您现在的位置|所在位置)\s*:?\s*", block):
            continue
        total += len(block)
    return total


# -- names, parents, levels --------------------------------------------------------------
def _title_name(title: str | None, site_name: str) -> str | None:
    if not title:
        return None
    parts = [p for p in TITLE_SPLIT.split(title) if p and p != site_name and site_name not in p]
    return parts[0][:MAX_NAME] if parts else None


def _best_anchor(counter: Counter | None) -> str | None:
    if not counter:
        return None
    for anchor, _ in counter.most_common():
        a = anchor.strip()
        if 2 <= len(a) <= 20 and not GENERIC_ANCHORS.match(a):
            return a
    return None


def _hint_for(col: ColumnRec, hints: dict[str, dict]) -> dict | None:
    if not hints:
        return None
    keys = {col.key, col.url, *col.urls}
    for k, v in hints.items():
        if k.startswith("http"):
            ck = column_key(k)
            if k in keys or ck == col.key:
                return v
        elif k == col.name or (k.startswith("/") and urlsplit(col.key).path == k):
            return v
    return None


def _levels(cols: list[ColumnRec], by_key: dict[str, ColumnRec], b: SitePages,
            home_linked: set[str]) -> None:
    """Parent and level: breadcrumb, else URL path, else a link from the homepage (level 1),
    else the page the crawl found it on; registry hints override."""
    by_name: dict[str, ColumnRec] = {}
    for c in cols:
        by_name.setdefault(c.name, c)
    decided: dict[str, int] = {}

    def resolve(c: ColumnRec, stack: set[str]) -> int:
        if c.key in decided:
            return decided[c.key]
        if c.key in stack:
            return 1
        stack = stack | {c.key}
        level = _resolve_one(c, stack)
        if c.hint and str(c.hint.get("level", "")).isdigit():
            level = int(c.hint["level"])
        c.level = level
        decided[c.key] = level
        return level

    def _resolve_one(c: ColumnRec, stack: set[str]) -> int:
        s = b.summaries.get(c.url)
        crumbs = list(s.crumbs) if s else []
        if crumbs:
            last_name, last_url = crumbs[-1]
            if (last_url and column_key(last_url) == c.key) or last_name == c.name:
                parents = crumbs[:-1]
            else:
                parents = crumbs
            if parents:
                pname, purl = parents[-1]
                parent = by_key.get(column_key(purl)) if purl else None
                parent = parent or by_name.get(pname)
                if parent is not None and parent is not c:
                    c.parent = parent
                c.parent_name = pname
                return len(parents) + 1
            return 1
        for pk in parent_keys(c.key):
            parent = by_key.get(pk)
            if parent is not None and parent is not c:
                c.parent, c.parent_name = parent, parent.name
                return resolve(parent, stack) + 1
        if c.urls & home_linked:
            return 1
        page = b.pages.get(c.url)
        ref = page.referrer if page is not None else None
        if ref:
            parent = by_key.get(column_key(ref))
            if parent is not None and parent is not c and parent.kind != "home":
                c.parent, c.parent_name = parent, parent.name
                return resolve(parent, stack) + 1
        return 1

    for c in cols:
        resolve(c, set())
