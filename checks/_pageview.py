"""One parse per page for the page-content rules.

identity, meta_tags, search, typos, secrets, guides and hidden_links all read every crawled
HTML page of a site. Parsing each page once per rule would cost six or seven lxml parses per
page; instead :func:`scan` parses each page once, hands the :class:`PageView` to every
family's ``extract_page(view)`` and keeps only their small results. The scan of the site
being checked is cached (the runner runs all modules of one site before the next site).

Rules still only read the store: pages, snapshots and links of the run.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing as mp
import re
import signal
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from lxml import etree
from sqlalchemy import func, make_url, select

from checks.base import CheckContext
from crawler.extract import resolve as resolve_url
from crawler.urls import is_ignored_href
from parse import charset
from store.models import Link, Page, Site, Snapshot

# Modules whose ``extract_page`` the scan runs; each result is kept under the module name.
FAMILIES = ("identity", "meta_tags", "search", "typos", "secrets", "guides", "hidden_links")

_CLOSING = re.compile(r"</\s*(?:html|body)\s*>", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"\s+")
SKIP_TAGS = {"head", "script", "style", "noscript", "template", "title"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", "iframe", "option", "select", "textarea",
}

# -- page kind (article vs column) -------------------------------------------------------
DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|"
                  r"(?<![\d:])\d{1,2}-\d{1,2}(?![\d:])")
BYLINE = re.compile(r"(?:发布|发表|发文|成文|更新)?(?:时间|日期)\s*[：:]\s*(?:19|20)\d{2}")
ARTICLE_URL = re.compile(
    r"/art/\d{4}/|/art_\d+_\d+|/t\d{8}_\d+\.s?html?|/content/post_\d+|content_\d+\.s?htm|"
    r"/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?|/\d{4}/\d{2}-\d{2}/\d+\.s?html?|"
    r"/(?:show|view|detail|content|article|info)\w*\.(?:asp|aspx|jsp|php|do)\?(?:.*&)?"
    r"(?:id|articleid|newsid|infoid)=\d+", re.I)
# CMS body containers: #zoom, .TRS_UEDITOR / .TRS_Editor, <UCAPCONTENT>, #UCAP-CONTENT ...
# The leading lookahead (every match starts with <, i or c) lets ``re`` skip ahead instead
# of trying each alternative at every position of the page: same matches, 3× faster.
CONTAINER = re.compile(
    r"(?=[<ic])(?:<ucapcontent\b|"
    r"\bid\s*=\s*[\"']?(?:zoom|ucap-content|article-content|artibody)[\"'\s>]|"
    r"\bclass\s*=\s*[\"'][^\"']*\b(?:trs_ueditor|trs_editor|pages_content|article-content|"
    r"article_content)\b)", re.I)
HOME_ALIAS = re.compile(r"^(?:index|default|main|home)\.(?:s?html?|jsp|php|aspx?)$", re.I)
# Pager marks (a plain substring test each: cheaper than one regex over the whole page).
PAGER_WORDS = ("createPageHTML", "下一页", "尾页", "末页", "countPage", "totalPage", "pageCount")


@dataclass
class PageView:
    """A decoded HTML page and what several rule families need from it (lazily)."""

    url: str
    html: str
    page_id: int = 0
    depth: int = 1
    stored_title: str | None = None

    @cached_property
    def doc(self) -> Any:
        return parse_html(self.html)

    @cached_property
    def base(self) -> str:
        doc = self.doc
        if doc is not None:
            for b in doc.iter("base"):
                href = b.get("href")
                if href and not is_ignored_href(href):
                    return urljoin(self.url, href.strip())
                break
        return self.url

    def resolve(self, href: str | None) -> str | None:
        if not href or is_ignored_href(href):
            return None
        # canonical(urljoin(...)), memoised: menus and footers repeat on every page
        return resolve_url(self.base, href.strip())

    @cached_property
    def title(self) -> str:
        if self.stored_title:
            return self.stored_title
        doc = self.doc
        el = doc.find(".//title") if doc is not None else None
        return _WS.sub(" ", text_of(el)).strip() if el is not None else ""

    @cached_property
    def lines(self) -> list[str]:
        """Visible text, one line per block element, whitespace collapsed."""
        return text_lines(self.doc) if self.doc is not None else []

    @cached_property
    def main_lines(self) -> list[str]:
        """Visible text lines without footer containers (footer, #footer, .bottom ...)."""
        if self.doc is None:
            return []
        return text_lines(self.doc, skip=is_footer)

    @cached_property
    def text(self) -> str:
        return "\n".join(self.lines)

    @cached_property
    def metas(self) -> dict[str, str]:
        """``<meta name=... content=...>`` by lower-cased name (first wins)."""
        out: dict[str, str] = {}
        if self.doc is None:
            return out
        for m in self.doc.iter("meta"):
            name = (m.get("name") or "").strip().lower()
            if name and name not in out:
                out[name] = (m.get("content") or "").strip()
        return out

    @cached_property
    def inline_scripts(self) -> list[str]:
        if self.doc is None:
            return []
        return [s.text for s in self.doc.iter("script") if not s.get("src") and s.text]

    @cached_property
    def script_srcs(self) -> list[str]:
        return self._srcs(("script",), "src")

    @cached_property
    def frame_srcs(self) -> list[str]:
        return self._srcs(("iframe", "frame"), "src")

    def _srcs(self, tags: tuple[str, ...], attr: str) -> list[str]:
        if self.doc is None:
            return []
        out: list[str] = []
        for el in self.doc.iter(*tags):
            url = self.resolve(el.get(attr))
            if url and url not in out:
                out.append(url)
        return out

    @cached_property
    def heading(self) -> str:
        """The first h1 (else h2) text: the page's own title on most CMS templates."""
        if self.doc is None:
            return ""
        for tag in ("h1", "h2"):
            for el in self.doc.iter(tag):
                text = _WS.sub(" ", text_of(el)).strip()
                if text:
                    return text
        return ""

    @cached_property
    def kind(self) -> str | None:
        return page_kind(self)


FOOTER_MARK = re.compile(r"foot|bottom|copyright|banquan|\bbq\b|\bft\b", re.I)


def is_footer(el: Any) -> bool:
    """A page-footer container: <footer>, or an id/class naming foot/bottom/copyright."""
    if el.tag == "footer":
        return True
    marker = f"{el.get('id') or ''} {el.get('class') or ''}"
    return marker != " " and bool(FOOTER_MARK.search(marker))


_PARSER = etree.HTMLParser(remove_blank_text=False, recover=True)


def parse_html(html: str) -> Any:
    """Parse a whole page, keeping what real pages put after ``</html>`` (identifiers do
    end up there) and tolerating an XML declaration. Plain lxml etree elements: iterating
    them is much cheaper than ``lxml.html``'s element classes."""
    text = _CLOSING.sub("", _XML_DECL.sub("", html, count=1))
    if not text.strip():
        return None
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def text_of(el: Any) -> str:
    """All text inside an element (as ``lxml.html``'s ``text_content``): libxml2's text
    serialisation, the same string as ``"".join(el.itertext())`` at a third of the cost."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def load_yaml(path: Path) -> Any:
    """A data file (C loader when PyYAML has it); a bad file raises ValueError with its line."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML 格式错误") from None


