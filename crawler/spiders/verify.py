"""VerifySpider: checks every distinct link target of a run exactly once.

HEAD first; GET when HEAD is refused or looks wrong (any status >= 400, 405/501/403, a 2xx
without a Content-Type). Redirects are followed and recorded. A target that fails
transiently (timeout, reset, refused, 5xx) is checked again after ``recheck_delay`` before
its outcome is final, so one hiccup never becomes a finding.

External page targets (outside every registered site, not attachments or images) are
verified by one ranged GET (first 64 KB) instead of HEAD, and their ``<title>`` is kept:
the same number of requests, and ``link.hijacked`` can see a target that now serves
gambling or pornography without any rule fetching anything.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import extract
from crawler.netguard import AddressPolicy
from crawler.outcomes import classify_exception, is_transient, looks_like_error_page, status_verdict
from crawler.urls import canonical, is_attachment, is_image
from govmon.registry import Registry

GET_MAXSIZE = 2 * 1024 * 1024
TITLE_RANGE = "bytes=0-65535"  # servers ignoring Range send all of it (up to GET_MAXSIZE)


class VerifySpider(scrapy.Spider):
    name = "verify"

    def __init__(self, registry: Registry, run_id: int, targets: list[tuple[str, str]],
                 recheck_delay: float = 30.0, progress: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.registry = registry
        self.run_id = run_id
        self.targets = targets
        self.recheck_delay = recheck_delay
        self.progress = progress
        hosts = [h for s in registry.sites for h, _ in s.scope()]
        self.address_policy = AddressPolicy([h.split(":")[0] for h in hosts],
                                            registry.trusted_networks)
        self.recheck: list[scrapy.Request] = []
        self.waiting = False
        self.stats_by_site: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # noqa: ANN001, ANN206
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    async def start(self):  # noqa: ANN201
        for target, site in self.targets:
            yield self._request(target, site, self._first_method(target), attempt=1)

    def _first_method(self, target: str) -> str:
        """GET (ranged) for external pages, whose title the hijack rule needs; else HEAD."""
        if (self.registry.site_for(target) is None and not is_attachment(target)
                and not is_image(target)):
            return "GET"
        return "HEAD"

    def _request(self, target: str, site: str, method: str, attempt: int,
                 ranged: bool = True) -> scrapy.Request:
        meta = {"target": target, "site": site, "attempt": attempt, "t0": time.monotonic(),
                "max_retry_times": 0 if attempt == 1 else 1}
        headers = None
        if method == "GET":
            meta["download_maxsize"] = GET_MAXSIZE
            if ranged and self.registry.site_for(target) is None:
                headers = {"Range": TITLE_RANGE}
                meta["ranged"] = True
        return scrapy.Request(target, method=method, callback=self.parse, errback=self.failed,
                              dont_filter=True, meta=meta, headers=headers)

    def _idle(self) -> None:
        """Re-check transient failures once, after a pause, before closing."""
        if self.waiting:
            raise DontCloseSpider
        if not self.recheck:
            return
        batch, self.recheck = self.recheck, []
        self.waiting = True

        def _go() -> None:
            self.waiting = False
            for req in batch:
                self.crawler.engine.crawl(req)

        from twisted.internet import reactor  # the running (asyncio) reactor

        reactor.callLater(self.recheck_delay, _go)
        raise DontCloseSpider

    def parse(self, response: Response):  # noqa: ANN201
        meta = response.meta
        method = response.request.method
        status = response.status
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")[:200]
        if method == "HEAD" and (status >= 400 or not ctype):
            yield self._request(meta["target"], meta["site"], "GET", meta["attempt"])
            return
        if status == 416 and meta.get("ranged"):  # empty body: the range cannot be served
            yield self._request(meta["target"], meta["site"], "GET", meta["attempt"],
                                ranged=False)
            return
        outcome, error = status_verdict(status)
        final = canonical(response.url) or response.url
        redirects = [{"url": u, "status": r} for u, r in
                     zip(meta.get("redirect_urls", []), meta.get("redirect_reasons", []),
                         strict=False)]
        facts = None
        if method == "GET" and isinstance(response, TextResponse) and "html" in ctype.lower():
            facts = _facts(response)
        if outcome == "ok":
            if redirects and looks_like_error_page(final):
                outcome, error = "broken", "soft404"
            elif facts is not None and facts.soft404:
                outcome, error = "broken", "soft404"
        if is_transient(error) and meta["attempt"] == 1:
            self.recheck.append(self._request(meta["target"], meta["site"],
                                              self._first_method(meta["target"]), 2))
            return
        yield self._check(meta, outcome, status, error, method, final, ctype, redirects,
                          title=facts.title if facts is not None else None)

    def failed(self, failure: Failure):  # noqa: ANN201
        request = failure.request
        meta = request.meta
        error = classify_exception(failure.value)
        if error == "too_large":  # the body exists; it is just big
            yield self._check(meta, "ok", 0, error, request.method, None, None, [])
            return
        if is_transient(error) and meta["attempt"] == 1:
            self.recheck.append(self._request(meta["target"], meta["site"],
                                              self._first_method(meta["target"]), 2))
            return
        outcome = "skipped" if error in ("private", "robots") else "broken"
        yield self._check(meta, outcome, 0, error, request.method, None, None, [])

    def _check(self, meta: dict, outcome: str, status: int, error: str | None, method: str,
               final: str | None, ctype: str | None, redirects: list,
               title: str | None = None) -> dict[str, Any]:
        self.stats_by_site[meta["site"]]["links_verified"] += 1
        return {
            "_type": "check", "run_id": self.run_id, "target": meta["target"],
            "outcome": outcome, "status": status, "error_class": error, "method": method,
            "redirects": redirects, "final_url": final[:2048] if final else final,
            "content_type": ctype,
            "elapsed_ms": int((time.monotonic() - meta["t0"]) * 1000),
            "attempts": meta["attempt"], "title": title,
        }


def _facts(response: TextResponse) -> extract.PageFacts | None:
    try:
        return extract.parse(response.text, response.url)
    except (UnicodeDecodeError, LookupError):
        return None
