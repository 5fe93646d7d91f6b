"""The link verifier's side of the network: its options, politeness per server address,
address lookups through the guard, and the error classes of what aiohttp raises.

Also ``parse_retry_after``, shared with the crawl's RetryAfterMiddleware. Free of Scrapy:
a verify worker does not import it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from crawler.netguard import Guard, admitted, resolve


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


class Slot:
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


class CachedResolver(AbstractResolver):
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
