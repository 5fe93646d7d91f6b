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
from twisted.python.failure import Failure

from crawler import extract, jsonlists, paging
from crawler.netguard import Guard, resolve
from crawler.outcomes import classify_exception
from crawler.urls import TrapGuard, canonical, is_attachment, is_image, is_pager_sibling, link_kind
from parse import charset
from settings.registry import Registry, SiteSpec

if TYPE_CHECKING:  # imported on use: aiohttp and the verifier cost a crawl worker ~0.3 s
    from crawler.crawltime import CrawlTimeVerifier

FOLLOW_TAGS = {"a", "area", "iframe", "frame"}
# <script src> files on the page's own server are fetched once per run and stored (footers
# and identifiers are often written by document.write from a footer .js); bounded apart from
# the page budget.
MAX_SCRIPTS_PER_SITE = 200
SCRIPT_CONTENT_TYPE = "application/javascript"
# link kinds the crawl never fetches, verified while it runs (crawler/crawltime.py)
VERIFY_NOW = {"image", "attachment", "stylesheet"}


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(self, registry: Registry, codes: list[str], run_id: int,
                 max_pages: int = 5000, max_depth: int = 8, max_query_variants: int = 100,
                 resume_state: dict[str, Any] | None = None, progress: Any = None,
                 verify_share: tuple[int, int] | None = None, verify_external: bool = True,
                 verified: set[str] | None = None, recheck_delay: float = 30.0,
                 **kwargs: Any):
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
        # link verification during the crawl (crawler/crawltime.py); None: after it only
        self.verify_share = verify_share
        self.verify_external = verify_external
        self.verified = verified  # targets a resumed run has checked already
        self.recheck_delay = recheck_delay
        self.verification: CrawlTimeVerifier | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # noqa: ANN001, ANN206
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    async def _closed(self, reason: str) -> None:
        self.close_reason = reason
        if self.verification is not None:  # interrupted: the rest is left to the verify phase
            self.verification.cancel()
            await self.verification.close()

    def _idle(self) -> None:
        """The crawl is done: wait for the links still being verified, then close."""
        verification = self.verification
        if verification is not None and verification.busy():
            engine = self.crawler.engine

            def wake() -> None:  # close now rather than at the engine's next 5-s heartbeat
                slot = getattr(engine, "_slot", None)
                if slot is not None:
                    slot.nextcall.schedule()

            verification.on_idle = wake
            raise DontCloseSpider

    def _crawl_time_verifier(self) -> CrawlTimeVerifier | None:
        """The verifier of this worker, made on first use (it needs the running engine)."""
        if self.verification is not None or self.verify_share is None:
            return self.verification
        from crawler.crawltime import CrawlTimeVerifier
        from crawler.pipelines import StorePipeline
        from crawler.verifier import VerifyOptions

        engine = self.crawler.engine
        stores = [m for m in engine.scraper.itemproc.middlewares if isinstance(m, StorePipeline)]
        if not stores:
            self.verify_share = None  # no store pipeline (a library user): verify after
            return None
        own = {ip for s in self.sites for h, _ in s.scope() if (ip := resolve(h.split(":")[0]))}
        everyone = {ip for s in self.registry.sites for h, _ in s.scope()
                    if (ip := resolve(h.split(":")[0]))}
        self.verification = CrawlTimeVerifier(
            self, VerifyOptions.from_scrapy(self.crawler.settings, self.recheck_delay), stores[0],
            engine.downloader, own, everyone, tuple(self.verify_share),
            verify_external=self.verify_external, done=self.verified)
        self.crawler.signals.connect(self.verification.request_left,
                                     signal=signals.request_left_downloader)
        return self.verification

    # -- scheduling -------------------------------------------------------------------
    async def start(self):  # noqa: ANN201 - async generator of requests
        async for req in self._start_requests():
            req.meta["is_start_request"] = True  # what StartSpiderMiddleware (off) would set
            yield req

    async def _start_requests(self):  # noqa: ANN202
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
                 homepage: bool = False, hidden_paging: bool = False) -> scrapy.Request | None:
        stats = self.stats_by_site[site.code]
        if url in self.seen:
            return None
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
        meta = {"site": site.code, "depth": depth, "referrer": referrer, "url": url,
                "homepage": homepage, "t0": time.monotonic()}
        if site.ignore_robots:
            meta["dont_obey_robotstxt"] = True
        return scrapy.Request(
            url, callback=self.parse, errback=self.failed, dont_filter=True,
            priority=-depth - (1 if hidden_paging else 0),
            meta=meta,
            headers={"Referer": referrer} if referrer else None,
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
        }
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
            # parse.charset: BOM, HTTP charset, <meta>, detection; GB labels as GB18030
            page["encoding"], text = charset.decode_html(response.body, content_type)
            page["body"] = response.body
            facts = extract.parse(text, response.url)
            page["title"] = facts.title
            page["soft404"] = facts.soft404
            site_for = self.registry.site_for
            owner = site_for(final)
            in_scope = owner is not None and owner.code == site.code
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
                # For <a>/<area>, "internal" already means same site and neither an
                # attachment nor an image; frames need the extension checks.
                if in_scope and same and (kind == "internal" or (
                        kind == "frame" and link.tag in FOLLOW_TAGS
                        and not is_attachment(link.url) and not is_image(link.url))):
                    # next-page links of a list stay at the list's depth (min 1: 0 is home)
                    depth = (max(meta["depth"], 1) if is_pager_sibling(final, link.url)
                             else meta["depth"] + 1)
                    req = self._request(site, link.url, depth, meta["url"])
                    if req is not None:
                        yield req
                elif (in_scope and link.tag == "script"
                      and urlsplit(link.url).netloc == urlsplit(final).netloc):
                    # Same server (this worker owns it): also a footer .js shared by the
                    # cluster's sites, e.g. /common/footer.js outside this site's prefix.
                    req = self._script_request(site, link.url, meta, response.encoding)
                    if req is not None:
                        yield req
                elif self.verify_share is not None and (
                        kind in VERIFY_NOW or (kind == "external" and target_site is None)):
                    # never fetched by the crawl: verify now (verify_during_crawl)
                    verification = self.verification or self._crawl_time_verifier()
                    if verification is not None:
                        verification.submit(link.url, site.code, target_site is None)
        yield page

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
            "homepage": meta.get("homepage", False),
        }



def _answer_ms(response: Response) -> int:
    """How long the server took to answer (Scrapy's ``download_latency``: request sent to
    response headers), not the time the request waited in the scheduler: the link rule
    compares it with the indicator's 15-second limit."""
    latency = response.meta.get("download_latency")
    if latency is None:
        latency = time.monotonic() - response.meta["t0"]
    return int(latency * 1000)
