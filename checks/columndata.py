"""Column discovery: a site's columns (栏目) and their dated items, from one run's store.

Run by the column rules (never fetches). Steps:

1. every stored HTML/XML page that is not an article is summarised (``listparse``);
   article pages are recognised by URL (Hanweb ``/art/``, TRS ``tYYYYMMDD_`` …) or by
   content (``ArticleTitle`` meta, a body container with a publish byline);
2. pages of one column are joined: hidden paging (``crawler.paging`` run again on the
   stored page) links a list's later pages and Hanweb ``dataproxy.jsp`` answers to its
   first page; ``index.html`` / ``./`` / redirects / pager parameters collapse to one key;
3. each column's own list is picked among the page's row groups (site-wide template links
   and menus are not lists), its items are dated (list date, year-less dates resolved
   from the crawl date and the list order, else the stored article page: byline, URL,
   ``PubDate`` meta — in that order) and its newest item is its update time (pinned
   items cannot hide newer ones);
4. name (registry hint, ``ColumnName`` meta, breadcrumb, link texts), parent and level
   (breadcrumb, URL path, links from the homepage), category and update class;
5. ``Column`` / ``Item`` rows are written for the run (replacing earlier ones).

The result is cached on the ``CheckContext`` so the two column rule modules share it.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, or_, select

from checks import classify, jsonrows
from checks.base import CheckContext
from checks.listparse import NAV_HINT, Group, Row, Summary, summarise
from parse import dates
from parse.privacy import redact
from store.models import Column, Item, Link, Page, PageFact

ARTICLE_URL = re.compile(
    r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+|/art/\d{4}/art_[0-9a-f]{16,}"
    r"|/t\d{8}_\d+\.s?html?$|/t\d{6,}\.s?html?$|content_\d+\.s?html?$|/content/post_\d+\.html?$"
    r"|/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?$|/\d{4}/\d{2}-\d{2}/\d+\.html?$"
    r"|/art_\d+_\d+\.html?$", re.I)
COLUMN_URL = re.compile(r"/col/col\d+/|/(?:index|default|list)\.(?:s?html?|jsp|php|aspx?)$|/$",
                        re.I)
INDEX_NAME = re.compile(r"^(?:index|default)(?:_\d+)?\.(?:s?html?|jsp|php|aspx?)$", re.I)
DROP_PARAMS = {"pageIndex", "pageindex", "page", "pageNum", "pagenum", "pageNo", "pageno",
               "cur_page", "currentPage", "currentpage", "curPage", "curpage", "p", "pn", "uid",
               "offset", "start", "startrecord", "endrecord", "perpage"}
GENERIC_ANCHORS = re.compile(r"^(?:更多|more|查看更多|更多信息|首页|上一页|下一页|尾页|末页|\d+|"
                             r">+|»|详细|详情|进入|点击进入|返回|>>)", re.I)
TITLE_SPLIT = re.compile(r"\s*[-_|—–]\s*")
FUTURE_SLACK = timedelta(days=1)
MAX_NAME = 60


@dataclass
class ItemRec:
    title: str
    url: str
    date: date | None
    source: str | None  # list, list_year, byline, url, meta
    pinned: bool
    page_url: str
    position: int
    unknown: bool = False  # no date, and the article page was not fetched: cannot tell


@dataclass
class ColumnRec:
    key: str
    url: str
    urls: set[str] = field(default_factory=set)
    pages: list[tuple[int, str]] = field(default_factory=list)  # (page number, URL)
    name: str = ""
    name_source: str = ""
    parent: ColumnRec | None = None
    parent_name: str | None = None
    level: int = 1
    kind: str = "list"
    category: str | None = None
    update_class: str = "none"
    items: list[ItemRec] = field(default_factory=list)
    newest: date | None = None
    newest_source: str | None = None
    paging: str | None = None
    note: str | None = None
    hint: dict | None = None
    future: int = 0  # items dated after the crawl (ignored for the update time)
    row_id: int | None = None

    @property
    def dated(self) -> int:
        return sum(1 for i in self.items if i.date is not None)


@dataclass
class SiteColumns:
    home: ColumnRec | None
    columns: list[ColumnRec]
    available: bool = True  # False when the run's snapshots are gone (pruned)
    reason: str | None = None
    pages_seen: int = 0
    elapsed: float = 0.0
    nav_categories: set[str] = field(default_factory=set)  # named by menu / channel links

    def by_kind(self, *kinds: str) -> list[ColumnRec]:
        return [c for c in self.columns if c.kind in kinds]


# -- keys --------------------------------------------------------------------------------
def column_key(url: str) -> str:
    """One spelling per column: ``/a/index.html``, ``/a/``, ``/a/index_2.html`` and pager
    parameters collapse."""
    parts = urlsplit(url)
    path = parts.path or "/"
    name = path.rsplit("/", 1)[-1]
    if INDEX_NAME.match(name):
        path = path[: len(path) - len(name)]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in DROP_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _parent_keys(key: str) -> list[str]:
    parts = urlsplit(key)
    segs = [s for s in parts.path.split("/") if s]
    out = []
    for i in range(len(segs) - 1, 0, -1):
        out.append(urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segs[:i]) + "/", "",
                               "")))
    return out


# -- the builder -------------------------------------------------------------------------
class _Builder:
    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self.vocab = classify.load()
        spec_hints = ctx.spec.hints if ctx.spec is not None else (ctx.site.hints or {})
        self.hints = classify.column_hints(spec_hints)
        self.as_of = ctx.as_of
        self.pages: dict[str, Page] = {}
        self.summaries: dict[str, Summary] = {}
        self.article: dict[str, bool] = {}
        self.html_cache: dict[str, str | None] = {}
        self.art_dates: dict[str, tuple[date | None, str | None]] = {}

    # data access
    def _html(self, url: str) -> str | None:
        if url not in self.html_cache:
            page = self.pages.get(url)
            self.html_cache[url] = self.ctx.html(page) if page is not None else None
            if len(self.html_cache) > 400:  # bounded: only recent ones are re-read
                self.html_cache.pop(next(iter(self.html_cache)))
        return self.html_cache[url]

    def load_pages(self) -> None:
        q = (select(Page).where(Page.run_id == self.ctx.run.id, Page.site_id == self.ctx.site.id,
                                Page.status >= 200, Page.status < 300)
             .where(or_(Page.content_type.ilike("%html%"), Page.content_type.ilike("%xml%"),
                        Page.content_type.is_(None), Page.content_type == ""))
             .order_by(Page.depth, Page.id))
        for p in self.ctx.session.scalars(q):
            self.pages.setdefault(p.url, p)

    def sample_ids(self, home: Page | None, limit: int = 40) -> list[int]:
        """Page ids spread over the site: homepage, list pages and articles."""
        lists = [self.pages[u].id for u in self.summaries]
        arts = [self.pages[u].id for u, a in self.article.items() if a and u in self.pages]
        half = limit // 2
        ids = ([home.id] if home is not None else []) + lists[:: max(1, len(lists) // half)][:half]
        ids += arts[:: max(1, len(arts) // (limit - len(ids)))][: limit - len(ids)]
        return ids

    def template_links(self, sample: list[int]) -> set[str]:
        """Targets linked from at least half the sampled pages (menus, footers)."""
        need = max(3, math.ceil(len(sample) * 0.5))
        counts: Counter = Counter()
        q = select(Link.page_id, Link.target).where(Link.page_id.in_(sample), Link.tag == "a")
        counts.update(target for _, target in set(self.ctx.session.execute(q).all()))
        return {t for t, c in counts.items() if c >= need}

    def page_links(self, page_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
        """(target, anchor) of the internal <a> links of some pages."""
        out: dict[int, list[tuple[str, str | None]]] = {}
        for i in range(0, len(page_ids), 500):
            q = select(Link.page_id, Link.target, Link.anchor).where(
                Link.page_id.in_(page_ids[i:i + 500]), Link.tag == "a", Link.kind == "internal")
            for page_id, target, anchor in self.ctx.session.execute(q).all():
                out.setdefault(page_id, []).append((target, anchor))
        return out

    def nav_categories(self, links: dict[int, list[tuple[str, str | None]]]) -> set[str]:
        """Categories named by short link texts (menus, channel pages) to pages that opened:
        a single-page column such as 机构职能 is often an ordinary article page."""
        found: set[str] = set()
        for pairs in links.values():
            for target, anchor in pairs:
                page = self.pages.get(target)
                if anchor is None or page is None or page.soft404 or len(anchor.strip()) > 10:
                    continue
                cat = self.vocab.category_of(anchor)
                if cat:
                    found.add(cat.id)
        return found

    def anchors_for(self, targets: set[str]) -> dict[str, Counter]:
        """Link texts of the site's <a> links to ``targets`` (each target's in link order).

        One pass over the site's links: menu targets are linked from every page, so
        chunks of ``target IN (...)`` read most of the site's links once per chunk."""
        out: dict[str, Counter] = {}
        if not targets:
            return out
        q = select(Link.target, Link.anchor).where(
            Link.run_id == self.ctx.run.id, Link.site_id == self.ctx.site.id,
            Link.tag == "a").order_by(Link.id)
        for target, anchor in self.ctx.session.execute(q):
            if anchor and target in targets:
                out.setdefault(target, Counter())[anchor.strip()] += 1
        return out

    def home_links(self, home: Page) -> set[str]:
        return set(self.ctx.session.scalars(select(Link.target).where(Link.page_id == home.id)))

    def is_article(self, url: str) -> bool | None:
        """Known for fetched pages; by URL pattern otherwise (None: cannot tell)."""
        if url in self.article:
            return self.article[url]
        if ARTICLE_URL.search(urlsplit(url).path):
            return True
        return None

    def is_list_page(self, url: str) -> bool:
        """A fetched non-article page that shows rows of links (a column or channel)."""
        s = self.summaries.get(url)
        return s is not None and any(len(g.rows) >= 2 for g in s.groups)

    def load_page_dates(self) -> None:
        """Publish dates the derive step stored for the site's pages (``page_facts``)."""
        q = select(PageFact.url, PageFact.date, PageFact.date_source).where(
            PageFact.run_id == self.ctx.run.id, PageFact.site_id == self.ctx.site.id,
            PageFact.date.is_not(None))
        for url, day, source in self.ctx.session.execute(q):
            self.art_dates[url] = (day, source)

    def article_date(self, url: str) -> tuple[date | None, str | None]:
        """The item's page date as the derive step stored it (byline > URL > meta); for a
        page it did not read, the same order on the stored HTML, or the URL alone."""
        if url not in self.art_dates:
            html = self._html(url) if url in self.pages else None
            self.art_dates[url] = dates.article_date(html, url)
        return self.art_dates[url]

    # steps
    def summarise_pages(self, home: Page | None) -> None:
        for url, page in self.pages.items():
            if home is not None and page.id == home.id:
                continue
            if ARTICLE_URL.search(urlsplit(url).path):
                self.article[url] = True
                continue
            html = self._html(url)
            if html is None:
                continue
            metas_head = html[:30000]
            if re.search(r"""name\s*=\s*["']ArticleTitle["'][^>]*content\s*=\s*["'][^"'\s]""",
                         metas_head, re.I):
                self.article[url] = True
                continue
            s = summarise(html, url)
            if s.article and not any(g.dated >= 3 for g in s.groups):
                self.article[url] = True
                continue
            self.article[url] = False
            self.summaries[url] = s

    def template_blocks(self, home_summary: Summary | None) -> set[str]:
        counts: Counter = Counter()
        sample = list(self.summaries.values())
        if home_summary is not None:
            sample.append(home_summary)
        articles = [u for u, a in self.article.items() if a and u in self.pages][:12]
        for u in articles:
            html = self._html(u)
            if html:
                sample.append(summarise(html, u))
        for s in sample:
            counts.update(s.blocks)
        need = max(3, math.ceil(0.6 * len(sample)))
        return {b for b, c in counts.items() if c >= need}

    def group_pages(self) -> dict[str, ColumnRec]:
        """Join each list's pages (paging, aliases) under one column key.

        Pages announcing one another (a TRS pager, a Hanweb datastore and its dataproxy.jsp
        answers) form one list, whatever order the crawl stored them in; its first page is
        the one no page announces, else the one announced as page 1.
        """
        number: dict[str, int] = {}
        family: dict[str, str] = {}
        parent: dict[str, str] = {}

        def find(u: str) -> str:
            while parent.get(u, u) != u:
                parent[u] = parent.get(parent[u], parent[u])
                u = parent[u]
            return u

        for url, s in self.summaries.items():
            for p in s.hidden.pages:
                number.setdefault(p.url, p.number)
                family.setdefault(p.url, p.family)
                if p.url in self.summaries:
                    a, b2 = find(url), find(p.url)
                    if a != b2:
                        parent[b2] = a
        by_list: dict[str, list[str]] = {}
        for url in self.summaries:
            by_list.setdefault(find(url), []).append(url)

        def rank(u: str) -> tuple[int, int, int, int]:
            page = self.pages[u]
            return (u in number, number.get(u, 1), page.depth, page.id)

        columns: dict[str, ColumnRec] = {}
        for members in by_list.values():
            members.sort(key=rank)
            first = members[0]
            first_page = self.pages[first]
            key = column_key(first_page.final_url or first)
            col = columns.get(key)
            if col is None:
                col = columns[key] = ColumnRec(key=key, url=first)
            for url in members:
                page = self.pages[url]
                col.urls.add(url)
                if page.final_url:
                    col.urls.add(page.final_url)
                col.pages.append((1 if url == first else number.get(url, 1), url))
                if url in family and not col.paging:
                    col.paging = family[url]
        for col in columns.values():
            s = self.summaries.get(col.url)
            if s is not None and s.hidden.family and not col.paging:
                col.paging = s.hidden.family
        return columns