def text_lines(root: Any, skip: Callable[[Any], bool] | None = None) -> list[str]:
    """Visible text of ``root`` split at block elements (no script/style/head); elements
    for which ``skip`` is true are left out with their content."""
    lines: list[str] = []
    buf: list[str] = []

    def newline() -> None:
        if buf:
            # = _WS.sub(" ", text).strip(): \s and str.split() know the same whitespace
            line = " ".join("".join(buf).split())
            buf.clear()
            if line:
                lines.append(line)

    # lxml's tree walk in C: start / end events for elements, one event for comments and
    # processing instructions (only their tail is text); a left-out element still gets its
    # end event, right after its start.
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    skipped = None
    for event, el in walker:
        if event == "start":
            tag = el.tag
            if tag in SKIP_TAGS or (skip is not None and skip(el)):
                walker.skip_subtree()
                skipped = el
                continue
            if tag in BLOCK_TAGS:
                newline()
            if el.text:
                buf.append(el.text)
        elif event == "end":
            if el is skipped:
                skipped = None
            elif el.tag in BLOCK_TAGS:
                newline()
            if el.tail:
                buf.append(el.tail)
        elif el.tail:
            buf.append(el.tail)
    newline()
    return lines


def dated_rows(view: PageView) -> int:
    """List rows (li/tr/dd) with a link and a date: what a column page repeats."""
    doc = view.doc
    if doc is None:
        return 0
    count = 0
    for el in doc.iter("li", "tr", "dd"):
        # Leaf rows only: a layout table's outer row holds the whole page.
        if next(el.iterdescendants("tr", "li"), None) is not None:
            continue
        text = text_of(el)
        if len(text) > 300 or not DATE.search(text):
            continue
        if any(a.get("href") for a in el.iter("a")):
            count += 1
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "text/xml" and script.text:
            count += script.text.count("<record")
    return count


