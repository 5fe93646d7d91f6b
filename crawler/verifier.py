"""Link verification: every distinct link target of a run checked exactly once, on aiohttp.

HEAD first; GET when HEAD is refused or looks wrong (any status >= 400, or a 2xx without a
Content-Type). Redirects (and ``<meta http-equiv=refresh>`` on fetched HTML) are followed
by hand, so every hop is recorded and passes the address guard and robots.txt. A target
that fails transiently (timeout, reset, refused, 5xx) is checked again after
``recheck_delay`` before its outcome is final, so one hiccup never becomes a finding.
External page targets (outside every registered site, not attachments or images) are
verified by one ranged GET (first 64 KB) whose ``<title>`` is kept for ``link.hijacked``.

Why not Scrapy, as for the crawl: verification is ~1.7 requests per crawled page and needs
none of Scrapy's scheduling or parsing. Measured on loopback nginx (bench/README.md), a HEAD
costs ~2.0 ms of CPU through Scrapy and ~0.25 ms through aiohttp (already installed with
Scrapy, whose own experimental download handler uses it).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from protego import Protego
from w3lib.html import get_meta_refresh
from yarl import URL

from crawler import extract
from crawler.middlewares import parse_retry_after
from crawler.netguard import DEFAULT_PORTS, AddressRefused, Guard, admitted, resolve
from crawler.outcomes import is_transient, looks_like_error_page, status_verdict
from crawler.urls import canonical, is_attachment, is_image
from parse import charset
from settings.registry import Registry

log = logging.getLogger(__name__)

GET_MAXSIZE = 2 * 1024 * 1024  # HTML read for soft-404 detection; larger counts as too_large
TITLE_BYTES = 65536
TITLE_RANGE = f"bytes=0-{TITLE_BYTES - 1}"  # servers ignoring Range: only this much is read
MAX_REDIRECTS = 10
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309: follow at least five
MAX_META_REFRESH_DELAY = 100  # seconds, as Scrapy's METAREFRESH_MAXDELAY
RETRY_STATUSES = {500, 502, 503, 504, 522, 524, 408, 429}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class VerifyOptions:
    user_agent: str
    concurrency: int = 32
    per_ip_concurrency: int = 4
    delay: float = 0.0
    timeout: float = 20.0
    retries: int = 2
    max_retry_after: float = 120.0
    obey_robots: bool = True
    recheck_delay: float = 30.0

    @classmethod
    def from_scrapy(cls, s: dict[str, Any], recheck_delay: float) -> VerifyOptions:
        """The same settings dict the crawl workers get (crawler.runner.scrapy_settings)."""
        return cls(user_agent=s["USER_AGENT"], concurrency=s["CONCURRENT_REQUESTS"],
                   per_ip_concurrency=s["CONCURRENT_REQUESTS_PER_DOMAIN"],
                   delay=s["DOWNLOAD_DELAY"], timeout=s["DOWNLOAD_TIMEOUT"],
                   retries=s["RETRY_TIMES"], max_retry_after=s["GOVMON_MAX_RETRY_AFTER"],
                   obey_robots=s["ROBOTSTXT_OBEY"], recheck_delay=recheck_delay)


class Failed(Exception):
    """A fetch that ended without a usable response; ``error`` is its error class."""

    def __init__(self, error: str, detail: str = ""):
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error


@dataclass
class Answer:
    status: int
    url: str  # after redirects
    content_type: str
    redirects: list[dict[str, Any]]
    method: str
    title: str | None = None
    soft404: bool = False


class _Slot:
    """Politeness per server address: at most ``size`` requests in flight, ``delay``
    seconds between request starts."""

    def __init__(self, size: int, delay: float):
        self.sem = asyncio.Semaphore(max(1, size))
        self.delay = delay
        self.next_start = 0.0

    async def __aenter__(self) -> None:
        await self.sem.acquire()
        if self.delay > 0:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.delay
            if start > now:
                await asyncio.sleep(start - now)

    async def __aexit__(self, *exc: object) -> None:
        self.sem.release()


_ADDRESSES: dict[str, str | None] = {}


async def lookup(host: str) -> str | None:
    """netguard.resolve without blocking the loop; answers are kept for the run (a thread
    hop for every request cost about as much CPU as the request)."""
    if host in _ADDRESSES:
        return _ADDRESSES[host]
    ip = await asyncio.get_running_loop().run_in_executor(None, resolve, host)
    _ADDRESSES[host] = ip
    return ip


class _CachedResolver(AbstractResolver):
    """Connects to the address the guard checked (netguard.resolve, cached for the run),
    and checks it again for the port connected to: every connection, redirects and
    robots.txt included, goes where the guard said it may."""

    def __init__(self, guard: Guard):
        self.guard = guard

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[dict[str, Any]]:
        ip = await lookup(host)
        if ip is None:
            raise OSError(f"DNS lookup failed: {host}")
        return admitted(self.guard, host, [ip], port)

    async def close(self) -> None:
        return None


class Verifier:
    """Checks targets and hands each result (a ``check`` item) to ``sink``."""

    def __init__(self, registry: Registry, run_id: int, options: VerifyOptions,
                 sink: Any = None, progress: Any = None,
                 stats: dict[str, dict[str, int]] | None = None):
        self.registry = registry
        self.run_id = run_id
        self.opt = options
        self.sink = sink  # object with process_item(item, spider): the store pipeline
        self.progress = progress
        self.guard = Guard.from_registry(registry)
        self.stats_by_site: dict[str, dict[str, int]] = (
            stats if stats is not None else defaultdict(lambda: defaultdict(int)))
        self.results: list[dict[str, Any]] = []  # kept when there is no sink (tests, library)
        self._slots: dict[str, _Slot] = {}
        self._robots: dict[str, asyncio.Future[Protego | None]] = {}
        self._total = asyncio.Semaphore(max(1, options.concurrency))
        self._session: aiohttp.ClientSession | None = None

    # -- the run --------------------------------------------------------------------
    async def run(self, targets: list[tuple[str, str]]) -> None:
        """Verify ``(target, site code)`` pairs; transient failures once more after the
        recheck delay."""
        try:
            again = await self._round(targets, attempt=1)
            if again:
                await asyncio.sleep(self.opt.recheck_delay)
                await self._round(again, attempt=2)
        finally:
            await self.close()

    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, made on first use inside the running event loop."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=False,
                                             resolver=_CachedResolver(self.guard),
                                             ttl_dns_cache=None)
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.opt.user_agent, "Accept": ACCEPT})
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def gate(self, ip: str) -> Any:
        """What a request to ``ip`` holds while it runs: the per-address politeness slot."""
        slot = self._slots.get(ip)
        if slot is None:
            slot = self._slots[ip] = _Slot(self.opt.per_ip_concurrency, self.opt.delay)
        return slot

    async def _round(self, targets: list[tuple[str, str]],
                     attempt: int) -> list[tuple[str, str]]:
        """One pass over the targets, per server address in parallel; returns those to
        try again."""
        hosts = {urlsplit(t).hostname or "" for t, _ in targets}
        ips = dict(zip(hosts, await asyncio.gather(
            *(lookup(h) for h in hosts)), strict=True))
        queues: dict[str, deque[tuple[str, str]]] = defaultdict(deque)
        for target, site in targets:
            host = urlsplit(target).hostname or ""
            queues[ips[host] or host].append((target, site))
        again: list[tuple[str, str]] = []

        async def drain(queue: deque[tuple[str, str]]) -> None:
            while queue:
                target, site = queue.popleft()
                item = await self.check(target, site, attempt)
                if item is None:
                    again.append((target, site))
                else:
                    self._emit(site, item)

        workers = [drain(q) for q in queues.values()
                   for _ in range(min(len(q), self.opt.per_ip_concurrency))]
        await asyncio.gather(*workers)
        return again

    def _emit(self, site: str, item: dict[str, Any]) -> None:
        self.stats_by_site[site]["links_verified"] += 1
        if self.sink is None:
            self.results.append(item)
        else:
            self.sink.process_item(item, self)

    # -- one target -----------------------------------------------------------------
    async def check(self, target: str, site: str, attempt: int) -> dict[str, Any] | None:
        """The check item for one target, or None when it failed transiently on the first
        attempt (it is tried again after the recheck delay)."""
        t0 = time.monotonic()
        method = self._first_method(target)
        retries = 0 if attempt == 1 else 1
        try:
            ans = await self._fetch(target, method, retries)
            if method == "HEAD" and (ans.status >= 400 or not ans.content_type):
                method = "GET"
                ans = await self._fetch(target, method, retries)
        except Failed as f:
            if f.error == "too_large":  # the body exists; it is just big
                return self._item(target, "ok", 0, f.error, method, None, None, [], t0,
                                  attempt)
            if is_transient(f.error) and attempt == 1:
                return None
            outcome = "skipped" if f.error in ("private", "robots") else "broken"
            return self._item(target, outcome, 0, f.error, method, None, None, [], t0, attempt)
        outcome, error = status_verdict(ans.status)
        if outcome == "ok" and ((ans.redirects and looks_like_error_page(ans.url))
                                or ans.soft404):
            outcome, error = "broken", "soft404"
        if is_transient(error) and attempt == 1:
            return None
        return self._item(target, outcome, ans.status, error, ans.method, ans.url,
                          ans.content_type, ans.redirects, t0, attempt, ans.title)

    def _first_method(self, target: str) -> str:
        """GET (ranged) for external pages, whose title the hijack rule needs; else HEAD."""
        if (self.registry.site_for(target) is None and not is_attachment(target)
                and not is_image(target)):
            return "GET"
        return "HEAD"

    def _item(self, target: str, outcome: str, status: int, error: str | None, method: str,
              final: str | None, ctype: str | None, redirects: list, t0: float, attempt: int,
              title: str | None = None) -> dict[str, Any]:
        return {
            "_type": "check", "run_id": self.run_id, "target": target,
            "outcome": outcome, "status": status, "error_class": error, "method": method,
            "redirects": redirects, "final_url": final[:2048] if final else final,
            "content_type": ctype[:200] if ctype else ctype,
            "elapsed_ms": int((time.monotonic() - t0) * 1000),
            "attempts": attempt, "title": title,
        }

    async def _fetch(self, url: str, method: str, retries: int) -> Answer:
        """One request and its redirects; retries (``retries`` times) on timeouts,
        connection errors and retryable statuses; waits out a short Retry-After."""
        redirects: list[dict[str, Any]] = []
        ranged = method == "GET" and self.registry.site_for(url) is None
        tries = waits = 0
        while True:
            try:
                hop = await self._request(url, method, ranged)
            except Failed as f:
                if is_transient(f.error) and tries < retries:
                    tries += 1
                    continue
                raise
            status, headers, body = hop
            if status in (429, 503):
                wait = parse_retry_after(headers.get("Retry-After", "").encode("latin-1"))
                if wait is not None and wait <= self.opt.max_retry_after \
                        and waits < self.opt.retries:
                    waits += 1
                    await asyncio.sleep(wait)
                    continue
            if status in RETRY_STATUSES and tries < retries:
                tries += 1
                continue
            if status == 416 and ranged:  # empty body: the range cannot be served
                ranged = False
                continue
            location = headers.get("Location") if status in REDIRECT_STATUSES else None
            ctype = headers.get("Content-Type", "")
            refresh = None
            if location is None and body is not None and "html" in ctype.lower():
                refresh, answer = self._read_html(url, ctype, body, status, method, redirects)
                if refresh is None:
                    return answer
            if location is None and refresh is None:  # HTML over GET_MAXSIZE: no body read
                return Answer(status, url, ctype, redirects, method)
            if len(redirects) >= MAX_REDIRECTS:
                raise Failed("redirect_loop", url)
            redirects.append({"url": url, "status": status if refresh is None
                              else "meta refresh"})
            url = canonical(urljoin(url, refresh or location)) or urljoin(url, refresh or location)
            tries = 0

    def _read_html(self, url: str, ctype: str, body: bytes, status: int, method: str,
                   redirects: list[dict[str, Any]]) -> tuple[str | None, Answer]:
        """Decode as the crawl does (``parse.charset``: BOM, HTTP charset, <meta>, then
        detection), pull the page facts, and say whether a meta refresh points elsewhere."""
        answer = Answer(status, url, ctype, redirects, method)
        try:
            _, text = charset.decode_html(body, ctype)
            facts = extract.parse(text, url)
        except (UnicodeDecodeError, LookupError, ValueError):
            return None, answer
        answer.title, answer.soft404 = facts.title, facts.soft404
        if 200 <= status < 300:
            delay, target = get_meta_refresh(text[:4096], url)
            if target and delay is not None and delay < MAX_META_REFRESH_DELAY \
                    and canonical(target) != answer.url:
                return target, answer
        return None, answer

    async def _request(self, url: str, method: str,
                       ranged: bool) -> tuple[int, Any, bytes | None]:
        """(status, headers, body) of one request; the body is read for GET of HTML only
        (None when it exceeds what is read)."""
        ip = await self._admitted(url)
        if not await self._robots_allow(url):
            raise Failed("robots", url)
        headers = {"Range": TITLE_RANGE} if ranged else None
        target = URL(url, encoded=True) if url.isascii() else url
        async with self._total, self.gate(ip):
            try:
                async with self.session().request(
                        method, target, headers=headers, allow_redirects=False,
                        timeout=aiohttp.ClientTimeout(total=self.opt.timeout)) as resp:
                    body = None
                    ctype = resp.headers.get("Content-Type", "").lower()
                    if method == "GET" and "html" in ctype:
                        limit = TITLE_BYTES if ranged else GET_MAXSIZE
                        body = await resp.content.read(limit + 1)
                        if len(body) > limit:
                            body = body[:limit] if ranged else None
                    return resp.status, resp.headers, body
            except Failed:
                raise
            except AddressRefused as e:  # at connect time: the name now resolves elsewhere
                raise Failed("private", str(e)) from e
            except (asyncio.TimeoutError, TimeoutError) as e:
                raise Failed("timeout", url) from e
            except aiohttp.ClientError as e:
                raise Failed(classify_client_error(e), f"{url}: {e}") from e
            except OSError as e:
                raise Failed("reset", f"{url}: {e}") from e

    async def _robots_allow(self, url: str) -> bool:
        """robots.txt of the target's origin, fetched once per run (a failure to fetch it
        allows everything, as in Scrapy); a site that opted out is not asked."""
        if not self.opt.obey_robots:
            return True
        owner = self.registry.site_for(url)
        if owner is not None and owner.ignore_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        future = self._robots.get(origin)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._robots[origin] = future
            parser = None
            try:
                parser = await self._load_robots(origin)
            finally:  # also when cancelled: other waiters must not hang
                future.set_result(parser)
        parser = await asyncio.shield(future)
        return parser is None or parser.can_fetch(url, self.opt.user_agent)

    async def _load_robots(self, origin: str) -> Protego | None:
        try:
            status, _, body = await self._robots_request(origin + "/robots.txt")
        except Failed:
            return None
        if status != 200 or body is None:
            return None
        try:
            return Protego.parse(body.decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - a broken robots.txt allows everything
            return None

    async def _admitted(self, url: str) -> str:
        """The address ``url`` goes to, when the guard admits it (scheme, address, port);
        Failed("dns" / "private" / "other") otherwise."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            port = None
        if parts.scheme not in DEFAULT_PORTS or not host or port is None:
            raise Failed("other", f"unsupported URL {url}")
        ip = await lookup(host)
        if ip is None:
            raise Failed("dns", host)
        verdict = self.guard.check(ip, port)
        if not verdict:
            raise Failed("private", verdict.reason)
        return ip

    async def _robots_request(self, url: str) -> tuple[int, Any, bytes | None]:
        """GET robots.txt, following its redirects by hand (as many servers redirect it to
        https or to a main host): each hop passes the address guard like any request."""
        for _ in range(ROBOTS_MAX_REDIRECTS + 1):
            ip = await self._admitted(url)
            async with self._total, self.gate(ip):
                try:
                    async with self.session().get(
                            url, timeout=aiohttp.ClientTimeout(total=self.opt.timeout),
                            allow_redirects=False) as resp:
                        location = resp.headers.get("Location")
                        if resp.status not in REDIRECT_STATUSES or not location:
                            return (resp.status, resp.headers,
                                    await resp.content.read(512 * 1024))
                except AddressRefused as e:
                    raise Failed("private", str(e)) from e
                except (asyncio.TimeoutError, TimeoutError, aiohttp.ClientError, OSError) as e:
                    raise Failed("other", str(e)) from e
            url = urljoin(url, location)
        raise Failed("redirect_loop", url)