# -- groups -> items ---------------------------------------------------------------------
def _is_menu(g: Group, own_urls: set[str], template: set[str], b: _Builder) -> bool:
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
                 b: _Builder) -> tuple[list[Group], bool]:
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


def _date_items(rows: list[tuple[Row, str]], b: _Builder) -> list[ItemRec]:
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


# -- entry point -------------------------------------------------------------------------
def build(ctx: CheckContext) -> SiteColumns:
    """Discover the site's columns in this run, store them, and return them."""
    t0 = time.monotonic()
    b = _Builder(ctx)
    b.load_pages()
    b.load_page_dates()
    home = ctx.homepage
    if home is None or ctx.html(home) is None:
        return SiteColumns(home=None, columns=[], available=False,
                           reason="首页快照不存在（未抓取或已清理），无法识别栏目")
    home_html = ctx.html(home) or ""
    home_summary = summarise(home_html, home.url)
    b.summarise_pages(home)
    jsonrows.attach(ctx, [home_summary, *b.summaries.values()])  # rows loaded from JSON
    template = b.template_links(b.sample_ids(home))
    tblocks = b.template_blocks(home_summary)
    home_targets = b.home_links(home)
    columns = b.group_pages()
    site_name = ctx.site.name

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
    nav_links = (template | home_targets) - home_items
    links = b.page_links([home.id] + [b.pages[u].id for u in b.summaries])
    kept: list[ColumnRec] = []
    for col in columns.values():
        if col.key in home_keys:
            continue  # the homepage under another name (/index.html)
        s1 = b.summaries.get(col.url) or b.summaries[sorted(col.pages)[0][1]]
        own_urls = col.urls | {col.key}
        rows: list[tuple[Row, str]] = []
        section = False
        for number, url in sorted(col.pages):
            s = b.summaries[url]
            groups, is_section = _item_groups(s, col.key, own_urls, template, b)
            section = section or (is_section and number == 1)
            for g in groups:
                rows.extend((r, url) for r in g.rows)
        # name
        counter: Counter = Counter()
        for u in col.urls:
            counter.update(anchors.get(u, Counter()))
        crumb_name = s1.crumbs[-1][0] if s1.crumbs else None
        meta_name = (s1.metas.get("columnname") or "").strip() or None
        candidates = [("meta", meta_name), ("crumb", crumb_name),
                      ("block", block_names.get(col.key)), ("anchor", _best_anchor(counter)),
                      ("heading", s1.heading), ("title", _title_name(s1.title, site_name))]
        col.name, col.name_source = next(((n[:MAX_NAME], src) for src, n in candidates if n),
                                         (urlsplit(col.url).path, "url"))
        col.hint = _hint_for(col, b.hints)
        if col.hint and col.hint.get("name"):
            col.name, col.name_source = str(col.hint["name"])[:MAX_NAME], "hint"
        # kind
        linked = bool(col.urls & nav_links) or col.key in block_names
        # (a ColumnName meta alone proves nothing: CMSs put it on article pages too)
        columnish = bool(linked or (COLUMN_URL.search(urlsplit(col.url).path)
                                    and not urlsplit(col.url).query)
                         or (s1.crumbs and s1.crumbs[-1][1] and column_key(s1.crumbs[-1][1])
                             == col.key))
        if rows:
            col.kind = "section" if section else "list"
            col.items = _date_items(rows, b)
        elif s1.json_lists and not s1.json_read:  # its JSON list was not read: a shell's
            # 暂无数据 is what it shows before its script runs, not evidence of a blank column
            col.kind = "spa"
            col.note = "列表由脚本从接口加载，接口未能读取，需浏览器核对（未判断是否空白）"
        elif (ph := _placeholder(s1, tblocks, b.vocab)) is not None:
            col.kind, col.note = "blank", f"页面仅显示“{ph}”"
        elif s1.json_read:  # the list's JSON endpoint answered with no rows
            col.kind, col.note = "blank", "栏目列表接口未返回任何信息"
        elif s1.spa and not s1.datastore:
            col.kind, col.note = "spa", "列表由脚本从接口加载，需浏览器才能抓取（未判断是否空白）"
        elif s1.frames:
            col.kind, col.note = "single", "内容在内嵌框架中"
        elif s1.datastore or _own_text(s1, tblocks, col.name) < 10:
            col.kind, col.note = "blank", "栏目页没有任何内容"
        else:
            col.kind = "single"
        if col.kind in ("single", "blank", "spa") and (
                not columnish or len(col.name) > 16 or b.vocab.is_service_page(col.name)):
            continue  # an ordinary page (site map, search form, service guide …)
        if col.kind == "single":
            subs = {column_key(t) for t, _ in links.get(b.pages[col.url].id, ())
                    if t not in template} & set(columns) - {col.key}
            if len(subs) >= 2:
                col.kind = "section"  # a channel page linking its sub-columns
        _newest(col, b.as_of)
        col.category, col.update_class = b.vocab.resolve(col.name, col.hint)
        kept.append(col)

    listed = {c.name for c in kept if c.kind in ("list", "section")}
    kept = [c for c in kept if c.kind in ("list", "section", "home") or c.name not in listed
            or c.hint]  # a page carrying a list column's name is a page of that column
    _levels(kept, {c.key: c for c in kept}, b, home_targets | template)
    home_rec = _home(home, home_summary, template, b)
    if home_rec.items == [] and not any(g for g in home_summary.groups
                                        if not _is_menu(g, {home.url}, template, b)):
        # a navigation-only homepage: its second-level pages stand in (V3)
        firsts = [c for c in kept if c.level == 1 and c.kind == "list"]
        for c in firsts:
            home_rec.items.extend(c.items)
        home_rec.note = "首页仅有导航，以二级页面的信息代替"
        _newest(home_rec, b.as_of)
    result = SiteColumns(home=home_rec, columns=kept, pages_seen=len(b.pages),
                         nav_categories=b.nav_categories(links))
    _store(ctx, result)
    result.elapsed = time.monotonic() - t0
    return result


