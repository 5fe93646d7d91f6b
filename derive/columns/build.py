"""Column discovery, the entry point: :func:`build` finds a site's columns and stores
``Column`` / ``Item`` rows for the run (replacing earlier ones)."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, insert

from derive import jsonrows
from derive.columns import ColumnRec, SiteColumns
from derive.columns.items import (
    MAX_NAME,
    _best_anchor,
    _date_items,
    _hint_for,
    _is_menu,
    _item_groups,
    _levels,
    _newest,
    _own_text,
    _placeholder,
    _title_name,
)
from derive.columns.pages import SitePages
from derive.source import SiteSource
from parse.lists import Row, Summary, summarise
from parse.privacy import redact  # personal numbers never stored in clear (issue 17)
from parse.urls import column_key
from store.models import Column, Item, Page

COLUMN_URL = re.compile(r"/col/col\d+/|/(?:index|default|list)\.(?:s?html?|jsp|php|aspx?)$|/$",
                        re.I)


def build(src: SiteSource) -> SiteColumns:
    """Discover the site's columns in this run, store them, and return them."""
    t0 = time.monotonic()
    b = SitePages(src)
    b.load_pages()
    b.load_page_dates()
    home = src.homepage
    if home is None or src.html(home) is None:
        return SiteColumns(home=None, columns=[], available=False,
                           reason="首页快照不存在（未抓取或已清理），无法识别栏目")
    site = _layout(src, b, home)
    kept = [col for col in site.columns.values()
            if col.key not in site.home_keys  # the homepage under another name (/index.html)
            and _judge(col, site, b)]
    listed = {c.name for c in kept if c.kind in ("list", "section")}
    kept = [c for c in kept if c.kind in ("list", "section", "home") or c.name not in listed
            or c.hint]  # a page carrying a list column's name is a page of that column
    _levels(kept, {c.key: c for c in kept}, b, site.home_targets | site.template)
    home_rec = _home(home, site.home_summary, site.template, b)
    if home_rec.items == [] and not any(g for g in site.home_summary.groups
                                        if not _is_menu(g, {home.url}, site.template, b)):
        # a navigation-only homepage: its second-level pages stand in (V3)
        firsts = [c for c in kept if c.level == 1 and c.kind == "list"]
        for c in firsts:
            home_rec.items.extend(c.items)
        home_rec.note = "首页仅有导航，以二级页面的信息代替"
        _newest(home_rec, b.as_of)
    result = SiteColumns(home=home_rec, columns=kept, pages_seen=len(b.pages),
                         nav_categories=b.nav_categories(site.links))
    _store(src, result)
    result.elapsed = time.monotonic() - t0
    return result


@dataclass
class _Layout:
    """What the whole site says about its columns: template links and blocks, homepage
    links, list pages joined into columns, block names and link texts."""

    home_summary: Summary
    template: set[str]
    tblocks: set[str]
    home_targets: set[str]
    columns: dict[str, ColumnRec]
    site_name: str
    block_names: dict[str, str]
    anchors: dict[str, Counter]
    home_keys: set[str]
    nav_links: set[str]
    links: dict[int, list[tuple[str, str | None]]]


def _layout(src: SiteSource, b: SitePages, home: Page) -> _Layout:
    home_summary = summarise(src.html(home) or "", home.url)
    b.summarise_pages(home)
    jsonrows.attach(src, [home_summary, *b.summaries.values()])  # rows loaded from JSON
    template = b.template_links(b.sample_ids(home))
    tblocks = b.template_blocks(home_summary)
    home_targets = b.home_links(home)
    columns = b.group_pages()
    # names from the homepage / channel blocks (a block title above a 更多 link)
    block_names: dict[str, str] = {}
    for s in [home_summary, *b.summaries.values()]:
        for g in s.groups:
            if g.more and g.heading:
                block_names.setdefault(column_key(g.more), g.heading)
    all_urls = set().union(*(c.urls for c in columns.values())) if columns else set()
    anchors = b.anchors_for(all_urls)
    home_keys = {column_key(home.url), column_key(home.final_url or home.url)}
    home_items = {r.url for g in home_summary.groups
                  if not _is_menu(g, {home.url}, template, b) for r in g.rows}
    return _Layout(home_summary=home_summary, template=template, tblocks=tblocks,
                   home_targets=home_targets, columns=columns, site_name=src.site.name,
                   block_names=block_names, anchors=anchors, home_keys=home_keys,
                   nav_links=(template | home_targets) - home_items,
                   links=b.page_links([home.id] + [b.pages[u].id for u in b.summaries]))


