"""robots.txt obedience that holds for every request waiting on the same robots.txt.

Scrapy 2.19's RobotsTxtMiddleware lets many requests await one shared Deferred while
robots.txt downloads; converting it to a future consumes the result, so only the first
waiter gets the parser and the others are let through unchecked (tests/test_robots_race.py).
This one is a downloader middleware of its own, built on public interfaces only: one asyncio
future per origin that every waiter awaits, robots.txt fetched with
``crawler.engine.download_async`` and read by the ``ROBOTSTXT_PARSER`` (Protego). As in
Scrapy, a robots.txt that cannot be fetched allows everything, and ``dont_obey_robotstxt``
in a request's meta skips the check.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.misc import build_from_crawler, load_object

log = logging.getLogger(__name__)


class RobotsTxtMiddleware:
    DOWNLOAD_PRIORITY = 1000  # robots.txt goes before the pages waiting for it

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent: str | None = crawler.settings.get("ROBOTSTXT_USER_AGENT")
        self.default_user_agent: str = crawler.settings.get("USER_AGENT")
        self.parser_class = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        # origin -> the parser, None (allow everything) or the future of either
        self.parsers: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsTxtMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parser = await self.parser(request.url)
        if parser is None:
            return
        agent = self.user_agent or request.headers.get(b"User-Agent", self.default_user_agent)
        if not parser.allowed(request.url, agent):
            raise IgnoreRequest("Forbidden by robots.txt")

    async def parser(self, url: str) -> Any:
        """The robots.txt parser of ``url``'s origin (None: everything allowed), fetched
        once; concurrent callers all wait for the same download."""
        parts = urlsplit(url)
        parser = self.parsers.get(parts.netloc)
        if parser is None and parts.netloc not in self.parsers:
            future = asyncio.get_running_loop().create_future()
            self.parsers[parts.netloc] = future
            result = None
            try:
                result = await self._load(f"{parts.scheme}://{parts.netloc}/robots.txt")
            finally:  # also when cancelled: the waiters must not hang
                self.parsers[parts.netloc] = result
                future.set_result(result)
            return result
        if isinstance(parser, asyncio.Future):
            return await asyncio.shield(parser)
        return parser

    async def _load(self, robots_url: str) -> Any:
        request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY,
                          meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest:  # e.g. refused by the address guard: allow, as Scrapy does
            return None
        except Exception as exc:  # noqa: BLE001 - any failure to fetch it allows everything
            log.error("Error downloading %s: %s", robots_url, exc)
            return None
        return build_from_crawler(self.parser_class, self.crawler, response.body)
