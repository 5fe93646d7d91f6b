"""Downloader middlewares: the address guard (which also keys download slots by server
address), Retry-After, and Scrapy's redirect middlewares keeping the spider's Referer.
The guard's verdict on the address actually connected to is the download handler's
(crawler/handler.py)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _MetaRefresh
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as _Redirect
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawler.netguard import DEFAULT_PORTS, Guard, resolve
from crawler.scrapy_private import QuietRefererWarning
from crawler.verifynet import parse_retry_after


class BlockedAddress(IgnoreRequest):
    """The target is an address (and port) the guard refuses (crawler/netguard.py)."""


class AddressGuardMiddleware:
    """Refuses what the address guard refuses — every request, so also every redirect and
    meta refresh, which come back through here as new requests — and puts every request in
    its server's download slot.

    Using the resolved IP as the slot key makes ``CONCURRENT_REQUESTS_PER_DOMAIN`` and
    ``DOWNLOAD_DELAY`` hold per server, so twenty department sites on one machine get the
    politeness of one (the download handler holds each slot to its limit). The check here
    uses the planning answer of DNS; the download handler checks the address it connects
    to.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @property
    def guard(self) -> Guard:
        return self.crawler.spider.guard

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        ip = resolve(parts.hostname or "")
        if ip is None:
            return None  # let the download fail with a DNS error, classified later
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
        except ValueError:
            raise BlockedAddress(f"bad port in {request.url[:200]}") from None
        verdict = self.guard.check(ip, port)
        if not verdict:
            raise BlockedAddress(verdict.reason)
        request.meta.setdefault("download_slot", ip)
        return None


class RetryAfterMiddleware:
    """Retries 429/503 after the server's ``Retry-After`` (bounded), then lets it through.

    Runs before Scrapy's RetryMiddleware sees the response; a Retry-After longer than
    ``max_retry_after`` is not waited for (the target is then reported as blocked).
    """

    def __init__(self, max_wait: float, max_times: int):
        self.max_wait = max_wait
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        s = crawler.settings
        return cls(s.getfloat("GOVMON_MAX_RETRY_AFTER", 120.0), s.getint("RETRY_TIMES", 2))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503):
            return response
        tries = request.meta.get("retry_after_times", 0)
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if wait is None or tries >= self.max_times or wait > self.max_wait:
            return response
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = tries + 1
        retry.meta["retry_times"] = request.meta.get("retry_times", 0)
        return retry


class _KeepReferer(QuietRefererWarning):
    """Keeps the Referer the spider set (the page carrying the link) across redirects.
    Scrapy's RefererMiddleware is off (settings.py); without it Scrapy's redirect
    middlewares drop the header (and warn: see crawler/scrapy_private.py)."""

    def handle_referer(self, request: Request, response: Response) -> None:  # noqa: ARG002
        return None


class RedirectMiddleware(_KeepReferer, _Redirect):
    pass


class MetaRefreshMiddleware(_KeepReferer, _MetaRefresh):
    """Scrapy's, after a byte test: a page without "refresh" near its top has no meta
    refresh, and Scrapy decoded and searched the first 4,096 characters of every page
    (2 % of a crawl worker's CPU)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not _may_refresh(response):
            return response
        return super().process_response(request, response)


# 4,096 characters (what Scrapy reads) are at most 16 KiB in any ASCII-compatible encoding
_REFRESH_HEAD = 4 * 4096


def _may_refresh(response: Response) -> bool:
    """False only when the page surely has no ``http-equiv="refresh"`` where Scrapy looks."""
    if not isinstance(response, HtmlResponse):
        return False  # Scrapy's middleware ignores these too
    encoding = (response.encoding or "").lower().replace("_", "-")
    if encoding.startswith(("utf-16", "utf-32", "utf16", "utf32")):
        return True  # letters are not single bytes: let Scrapy decode
    return b"refresh" in response.body[:_REFRESH_HEAD].lower()