def page_kind(view: PageView) -> str | None:
    """'article', 'column' or None (neither clearly; e.g. a homepage or a form).

    Article signals: a CMS body container (#zoom, .TRS_UEDITOR, UCAPCONTENT ...) counts 2,
    a dated byline (发布时间：2024-...) 1, an article URL form (/art/2024/..., t20240101_N)
    1. Column signals: ≥ 5 list rows with a link and a date 2 (3-4 rows: 1), a Hanweb
    datastore counted as rows, a pager (下一页 / createPageHTML) 1. The larger score
    wins when it is at least 2; related-article lists on article pages stay below the
    container + byline score.
    """
    if view.doc is None:
        return None
    art = 2 if CONTAINER.search(view.html) else 0
    if any(BYLINE.search(line) for line in view.lines[:60]):
        art += 1
    if ARTICLE_URL.search(path_and_query(view.url)):
        art += 1
    rows = dated_rows(view)
    col = 2 if rows >= 5 else (1 if rows >= 3 else 0)
    if any(word in view.html for word in PAGER_WORDS):
        col += 1
    if art >= 2 and art >= col:
        return "article"
    if col >= 2 and col > art:
        return "column"
    return None


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sample_key(url: str) -> str:
    """A stable pseudo-random order of pages (same sample run after run). Path and query
    only: a site that moves to https, a new host name or port keeps its sample (and the
    demo, served on a free port each time, shows the same findings every run)."""
    return hashlib.sha1(path_and_query(url).encode("utf-8")).hexdigest()


# -- the per-site scan -------------------------------------------------------------------
@dataclass
class PageRecord:
    page_id: int
    url: str
    depth: int
    title: str
    kind: str | None
    frame_only: bool  # reached only as an iframe/frame (a footer or counter), not a page
    is_home: bool = False  # the homepage, also under another URL (/index.html)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class SiteScan:
    pages: list[PageRecord]
    errors: dict[str, str] = field(default_factory=dict)
    scopes: list[tuple[str, str]] = field(default_factory=list)  # cluster (host, prefix)

    def facts(self, family: str) -> list[tuple[PageRecord, Any]]:
        if family in self.errors:
            raise RuntimeError(self.errors[family])
        return [(p, p.facts[family]) for p in self.pages if family in p.facts]


_cache: dict[tuple, SiteScan] = {}
_pool: ScanPool | None = None  # set by ``scanning_ahead`` while a check runs


def _pages_version(ctx: CheckContext) -> tuple[int, int | None]:
    """(page count, newest page id) of the site in the run: a resumed crawl (more pages,
    same run) must not reuse a stale scan in a long-lived process."""
    count, newest = ctx.session.execute(
        select(func.count(Page.id), func.max(Page.id)).where(
            Page.run_id == ctx.run.id, Page.site_id == ctx.site.id)).one()
    return count, newest


def scan(ctx: CheckContext) -> SiteScan:
    """The parsed facts of every HTML page of ``ctx.site`` in ``ctx.run`` (cached)."""
    version = _pages_version(ctx)
    key = (str(ctx.session.get_bind().url), ctx.run.id, ctx.site.id, *version)
    if key in _cache:
        return _cache[key]
    _cache.clear()
    ahead = _pool.take(ctx.run.id, ctx.site.id, version) if _pool is not None else None
    result = ahead if ahead is not None else _scan(ctx)
    _cache[key] = result
    return result


def site_scopes(site: Site) -> list[tuple[str, str]]:
    """(host[:port], path prefix) pairs a stored site owns (as ``SiteSpec.scope``)."""
    parts = urlsplit(site.url)
    scope = site.scope or {}
    path = parts.path or "/"
    default = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    prefixes = scope.get("prefixes") or [default]
    hosts = [parts.netloc.lower(), *[h.lower() for h in scope.get("hosts") or []]]
    return [(h, p) for h in hosts for p in prefixes]


def cluster_scopes(ctx: CheckContext) -> list[tuple[str, str]]:
    """Every registered site's scope: the cluster's own URLs."""
    return [pair for site in ctx.session.scalars(select(Site)) for pair in site_scopes(site)]


def in_scopes(url: str, scopes: list[tuple[str, str]]) -> bool:
    parts = urlsplit(url)
    netloc, path = parts.netloc.lower(), parts.path or "/"
    return any(netloc == h and path.startswith(p) for h, p in scopes)