def _judge(col: ColumnRec, site: _Layout, b: SitePages) -> bool:
    """Name, kind, items and class of a candidate column; False for an ordinary page."""
    s1 = b.summaries.get(col.url) or b.summaries[sorted(col.pages)[0][1]]
    own_urls = col.urls | {col.key}
    rows: list[tuple[Row, str]] = []
    section = False
    for number, url in sorted(col.pages):
        groups, is_section = _item_groups(b.summaries[url], col.key, own_urls, site.template, b)
        section = section or (is_section and number == 1)
        for g in groups:
            rows.extend((r, url) for r in g.rows)
    _name(col, s1, site, b)
    linked = bool(col.urls & site.nav_links) or col.key in site.block_names
    # (a ColumnName meta alone proves nothing: CMSs put it on article pages too)
    columnish = bool(linked or (COLUMN_URL.search(urlsplit(col.url).path)
                                and not urlsplit(col.url).query)
                     or (s1.crumbs and s1.crumbs[-1][1] and column_key(s1.crumbs[-1][1])
                         == col.key))
    if rows:
        col.kind = "section" if section else "list"
        col.items = _date_items(rows, b)
    else:
        col.kind, col.note = _kind_without_rows(col, s1, site, b)
    if col.kind in ("single", "blank", "spa") and (
            not columnish or len(col.name) > 16 or b.vocab.is_service_page(col.name)):
        return False  # an ordinary page (site map, search form, service guide …)
    if col.kind == "single":
        subs = {column_key(t) for t, _ in site.links.get(b.pages[col.url].id, ())
                if t not in site.template} & set(site.columns) - {col.key}
        if len(subs) >= 2:
            col.kind = "section"  # a channel page linking its sub-columns
    _newest(col, b.as_of)
    col.category, col.update_class = b.vocab.resolve(col.name, col.hint)
    return True


def _name(col: ColumnRec, s1: Summary, site: _Layout, b: SitePages) -> None:
    """The column's name: registry hint, ColumnName meta, breadcrumb, block title, link
    texts, heading, page title — the first there is."""
    counter: Counter = Counter()
    for u in col.urls:
        counter.update(site.anchors.get(u, Counter()))
    crumb_name = s1.crumbs[-1][0] if s1.crumbs else None
    meta_name = (s1.metas.get("columnname") or "").strip() or None
    candidates = [("meta", meta_name), ("crumb", crumb_name),
                  ("block", site.block_names.get(col.key)), ("anchor", _best_anchor(counter)),
                  ("heading", s1.heading), ("title", _title_name(s1.title, site.site_name))]
    col.name, col.name_source = next(((n[:MAX_NAME], how) for how, n in candidates if n),
                                     (urlsplit(col.url).path, "url"))
    col.hint = _hint_for(col, b.hints)
    if col.hint and col.hint.get("name"):
        col.name, col.name_source = str(col.hint["name"])[:MAX_NAME], "hint"


def _kind_without_rows(col: ColumnRec, s1: Summary, site: _Layout,
                       b: SitePages) -> tuple[str, str | None]:
    """(kind, note) of a column page showing no list rows."""
    if s1.json_lists and not s1.json_read:  # its JSON list was not read: a shell's
        # 暂无数据 is what it shows before its script runs, not evidence of a blank column
        return "spa", "列表由脚本从接口加载，接口未能读取，需浏览器核对（未判断是否空白）"
    if (ph := _placeholder(s1, site.tblocks, b.vocab)) is not None:
        return "blank", f"页面仅显示“{ph}”"
    if s1.json_read:  # the list's JSON endpoint answered with no rows
        return "blank", "栏目列表接口未返回任何信息"
    if s1.spa and not s1.datastore:
        return "spa", "列表由脚本从接口加载，需浏览器才能抓取（未判断是否空白）"
    if s1.frames:
        return "single", "内容在内嵌框架中"
    if s1.datastore or _own_text(s1, site.tblocks, col.name) < 10:
        return "blank", "栏目页没有任何内容"
    return "single", col.note


def _home(home: Page, s: Summary, template: set[str], b: SitePages) -> ColumnRec:
    rec = ColumnRec(key=column_key(home.url), url=home.url, urls={home.url}, name="首页",
                    level=0, kind="home", pages=[(1, home.url)])
    for g in s.groups:
        if _is_menu(g, {home.url}, template, b):
            continue
        for it in _date_items([(r, home.url) for r in g.rows], b):  # years per block
            it.position = len(rec.items)
            rec.items.append(it)
    _newest(rec, b.as_of)
    return rec


def _store(src: SiteSource, result: SiteColumns) -> None:
    s = src.session
    run_id, site_id = src.run.id, src.site.id
    s.execute(delete(Item).where(Item.run_id == run_id, Item.site_id == site_id))
    s.execute(delete(Column).where(Column.run_id == run_id, Column.site_id == site_id))
    rows = ([result.home] if result.home else []) + result.columns
    objs = {}
    for c in rows:
        obj = Column(run_id=run_id, site_id=site_id, url=c.url, urls=sorted(c.urls)[:200],
                     name=c.name or "", parent_name=c.parent_name, level=c.level, kind=c.kind,
                     category=c.category, update_class=c.update_class,
                     pages=len({u for _, u in c.pages}), items=len(c.items), dated=c.dated,
                     newest=c.newest, newest_source=c.newest_source, paging=c.paging,
                     note=c.note)
        s.add(obj)
        objs[id(c)] = obj
    s.flush()
    for c in rows:
        obj = objs[id(c)]
        c.row_id = obj.id
        if c.parent is not None and id(c.parent) in objs:
            obj.parent_id = objs[id(c.parent)].id
    item_rows = [{"run_id": run_id, "site_id": site_id, "column_id": c.row_id,
                  "title": (redact(i.title) or "")[:500], "url": i.url[:2048], "date": i.date,
                  "date_source": i.source, "pinned": i.pinned, "page_url": i.page_url[:2048],
                  "position": i.position}
                 for c in rows for i in c.items]
    if item_rows:
        for i in range(0, len(item_rows), 1000):
            s.execute(insert(Item), item_rows[i:i + 1000])
    src.run_site.columns = len(result.columns)
    s.flush()