def classify_client_error(exc: BaseException) -> str:
    """Error class of an aiohttp failure (the classes of crawler.outcomes)."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "refused" if isinstance(exc.os_error, ConnectionRefusedError) else "reset"
    if isinstance(exc, aiohttp.TooManyRedirects):
        return "redirect_loop"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                        aiohttp.ClientPayloadError)):
        return "reset"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return "timeout"
    return "other"


# -- worker process -------------------------------------------------------------------
def run_worker(settings: dict[str, Any], job: dict[str, Any], progress: Any) -> None:
    """Entry point of a verification worker process (see crawler.runner): results go to
    the store in batches; SIGINT/SIGTERM or the parent's death stop it after a flush."""
    import signal

    from crawler.pipelines import StorePipeline

    if settings.get("LOG_FILE"):
        logging.basicConfig(filename=settings["LOG_FILE"], level=logging.WARNING,
                            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    store = StorePipeline(settings["GOVMON_DB"])
    store.open_spider()
    verifier = Verifier(job["registry"], job["run_id"],
                        VerifyOptions.from_scrapy(settings, job["recheck_delay"]),
                        sink=store, progress=progress)

    targets = job["targets"]
    if targets is None:  # started before its targets were known (crawler.runner)
        targets = _wait_for_targets(job["feed"])
        if targets is None:
            return

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(verifier.run(targets))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        _watch_parent(loop, task)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            store.close_spider(verifier)

    asyncio.run(main())


def _wait_for_targets(feed: Any) -> list[tuple[str, str]] | None:
    """The targets the crawl command sends once it knows them; None when it is gone or
    this worker is interrupted first (SIGINT raises KeyboardInterrupt here)."""
    import multiprocessing as mp
    import queue

    parent = mp.parent_process()
    try:
        while True:
            try:
                return feed.get(timeout=1.0)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    return None
    except KeyboardInterrupt:
        return None


def _watch_parent(loop: asyncio.AbstractEventLoop, task: asyncio.Future) -> None:
    """Stop (after flushing) when the crawl command dies, as the crawl workers do."""
    import multiprocessing as mp
    import threading

    parent = mp.parent_process()
    if parent is None:
        return

    def _watch() -> None:
        parent.join()
        loop.call_soon_threadsafe(task.cancel)

    threading.Thread(target=_watch, name="govmon-parent-watch", daemon=True).start()
