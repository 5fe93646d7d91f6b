"""Link verification while the crawl runs, on the crawl worker's own event loop
(``verify_during_crawl``, off by default: on two cores it measured slower than verifying in
a phase after the crawl, bench/README.md).

Targets that no crawl request will fetch — images, attachments, stylesheets, pages outside
every monitored site — are verified as soon as a page shows them, by a
:class:`~crawler.verifier.Verifier` sharing the worker's asyncio loop (Scrapy runs on
asyncio). Politeness still holds per server address:

* a worker verifies only on the addresses it crawls (the runner gives each address to one
  worker) and, among addresses of no monitored site, on those hashed to it; any other
  target is left to the verification phase after the crawl;
* on its own addresses a verification request borrows a free place of the crawl's download
  slot, and only when no crawl request waits for one: crawl plus verification never exceed
  ``per_ip_concurrency`` (a borrowed place is a token in the slot's ``transferring`` set);
* with a download delay configured nothing is verified during the crawl.

A target that fails transiently is tried again after the recheck delay, as in the verification
phase (the crawl waits for it before it closes). Everything still queued when a crawl is
interrupted is left to the verification phase of the resumed run.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from crawler.verifier import Verifier, VerifyOptions, lookup

log = logging.getLogger(__name__)

# A waiting verification request looks again when a request leaves the downloader for its
# address (Scrapy's request_left_downloader signal) and at least this often (seconds).
# Polling every 20 ms instead cost ~1.5 ms of CPU per crawled page on the 50k bench.
BORROW_RECHECK = 1.0


class BorrowedPlace:
    """One place of the crawl's download slot for ``ip``, held while a request runs: a
    token in the slot's ``transferring`` set, which Scrapy counts as a transfer."""

    def __init__(self, owner: CrawlTimeVerifier, ip: str):
        self.owner = owner
        self.ip = ip
        self.slot: Any = None

    async def __aenter__(self) -> None:
        while not self.owner.can_borrow(self.ip):
            await self.owner.place_freed(self.ip)
        self.slot = self.owner.downloader.slots.get(self.ip)
        if self.slot is not None:
            self.slot.transferring.add(self)
        self.owner.borrowed[self.ip] += 1

    async def __aexit__(self, *exc: object) -> None:
        self.owner.borrowed[self.ip] -= 1
        if self.slot is not None:
            self.slot.transferring.discard(self)
            if self.slot.queue:  # a crawl request waited for this place
                self.owner.downloader._process_queue(self.slot)
        self.owner.wake(self.ip)