def _home(home: Page, s: Summary, template: set[str], b: _Builder) -> ColumnRec:
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


def _levels(cols: list[ColumnRec], by_key: dict[str, ColumnRec], b: _Builder,
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
        for pk in _parent_keys(c.key):
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


def _store(ctx: CheckContext, result: SiteColumns) -> None:
    s = ctx.session
    run_id, site_id = ctx.run.id, ctx.site.id
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
        from sqlalchemy import insert

        for i in range(0, len(item_rows), 1000):
            s.execute(insert(Item), item_rows[i:i + 1000])
    ctx.run_site.columns = len(result.columns)
    s.flush()


class ColumnsUnavailable(RuntimeError):
    """The run's page snapshots are gone: columns cannot be judged (unknown, not fixed)."""


def site_columns(ctx: CheckContext) -> SiteColumns:
    """The site's columns for this check run (built once per site and shared by rules).

    Raises ColumnsUnavailable when the snapshots were pruned: the runner then records the
    rules as not run, so earlier findings stay open instead of looking fixed.
    """
    cached = getattr(ctx, "_site_columns", None)
    if cached is None:
        cached = build(ctx)
        ctx._site_columns = cached  # type: ignore[attr-defined]
    if not cached.available:
        raise ColumnsUnavailable(cached.reason or "无法识别栏目")
    return cached


__all__ = ["ColumnRec", "ColumnsUnavailable", "ItemRec", "SiteColumns", "build", "column_key",
           "site_columns"]