def is_document(html: str) -> bool:
    """A whole HTML page, not an XML/JSON fragment served as text/html."""
    head = html[:4096].lower()
    return "<html" in head or "<body" in head or "<head" in head or "<title" in head


def _scan(ctx: CheckContext) -> SiteScan:
    families = {name: importlib.import_module(f"checks.{name}") for name in FAMILIES}
    scopes = cluster_scopes(ctx)
    own = site_scopes(ctx.site)
    site_links = (Link.run_id == ctx.run.id) & (Link.site_id == ctx.site.id)
    frame_targets = set(ctx.session.scalars(
        select(Link.target).where(site_links, Link.tag.in_(("iframe", "frame")))))
    # Only whether a frame target is also linked as a page matters: ask about those alone
    # instead of reading every link of the site.
    page_targets: set[str] = set()
    framed = sorted(frame_targets)
    for i in range(0, len(framed), 500):
        page_targets.update(ctx.session.scalars(select(Link.target).where(
            site_links, Link.tag.in_(("a", "area")), Link.target.in_(framed[i:i + 500]))))
    result = SiteScan(pages=[], scopes=scopes)
    home_parts = urlsplit(ctx.site.url)
    home_path = home_parts.path if home_parts.path.endswith("/") else (
        home_parts.path.rsplit("/", 1)[0] + "/")
    home_root = f"{home_parts.scheme}://{home_parts.netloc.lower()}{home_path}"
    home_hash: str | None = None
    # Plain columns, not Page objects, streamed: a site has thousands of pages.
    rows = ctx.session.execute(
        select(Page.id, Page.url, Page.final_url, Page.encoding, Page.title, Page.depth,
               Page.content_hash, Page.soft404, Snapshot.body)
        .join(Snapshot, Snapshot.page_id == Page.id)
        .where(Page.run_id == ctx.run.id, Page.site_id == ctx.site.id, Page.status >= 200,
               Page.status < 300, Page.content_type.ilike("%html%"))
        .order_by(Page.depth, Page.id)).yield_per(200)
    for page in rows:
        body = page.body
        if page.soft404:
            continue
        if page.final_url and page.final_url != page.url and not in_scopes(page.final_url,
                                                                            own):
            continue  # redirected off the site: someone else's page
        html = decode(zlib.decompress(body), page.encoding)
        if not is_document(html):
            continue
        view = PageView(url=page.url, html=html, page_id=page.id, depth=page.depth,
                        stored_title=page.title)
        if view.doc is None:
            continue
        if page.depth == 0:
            home_hash = page.content_hash
        parts = urlsplit(page.url)
        alias = (page.url.startswith(home_root) and not parts.query
                 and bool(HOME_ALIAS.match(parts.path[len(home_path):])))
        same_body = home_hash is not None and page.content_hash == home_hash
        is_home = page.depth == 0 or alias or same_body
        record = PageRecord(page_id=page.id, url=page.url, depth=page.depth, title=view.title,
                            kind=None if is_home else view.kind, is_home=is_home,
                            frame_only=page.depth > 0 and page.url in frame_targets
                            and page.url not in page_targets)
        for name, module in families.items():
            if name in result.errors:
                continue
            try:
                record.facts[name] = module.extract_page(view)
            except Exception as exc:  # noqa: BLE001 - reported by that family's check only
                result.errors[name] = f"{page.url}: {type(exc).__name__}: {exc}"[:500]
        result.pages.append(record)
    return result


