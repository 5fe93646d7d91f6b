"""One parse per page for the derive step and the page-content rules.

The derive step (footer identifiers, page dates: ``EXTRACTORS``) and meta_tags, search,
typos, secrets, guides and hidden_links all read every crawled HTML page of a site.
Parsing each page once per reader would cost seven or eight lxml parses per page; instead
:func:`scan` parses each page once (``parse.page.PageView``), hands it to every extractor
and family's ``extract_page(view)`` and keeps only their small results. The scan of the
site being checked is cached (the runner derives and runs all modules of one site before
the next site).

Rules still only read the store: pages, snapshots and links of the run.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing as mp
import signal
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy import func, make_url, select

from checks.base import CheckContext
from derive.posture import extract as posture_extract
from parse import charset, identity, pageinfo, privacy
from parse.page import (  # noqa: F401 - the page parsers, re-exported for the rules
    _WS,
    ARTICLE_URL,
    BLOCK_TAGS,
    BYLINE,
    CONTAINER,
    DATE,
    HOME_ALIAS,
    SKIP_TAGS,
    PageView,
    dated_rows,
    is_document,
    is_footer,
    markup_text,
    page_kind,
    parse_html,
    path_and_query,
    percent_unescape,
    script_markup,
    text_lines,
    text_of,
)
from store.models import Link, Page, Site, Snapshot

# Rule modules whose ``extract_page`` the scan runs; each result is kept under the module
# name. The identity rule reads what the derive step stored instead (``derive/``), which
# takes the page facts below from the same scan: one parse per page for everything.
FAMILIES = ("meta_tags", "search", "typos", "secrets", "guides", "hidden_links")
# Page understanding the derive step stores: name -> extractor(view, record).
EXTRACTORS: dict[str, Callable[[PageView, Any], Any]] = {
    "identity": lambda view, record: identity.read_page(view),
    "page": lambda view, record: pageinfo.read(view, "home" if record.is_home else record.kind),
    # issue 17 (derive/posture.py): personal numbers, scripts, private addresses, articles
    "privacy": lambda view, record: privacy.page_hits(view),
    "posture": lambda view, record: posture_extract(view, record),
}


def load_yaml(path: Path) -> Any:
    """A data file (C loader when PyYAML has it); a bad file raises ValueError with its line."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML 格式错误") from None


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
    redirected: bool = False  # reached by a redirect to another URL of the site
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
                            and page.url not in page_targets,
                            redirected=bool(page.final_url and page.final_url != page.url))
        for name, extract in EXTRACTORS.items():
            try:
                record.facts[name] = extract(view, record)
            except Exception as exc:  # noqa: BLE001 - reported by the derive step
                result.errors.setdefault(name, f"{page.url}: {type(exc).__name__}: {exc}"[:500])
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


