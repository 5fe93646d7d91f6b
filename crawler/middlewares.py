"""Downloader middlewares: address guard + per-IP politeness, and Retry-After."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _MetaRefresh
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as _Redirect
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawler.netguard import AddressPolicy, resolve


class BlockedAddress(IgnoreRequest):
    """The target resolves to an internal address nobody vouched for."""


class AddressGuardMiddleware:
    """Refuses internal addresses and puts every request in its server's download slot.

    Using the resolved IP as the slot key makes ``CONCURRENT_REQUESTS_PER_DOMAIN`` and
    ``DOWNLOAD_DELAY`` hold per server, so twenty department sites on one machine get the
    politeness of one.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._policy: AddressPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @property
    def policy(self) -> AddressPolicy:
        if self._policy is None:
            self._policy = self.crawler.spider.address_policy
        return self._policy

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        ip = resolve(host)
        if ip is None:
            return None  # let the download fail with a DNS error, classified later
        if not self.policy.allows(ip):
            raise BlockedAddress(f"internal address {ip}")
        request.meta.setdefault("download_slot", ip)
        return None


class _ClaimingQueue(deque):
    """A slot queue whose ``popleft`` claims a transfer place at once.

    Scrapy 2.19's ``Downloader._process_queue`` pops requests while
    ``slot.free_transfer_slots() > 0`` but starts each download as an asyncio task that
    adds the request to ``slot.transferring`` only when it runs, so one call drains the
    whole queue: ``CONCURRENT_REQUESTS_PER_DOMAIN`` (our per-address limit) was not
    enforced at all. Claiming on pop restores the limit; ``_download`` adds the same
    request again (a no-op for a set) and releases it when the transfer ends.
    """

    def __init__(self, slot: Slot, items: deque) -> None:
        super().__init__(items)
        self.slot = slot

    def popleft(self):  # noqa: ANN201
        item = super().popleft()
        self.slot.transferring.add(item[0])
        return item


class PoliteDownloader(Downloader):
    """Scrapy's downloader with per-slot concurrency that holds (see _ClaimingQueue)."""

    def _get_slot(self, request: Request, spider: object = None):  # noqa: ANN202, ARG002
        key, slot = super()._get_slot(request)
        if not isinstance(slot.queue, _ClaimingQueue):
            slot.queue = _ClaimingQueue(slot, slot.queue)
        return key, slot


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


def parse_retry_after(value: bytes | None) -> float | None:
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class _KeepReferer:
    """Keeps the Referer the spider set (the page carrying the link) across redirects.
    Scrapy's RefererMiddleware is off (settings.py); without it Scrapy's redirect
    middlewares drop the header and log a warning per worker."""

    def handle_referer(self, request: Request, response: Response) -> None:  # noqa: ARG002
        return None

    def _engine_started(self) -> None:
        return None  # Scrapy looks for RefererMiddleware here only to warn of its absence


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
