"""SiteSpider: breadth-first crawl of the registry's running sites, within their scopes.

One spider instance crawls many sites at once (Scrapy's scheduler interleaves them, and
download slots keyed by server address keep a slow or dead site from holding the others
back). It yields ``page`` items; the store pipeline writes them in batches.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse

from crawler import extract, jsonlists, paging
from crawler.incremental import PrevPage
from crawler.netguard import Guard
from crawler.outcomes import classify_exception
from crawler.urls import TrapGuard, canonical, is_attachment, is_image, is_pager_sibling, link_kind
from parse import charset
from settings.registry import Registry, SiteSpec

if TYPE_CHECKING:  # what Scrapy hands errbacks (a Twisted Failure: .value, .request)
    from twisted.python.failure import Failure

FOLLOW_TAGS = {"a", "area", "iframe", "frame"}
# <script src> files on the page's own server are fetched once per run and stored (footers
# and identifiers are often written by document.write from a footer .js); bounded apart from
# the page budget.
MAX_SCRIPTS_PER_SITE = 200
SCRIPT_CONTENT_TYPE = "application/javascript"
# the key of ``resume_state`` (crawler/resume.py) holding every URL the run stored
RESUME_STORED = "_stored"


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(self, registry: Registry, codes: list[str], run_id: int,
                 max_pages: int = 5000, max_depth: int = 8, max_query_variants: int = 100,
                 resume_state: dict[str, Any] | None = None, progress: Any = None,
                 incremental: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.registry = registry
        self.sites = [registry.by_code(c) for c in codes]
        self.run_id = run_id
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.progress = progress
        self.resume_state = resume_state or {}
        self.guard = Guard.from_registry(registry)  # every request: crawler/middlewares.py
        self.seen: set[str] = set()
        self.scheduled: dict[str, int] = defaultdict(int)
        self.stats_by_site: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.traps = {s.code: TrapGuard(max_query_variants) for s in self.sites}
        self.homepage_failed: dict[str, str] = {}
        self.by_code = {s.code: s for s in reversed(registry.sites)}  # first one wins
        self.max_url_length = 2083
        # incremental runs (crawler/incremental.py): the base runs' pages by URL, and the
        # articles to carry over once nothing else is left to download
        self.incremental = incremental or {}
        self.prev: dict[str, PrevPage] = {}
        self.prev_anchors: set[tuple[str, str | None]] = set()
        self.pending: dict[str, tuple[SiteSpec, int, str | None]] = {}
        self.carry_since = time.time() - float(self.incremental.get("carry_max_days", 0)) * 86400
        self.db_url: str | None = None
        self.store_pipeline: Any = None  # set by crawler/pipelines.py when it opens

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # noqa: ANN001, ANN206
        if "registry" not in kwargs and not args:  # `scrapy crawl site -a workspace=DIR`
            from crawler.workspace import spider_arguments

            kwargs = spider_arguments(crawler.settings, **kwargs)  # exits 2 on bad input
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        spider.db_url = crawler.settings.get("GOVMON_DB")
        if spider.incremental.get("base_runs") and spider.db_url:
            crawler.signals.connect(spider._carry_when_idle, signal=signals.spider_idle)
        return spider

    # -- scheduling -------------------------------------------------------------------
    async def start(self):  # noqa: ANN201 - async generator of requests
        async for req in self._start_requests():
            req.meta["is_start_request"] = True  # what StartSpiderMiddleware (off) would set
            yield req

    async def _start_requests(self):  # noqa: ANN202
        if self.incremental.get("base_runs") and self.db_url:
            from crawler.incremental import load_previous
            from store.db import open_store

            with open_store(self.db_url, upgrade=False)() as s:
                self.prev, self.prev_anchors = load_previous(s, self.incremental["base_runs"])
        # a resumed run: what the run stored for any site is never asked for again
        self.seen.update(self.resume_state.get(RESUME_STORED, ()))
        for site in self.sites:
            state = self.resume_state.get(site.code)
            if state:
                self.seen.update(state["seen"])
                self.scheduled[site.code] = len(state["seen"])
                self.stats_by_site[site.code].update(state.get("stats", {}))  # go on counting
                for url, depth, referrer, hidden_paging in state["frontier"]:
                    req = self._request(site, url, depth, referrer, hidden_paging=hidden_paging)
                    if req is not None:
                        yield req
                continue
            home = canonical(site.url)
            if home:
                req = self._request(site, home, 0, None, homepage=True)
                if req is not None:
                    yield req
            # a registry hint may name a mailbox no page links to
            hint = canonical(str(site.hints.get("mailbox") or ""))
            owner = self.registry.site_for(hint) if hint else None
            if owner is not None and owner.code == site.code:
                req = self._request(site, hint, 1, home)
                if req is not None:
                    yield req

    def _request(self, site: SiteSpec, url: str, depth: int, referrer: str | None,
                 homepage: bool = False, hidden_paging: bool = False,
                 via_unchanged: bool = False) -> scrapy.Request | None:
        """A request for ``url`` (None: seen, out of budget, a trap, or to be carried over
        later). ``via_unchanged``: found on a page not read anew (an incremental run)."""
        stats = self.stats_by_site[site.code]
        prev = self.prev.get(url) if self.prev else None
        if url in self.seen:
            if not via_unchanged and url in self.pending:  # a page read anew links to it
                site, depth, referrer = self.pending.pop(url)
                return self._build(site, url, depth, referrer, False, False, prev)
            return None
        if prev is not None and prev.depth < depth:
            depth = prev.depth  # its depth last time: carried pages come late, not deeper
        if len(url) > self.max_url_length:  # Scrapy's UrlLengthMiddleware is off (settings.py)
            stats["trap_pruned"] += 1
            return None
        if depth > self.max_depth:
            stats["depth_limited"] += 1
            return None
        if self.scheduled[site.code] >= self.max_pages:
            stats["budget_exhausted"] = 1
            return None
        # Script-paging URLs are computed from a bounded page count: no trap guard (all of a
        # Hanweb site's columns share one dataproxy.jsp path and its query-variant cap).
        if not (homepage or hidden_paging) and not self.traps[site.code].allow(url):
            stats["trap_pruned"] += 1
            return None
        self.seen.add(url)
        self.scheduled[site.code] += 1
        if prev is not None and prev.eligible and not (homepage or hidden_paging):
            if via_unchanged and prev.fetched_at >= self.carry_since:
                self.pending[url] = (site, depth, referrer)
                return None
        else:
            prev = None
        return self._build(site, url, depth, referrer, homepage, hidden_paging, prev)

    def _build(self, site: SiteSpec, url: str, depth: int, referrer: str | None,
               homepage: bool, hidden_paging: bool, prev: PrevPage | None
               ) -> scrapy.Request:
        meta = {"site": site.code, "depth": depth, "referrer": referrer, "url": url,
                "homepage": homepage, "t0": time.monotonic()}
        if site.ignore_robots:
            meta["dont_obey_robotstxt"] = True
        headers = {"Referer": referrer} if referrer else {}
        if prev is not None:  # revalidate: conditional, or compared by content hash
            meta["prev"] = prev
            headers.update(prev.conditional_headers())
        return scrapy.Request(
            url, callback=self.parse, errback=self.failed, dont_filter=True,
            priority=-depth - (1 if hidden_paging else 0),
            meta=meta,
            headers=headers or None,
        )

    # -- responses --------------------------------------------------------------------
    def parse(self, response: Response):  # noqa: ANN201
        meta = response.meta
        site = self.by_code[meta["site"]]
        # meta["url"] is canonical already: re-canonicalise only where a redirect led
        final = (meta["url"] if response.url == meta["url"]
                 else canonical(response.url) or response.url)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")[:200]
        page: dict[str, Any] = {
            "_type": "page", "run_id": self.run_id, "site": site.code, "url": meta["url"],
            "final_url": final, "status": response.status, "content_type": content_type,
            "encoding": None, "title": None, "size": len(response.body), "depth": meta["depth"],
            "referrer": meta["referrer"], "error": None, "soft404": False,
            "elapsed_ms": _answer_ms(response),
            "content_hash": hashlib.sha1(response.body).hexdigest() if response.body else None,
            "body": None, "links": [], "homepage": meta["homepage"],
            **_validators(response),
        }
        prev = meta.get("prev")
        if prev is None and self.prev and response.status == 200:
            # A page read anew every night (home, lists): its links lead to changes only
            # when its content changed (crawler/incremental.py)
            known = self.prev.get(meta["url"])
            meta["unchanged"] = known is not None and known.content_hash == page["content_hash"]
        elif prev is not None and (response.status == 304 or (
                response.status == 200 and page["content_hash"] == prev.content_hash)):
            yield from self._reuse(site, meta, prev, "304" if response.status == 304
                                   else "same", page)
            return
        if "json" in meta:  # an answer of a list's JSON endpoint: stored by crawler/jsonlists.py
            yield from jsonlists.parse(self, site, response, page)
            return
        stats = self.stats_by_site[site.code]
        stats["pages"] += 1
        if response.status >= 400:
            stats["errors"] += 1
            if meta["homepage"]:
                self.homepage_failed[site.code] = f"HTTP {response.status}"
        is_html = isinstance(response, TextResponse) and (
            "html" in content_type.lower() or not content_type
            or paging.is_datastore(content_type, response.body))
        if is_html and response.status < 400:
            yield from self._read_html(response, site, page, content_type)
        yield page

    def _read_html(self, response: Response, site: SiteSpec, page: dict[str, Any],
                   content_type: str):  # noqa: ANN202 - generator of requests
        """Fill ``page`` from an HTML page (title, links, body) and yield the requests for
        what it leads to in its site: links, hidden CMS paging, JSON lists, scripts."""
        meta = response.meta
        final = page["final_url"]
        # parse.charset: BOM, HTTP charset, <meta>, detection; GB labels as GB18030
        page["encoding"], text = charset.decode_html(response.body, content_type)
        page["body"] = response.body
        facts = extract.parse(text, response.url)
        page["title"] = facts.title
        page["soft404"] = facts.soft404
        site_for = self.registry.site_for
        owner = site_for(final)
        in_scope = owner is not None and owner.code == site.code
        unchanged = meta.get("unchanged", False)
        anchors = self.prev_anchors
        if in_scope:  # paging and list items hidden in CMS scripts: crawler/paging.py
            hidden = paging.discover(text, response.url)
            facts.links.extend(hidden.new_links(facts.links))
            for p in hidden.pages:
                if (site_for(p.url) or site).code == site.code:
                    req = self._request(site, p.url, max(meta["depth"], 1), meta["url"],
                                        hidden_paging=True)
                    if req is not None:
                        yield req
            # rows loaded by the page's script from a JSON endpoint (stored as pages)
            yield from jsonlists.follow(self, site, text, response.url, meta)
        for link in facts.links:
            target_site = site_for(link.url)
            same = target_site is not None and target_site.code == site.code
            kind = link_kind(link.tag, link.attr, link.url, same)
            page["links"].append((link.url, link.tag, link.attr, link.anchor, kind))
            if in_scope:
                # a link as the base run had it (e.g. a list row that only moved down a
                # page) does not make its target worth asking for (crawler/incremental.py)
                known = unchanged or (link.url, link.anchor[:500] if link.anchor else None
                                      ) in anchors
                yield from self._follow(site, meta, final, link.url, link.tag, kind, same,
                                        response.encoding, via_unchanged=known)

    def _follow(self, site: SiteSpec, meta: dict[str, Any], final: str, url: str, tag: str,
                kind: str, same: bool, encoding: str | None, via_unchanged: bool):  # noqa: ANN202
        """The request (if any) for one link of an in-scope page."""
        # For <a>/<area>, "internal" already means same site and neither an
        # attachment nor an image; frames need the extension checks.
        if same and (kind == "internal" or (
                kind == "frame" and tag in FOLLOW_TAGS
                and not is_attachment(url) and not is_image(url))):
            # next-page links of a list stay at the list's depth (min 1: 0 is home)
            depth = (max(meta["depth"], 1) if is_pager_sibling(final, url)
                     else meta["depth"] + 1)
            req = self._request(site, url, depth, meta["url"], via_unchanged=via_unchanged)
            if req is not None:
                yield req
        elif tag == "script" and urlsplit(url).netloc == urlsplit(final).netloc:
            # Same server (this worker owns it): also a footer .js shared by the
            # cluster's sites, e.g. /common/footer.js outside this site's prefix.
            req = self._script_request(site, url, meta, encoding)
            if req is not None:
                yield req

    # -- incremental runs: pages not read anew (crawler/incremental.py) ----------------
    def _reuse(self, site: SiteSpec, meta: dict[str, Any], prev: PrevPage, mode: str,
               page: dict[str, Any] | None = None, links: list[tuple] | None = None):  # noqa: ANN202
        """The page is the stored one: a copy of it goes to the store (no parse) and its
        stored links are followed as the page's own would be."""
        self.stats_by_site[site.code]["pages"] += 1
        yield {"_type": "reuse", "run_id": self.run_id, "site": site.code, "url": meta["url"],
               "from_page": prev.page_id, "mode": mode, "depth": meta["depth"],
               "referrer": meta["referrer"],
               "elapsed_ms": page["elapsed_ms"] if page else None,
               "etag": page["etag"] if page else None,
               "last_modified": page["last_modified"] if page else None}
        final = prev.final_url or meta["url"]
        owner = self.registry.site_for(final)
        if owner is None or owner.code != site.code:
            return
        if links is None:
            links = self._stored_links([prev.page_id]).get(prev.page_id, [])
        site_for = self.registry.site_for
        for url, tag, kind in links:
            target_site = site_for(url)
            same = target_site is not None and target_site.code == site.code
            yield from self._follow(site, meta, final, url, tag, kind, same, None,
                                    via_unchanged=True)

    def _stored_links(self, page_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
        from sqlalchemy import select

        from store.db import open_store
        from store.models import Link

        if not hasattr(self, "_sessions"):
            self._sessions = open_store(self.db_url, upgrade=False)
        out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        with self._sessions() as s:
            rows = s.execute(select(Link.page_id, Link.target, Link.tag, Link.kind)
                             .where(Link.page_id.in_(page_ids)).order_by(Link.id))
            for page_id, target, tag, kind in rows:
                out[page_id].append((target, tag, kind))
        return out

    def _carry_when_idle(self) -> None:
        """Nothing left to download: carry the waiting articles over (stored copies) and
        schedule what their links lead to that must be fetched."""
        if not self.pending:
            return
        scheduled = False
        while self.pending:
            batch = []
            for url in list(self.pending)[:500]:
                batch.append((url, *self.pending.pop(url)))
            links = self._stored_links([self.prev[url].page_id for url, *_ in batch])
            for url, site, depth, referrer in batch:
                prev = self.prev[url]
                meta = {"site": site.code, "depth": depth, "referrer": referrer, "url": url}
                for out in self._reuse(site, meta, prev, "carried",
                                       links=links.get(prev.page_id, [])):
                    if isinstance(out, scrapy.Request):
                        self.crawler.engine.crawl(out)
                        scheduled = True
                    elif self.store_pipeline is not None:
                        self.store_pipeline.process_item(out, self)
        if scheduled:
            raise DontCloseSpider

    # -- same-site scripts (bodies kept for the identity rules) ------------------------
    def _script_request(self, site: SiteSpec, url: str, parent: dict[str, Any],
                        parent_encoding: str | None) -> scrapy.Request | None:
        stats = self.stats_by_site[site.code]
        if url in self.seen or stats["scripts"] >= MAX_SCRIPTS_PER_SITE:
            return None
        self.seen.add(url)
        stats["scripts"] += 1
        meta = {"site": site.code, "depth": parent["depth"] + 1, "referrer": parent["url"],
                "url": url, "homepage": False, "t0": time.monotonic(),
                "parent_encoding": parent_encoding}
        if site.ignore_robots:
            meta["dont_obey_robotstxt"] = True
        return scrapy.Request(url, callback=self.parse_script, errback=self.script_failed,
                              dont_filter=True, priority=-parent["depth"] - 1, meta=meta,
                              headers={"Referer": parent["url"]})

    def parse_script(self, response: Response):  # noqa: ANN201
        """Store a script's body as a page (content type javascript, no links). Failures
        are left to the link verifier, which checks the target as before."""
        meta = response.meta
        if response.status >= 400 or not response.body:
            return
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")[:200]
        yield {
            "_type": "page", "run_id": self.run_id, "site": meta["site"], "url": meta["url"],
            "final_url": canonical(response.url) or response.url, "status": response.status,
            "content_type": (ctype if "javascript" in ctype.lower() and "html" not in
                             ctype.lower() else SCRIPT_CONTENT_TYPE),
            "encoding": charset.script_encoding(response.body, ctype,
                                                meta.get("parent_encoding")),
            "title": None, "size": len(response.body), "depth": meta["depth"],
            "referrer": meta["referrer"], "error": None, "soft404": False,
            "elapsed_ms": _answer_ms(response),
            "content_hash": hashlib.sha1(response.body).hexdigest(),
            "body": response.body, "links": [], "homepage": False,
            **_validators(response),
        }

    def script_failed(self, failure: Failure) -> None:
        return None

    def failed(self, failure: Failure):  # noqa: ANN201
        request = failure.request
        meta = request.meta
        error = classify_exception(failure.value)
        stats = self.stats_by_site[meta["site"]]
        if error == "robots":
            stats["robots_disallowed"] += 1
            return
        stats["pages"] += 1
        stats["errors"] += 1
        if meta.get("homepage"):
            self.homepage_failed[meta["site"]] = error
        yield {
            "_type": "page", "run_id": self.run_id, "site": meta["site"], "url": meta["url"],
            "final_url": None, "status": 0, "content_type": None, "encoding": None,
            "title": None, "size": 0, "depth": meta["depth"], "referrer": meta["referrer"],
            "error": error, "soft404": False, "content_hash": None, "body": None, "links": [],
            "elapsed_ms": int((time.monotonic() - meta["t0"]) * 1000),
            "homepage": meta.get("homepage", False), "etag": None, "last_modified": None,
        }



def _validators(response: Response) -> dict[str, str | None]:
    """The answer's ETag and Last-Modified, kept for the next run's conditional request."""
    etag = response.headers.get(b"ETag")
    modified = response.headers.get(b"Last-Modified")
    return {"etag": etag.decode("latin-1")[:200] if etag else None,
            "last_modified": modified.decode("latin-1")[:64] if modified else None}


def _answer_ms(response: Response) -> int:
    """How long the server took to answer (Scrapy's ``download_latency``: request sent to
    response headers), not the time the request waited in the scheduler: the link rule
    compares it with the indicator's 15-second limit."""
    latency = response.meta.get("download_latency")
    if latency is None:
        latency = time.monotonic() - response.meta["t0"]
    return int(latency * 1000)
