"""robots.txt obedience that holds for every request waiting on the same robots.txt.

Scrapy 2.19's RobotsTxtMiddleware lets many requests await one shared Deferred while
robots.txt downloads; converting it to a future consumes the result, so only the first
waiter gets the parser and the others are let through unchecked. Each waiter here gets
its own Deferred chained to the shared one.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(_ScrapyRobots):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            waiter: Deferred = Deferred()

            def _relay(result):  # noqa: ANN001, ANN202
                waiter.callback(result)
                return result

            parser.addBoth(_relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
