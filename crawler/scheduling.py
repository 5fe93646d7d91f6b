"""Which server gets the crawl worker's next free download place.

Scrapy's ``DownloaderAwarePriorityQueue`` gives it to the server with the fewest downloads
under way, so every site is crawled at the same rate: small sites finish first, and at the
end the largest ones crawl alone at their per-address limit while the worker's CPU idles
(the last ~10 s of the 50k bench's crawl phase ran at half speed).

Built on public interfaces only: the priority-queue methods the scheduler calls (``push``,
``pop``, ``peek``; ``SCHEDULER_PRIORITY_QUEUE``), one ``ScrapyPriorityQueue`` per server
from the parent's ``pqfactory``, and downloads under way counted from the
``request_reached_downloader`` / ``request_left_downloader`` signals. Requests are queued
by server address (the download slot the address guard gives them), so department sites
sharing a server are one queue, as they are one download slot. (Before, the queue was
keyed by host name: sites named by a domain got no backlog or limit information at all.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.pqueues import DownloaderAwarePriorityQueue

from crawler.netguard import resolve


def server_key(request: Request) -> str:
    """The download slot a request will take: its ``download_slot`` if set (a redirect
    keeps its original's), else its host's address, else its host name (Scrapy's key when
    the name does not resolve)."""
    slot = request.meta.get("download_slot")
    if slot is not None:
        return slot
    host = urlsplit(request.url).hostname or ""
    return resolve(host) or host


def choose(backlog: Mapping[str, int], active: Mapping[str, int], limit: int,
           last: str | None) -> str:
    """The server with the most requests waiting per download under way, passing over
    those at their per-address limit (a request would only wait in the downloader, and a
    slow or dead site would take over the worker's places). When every server is at its
    limit: Scrapy's rule, the fewest downloads under way, turn by turn after ``last``."""
    best: str | None = None
    best_score = -1.0
    for slot, waiting in backlog.items():
        running = active.get(slot, 0)
        if running >= limit:
            continue
        score = waiting / (running + 1)
        if score > best_score or (score == best_score and best is not None and slot < best):
            best, best_score = slot, score
    if best is not None:
        return best
    fewest = min(active.get(slot, 0) for slot in backlog)
    tied = sorted(slot for slot in backlog if active.get(slot, 0) == fewest)
    after = [slot for slot in tied if last is not None and slot > last]
    return (after or tied)[0]


class BacklogPriorityQueue(DownloaderAwarePriorityQueue):
    """A free place goes to the server with the most requests waiting per download under
    way (:func:`choose`), so sites advance in proportion to what they have left and finish
    closer together. Within a server, requests keep their priorities (breadth first)."""

    def __init__(self, crawler: Crawler, downstream_queue_cls: Any, key: str,
                 slot_startprios: dict[str, Iterable[int]] | None = None, *,
                 start_queue_cls: Any = None):
        super().__init__(crawler, downstream_queue_cls, key, slot_startprios,
                         start_queue_cls=start_queue_cls)
        self.limit = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.active: dict[str, int] = defaultdict(int)  # server -> downloads under way
        self.last: str | None = None
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._left, signal=signals.request_left_downloader)

    def _reached(self, request: Request) -> None:
        self.active[request.meta.get("download_slot", "")] += 1

    def _left(self, request: Request) -> None:
        self.active[request.meta.get("download_slot", "")] -= 1

    def push(self, request: Request) -> None:
        slot = server_key(request)
        queue = self.pqueues.get(slot)
        if queue is None:
            queue = self.pqueues[slot] = self.pqfactory(slot)
        queue.push(request)

    def _choose(self) -> str:
        return choose({slot: len(q) for slot, q in self.pqueues.items()}, self.active,
                      self.limit, self.last)

    def pop(self) -> Request | None:
        if not self.pqueues:
            return None
        slot = self.last = self._choose()
        queue = self.pqueues[slot]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot]
            queue.close()
            if self.key:  # a persisted queue (JOBDIR): its emptied directory goes too
                with suppress(OSError):
                    Path(queue.key).rmdir()
        return request

    def peek(self) -> Request | None:
        if not self.pqueues:
            return None
        return self.pqueues[self._choose()].peek()