# -- scanning ahead in worker processes ----------------------------------------------------
class ScanPool:
    """Scans sites in worker processes ahead of the runner.

    The page scan is most of a check's CPU and sites are independent, so workers scan the
    next sites while the runner's process runs the other rules of the current one. At most
    ``workers + 1`` scans are pending or waiting (each holds a site's page facts in memory).
    Workers only read committed crawl data (pages, snapshots, links, sites), which a check
    never writes.
    """

    def __init__(self, url: str, run_id: int, site_ids: list[int], workers: int):
        self.run_id = run_id
        self._queue = list(site_ids)
        self._ahead = workers + 1
        self._futures: dict[int, Future] = {}
        self._url = url
        self.used = 0  # scans taken from the workers
        self._executor = ProcessPoolExecutor(max_workers=workers,
                                             mp_context=mp.get_context("spawn"),
                                             initializer=_worker_init)
        self._fill()

    def _fill(self) -> None:
        while self._queue and len(self._futures) < self._ahead:
            site_id = self._queue.pop(0)
            try:
                self._futures[site_id] = self._executor.submit(scan_in_worker, self._url,
                                                               self.run_id, site_id)
            except Exception:  # noqa: BLE001 - a broken pool: the runner scans by itself
                self._queue.clear()

    def take(self, run_id: int, site_id: int, version: tuple[int, int | None]
             ) -> SiteScan | None:
        """A worker's scan of the site, if it saw exactly the pages ``version`` (count,
        newest id) describes; None when it was not scanned ahead, the worker failed or saw
        other pages (the caller then scans itself)."""
        future = self._futures.pop(site_id, None) if run_id == self.run_id else None
        self._fill()
        if future is None:
            return None
        try:
            seen, result = future.result()
        except Exception:  # noqa: BLE001 - a failed worker costs time, not results
            return None
        if seen != version:
            return None
        self.used += 1
        return result

    def release(self, site_id: int) -> None:
        """The runner is done with a site: drop a scan that was not used."""
        future = self._futures.pop(site_id, None)
        if future is not None:
            future.cancel()
        if site_id in self._queue:
            self._queue.remove(site_id)
        self._fill()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def scanning_ahead(url: str, run_id: int, site_ids: list[int],
                   workers: int) -> Iterator[ScanPool | None]:
    """Let ``scan`` take sites' scans from ``workers`` processes while the block runs
    (nothing happens with fewer than two workers or an in-memory database)."""
    global _pool
    if workers < 2 or not site_ids or _in_memory(url):
        yield None
        return
    pool = ScanPool(url, run_id, site_ids, workers)
    _pool = pool
    try:
        yield pool
    finally:
        _pool = None
        pool.close()


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


_worker_engines: dict[str, Any] = {}


def _worker_init() -> None:
    """Ctrl-C is the runner's to handle (it stops the pool): no traceback per worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def scan_in_worker(url: str, run_id: int, site_id: int
                   ) -> tuple[tuple[int, int | None], SiteScan]:
    """One site's scan in a worker process, with the page version it saw."""
    from sqlalchemy.orm import Session

    from store.db import make_engine
    from store.models import Run

    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = make_engine(url)
    with Session(engine) as session:
        run = session.get(Run, run_id)
        site = session.get(Site, site_id)
        ctx = CheckContext(session=session, run=run, site=site, run_site=None,
                           thresholds={}, as_of=run.started_at.date())
        return _pages_version(ctx), _scan(ctx)


decode = charset.decode  # a stored body, as ``CheckContext.html`` decodes it


def stored_html(ctx: CheckContext, url: str) -> tuple[Page, str] | None:
    """A page or script of this run by URL (any site: footers are shared), decoded."""
    page = ctx.session.scalars(select(Page).where(Page.run_id == ctx.run.id, Page.url == url,
                                                  Page.status >= 200, Page.status < 300)
                               ).first()
    if page is None:
        return None
    html = ctx.html(page)
    return (page, html) if html is not None else None


# -- script text ----------------------------------------------------------------------------
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
_PCT = re.compile(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")
_JS_ESC = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(.)", re.S)
_TAG = re.compile(r"<[^>]*>")


def _js_unescape(s: str) -> str:
    def rep(m: re.Match) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            return chr(int(m.group(2), 16))
        c = m.group(3)
        return {"n": "\n", "t": "\t", "r": ""}.get(c, c)

    return _JS_ESC.sub(rep, s)


def percent_unescape(s: str) -> str:
    """JavaScript ``unescape``: %XX and %uXXXX (bytes as Latin-1, then UTF-8 if they form it)."""
    if "%" not in s:
        return s
    if "%u" in s:
        s = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)
    try:
        return unquote(s, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return unquote(s, encoding="latin-1")


@lru_cache(maxsize=2048)  # templates repeat the same inline scripts on every page
def script_markup(js: str) -> str:
    """What a script writes: its string literals joined (``"网站标识码：" + "51..."``),
    JS escapes and ``unescape('%3C...')`` decoded. Markup, not yet text."""
    parts = []
    for m in _JS_STRING.finditer(js):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        parts.append(percent_unescape(_js_unescape(raw)))
    return "".join(parts)


@lru_cache(maxsize=2048)
def markup_text(markup: str) -> str:
    """Tag-stripped, entity-decoded, whitespace-collapsed text of a markup fragment."""
    import html as _html

    return _WS.sub(" ", _html.unescape(_TAG.sub(" ", markup))).strip()