class CrawlTimeVerifier(Verifier):
    """Verifies submitted targets during the crawl; see the module docstring."""

    def __init__(self, spider: Any, options: VerifyOptions, sink: Any, downloader: Any,
                 own_ips: set[str], site_ips: set[str], share: tuple[int, int],
                 verify_external: bool = True, done: set[str] | None = None):
        super().__init__(spider.registry, spider.run_id, options, sink=sink,
                         stats=spider.stats_by_site)
        self.spider = spider  # the store pipeline reports progress through it
        self.downloader = downloader
        self.own_ips = own_ips
        self.site_ips = site_ips
        self.index, self.workers = share
        self.verify_external = verify_external
        self.submitted: set[str] = set(done or ())  # checked already (a resumed run)
        self.unrouted: dict[str, list[tuple[str, str]]] = {}
        self.route: dict[str, str | None] = {}  # host -> queue key, None: not this worker's
        self.queues: dict[str, deque[tuple[str, str]]] = defaultdict(deque)
        self.running: dict[str, int] = defaultdict(int)
        self.borrowed: dict[str, int] = defaultdict(int)
        self.freed: dict[str, asyncio.Event] = {}  # address -> set when a place frees up
        self.tasks: set[asyncio.Future] = set()
        self.on_idle: Callable[[], None] | None = None
        self.cancelled = False

    # -- what the spider calls ------------------------------------------------------------
    def submit(self, target: str, site: str, external: bool) -> None:
        """Verify ``target`` (seen on a page of ``site``) if it is this worker's to verify."""
        if target in self.submitted or self.cancelled or (external and not self.verify_external):
            return
        self.submitted.add(target)
        host = urlsplit(target).hostname or ""
        if host in self.route:
            key = self.route[host]
            if key is not None:
                self._enqueue(key, target, site)
            return
        if host in self.unrouted:
            self.unrouted[host].append((target, site))
            return
        self.unrouted[host] = [(target, site)]
        self._spawn(self._route_host(host))

    def busy(self) -> bool:
        return bool(self.tasks)

    def cancel(self) -> None:
        """Drop what is queued (the verification phase will check it) and stop."""
        self.cancelled = True
        self.queues.clear()
        self.unrouted.clear()
        for task in list(self.tasks):
            task.cancel()

    # -- politeness -----------------------------------------------------------------------
    def gate(self, ip: str) -> Any:
        if ip in self.own_ips:
            return BorrowedPlace(self, ip)
        return super().gate(ip)  # an address nobody crawls: the verifier's own slot

    def can_borrow(self, ip: str) -> bool:
        """A free place that no crawl request waits for."""
        slot = self.downloader.slots.get(ip)
        if slot is None:  # the crawl has not used this address yet (or not lately)
            return self.borrowed[ip] < self.opt.per_ip_concurrency
        return not slot.queue and slot.free_transfer_slots() > 0

    async def place_freed(self, ip: str) -> None:
        """Wait until a place of ``ip``'s slot may have freed up."""
        event = self.freed.get(ip)
        if event is None:
            event = self.freed[ip] = asyncio.Event()
        try:
            await asyncio.wait_for(event.wait(), BORROW_RECHECK)
        except asyncio.TimeoutError:
            pass

    def wake(self, ip: str | None) -> None:
        """A request to ``ip`` ended: its waiters look again."""
        event = self.freed.pop(ip, None) if ip else None
        if event is not None:
            event.set()

    def request_left(self, request: Any, spider: Any = None) -> None:  # noqa: ARG002
        """Scrapy signal handler: a crawl request left the downloader."""
        if self.freed:
            self.wake(request.meta.get("download_slot"))

    # -- work -----------------------------------------------------------------------------
    def _emit(self, site: str, item: dict[str, Any]) -> None:
        self.stats_by_site[site]["links_verified"] += 1
        self.sink.process_item(item, self.spider)

    async def _route_host(self, host: str) -> None:
        ip = await lookup(host)
        key = ip or host  # an unresolvable host is checked without any request (dns)
        if ip in self.own_ips:
            mine = True
        elif ip in self.site_ips:
            mine = False  # a monitored site another worker crawls
        else:
            mine = zlib.crc32(key.encode()) % self.workers == self.index
        self.route[host] = key if mine else None
        for target, site in self.unrouted.pop(host, []):
            if mine:
                self._enqueue(key, target, site)

    def _enqueue(self, key: str, target: str, site: str) -> None:
        self.queues[key].append((target, site))
        if self.running[key] < self.opt.per_ip_concurrency:
            self.running[key] += 1
            self._spawn(self._drain(key))

    async def _drain(self, key: str) -> None:
        try:
            queue = self.queues[key]
            while queue and not self.cancelled:
                target, site = queue.popleft()
                try:
                    item = await self.check(target, site, attempt=1)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a bug must not stop the crawl
                    log.exception("verification of %s failed; left to the verify phase", target)
                    continue
                if item is None:  # failed transiently: once more after the recheck delay
                    self._spawn(self._recheck(target, site))
                else:
                    self._emit(site, item)
        finally:
            self.running[key] -= 1

    async def _recheck(self, target: str, site: str) -> None:
        await asyncio.sleep(self.opt.recheck_delay)
        item = await self.check(target, site, attempt=2)
        if item is not None:
            self._emit(site, item)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future) -> None:
        self.tasks.discard(task)
        if not self.tasks and self.on_idle is not None:
            callback, self.on_idle = self.on_idle, None
            callback()
