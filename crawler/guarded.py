"""Guarded, polite GETs for the fetches that run after the crawl (security probes,
attachments): redirects followed by hand with every hop judged by the address guard,
bodies read up to a cap, robots.txt honoured, a per-address limit on requests in flight.

On aiohttp like the link verifier (``crawler/verifier.py``) and the probe; the connector
resolves through ``netguard.GuardedResolver`` (or a resolver pinned to given addresses,
for IPv4 / IPv6 answers of one name), so what is connected to is what the guard admitted.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from protego import Protego

from crawler.netguard import AddressRefused, Guard, GuardedResolver, admitted, resolve

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


class FetchFailed(Exception):
    """A fetch that gave no answer; ``error``: dns, refused, timeout, tls, cert, private,
    robots, too_large, redirect_loop, reset, other. ``cert`` holds the certificate
    verification error when ``error`` is cert."""

    def __init__(self, error: str, detail: str = "", cert: ssl.SSLCertVerificationError |
                 None = None):
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error, self.detail, self.cert = error, detail, cert


@dataclass
class Answer:
    status: int
    url: str  # after redirects
    headers: dict[str, str]  # lower-cased names
    body: bytes
    redirects: list[str] = field(default_factory=list)
    elapsed_ms: int = 0


class PinnedResolver(AbstractResolver):
    """Resolves the names of ``table`` to the addresses given (IPv4 or IPv6 answers of a
    name, as the security probe found them), and only to those the guard admits."""

    def __init__(self, guard: Guard, table: dict[str, list[str]]):
        self.guard, self.table = guard, table

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[dict[str, Any]]:
        addresses = self.table.get(host)
        if not addresses:
            raise OSError(f"no pinned address for {host}")
        return admitted(self.guard, host, addresses, port)

    async def close(self) -> None:
        return None


def session(guard: Guard, user_agent: str, pinned: dict[str, list[str]] | None = None
            ) -> aiohttp.ClientSession:
    resolver = PinnedResolver(guard, pinned) if pinned is not None else GuardedResolver(guard)
    connector = aiohttp.TCPConnector(limit=0, resolver=resolver, force_close=True,
                                     ttl_dns_cache=None)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                 headers={"User-Agent": user_agent}, auto_decompress=True)


def _error_class(exc: BaseException) -> tuple[str, ssl.SSLCertVerificationError | None]:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert = exc.certificate_error
        return "cert", cert if isinstance(cert, ssl.SSLCertVerificationError) else None
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns", None
    if isinstance(exc, aiohttp.ClientSSLError):
        return "tls", None
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ssl.SSLCertVerificationError):
            return "cert", exc.os_error
        if isinstance(exc.os_error, ssl.SSLError):
            return "tls", None
        return ("refused" if isinstance(exc.os_error, ConnectionRefusedError) else "reset"), None
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                        aiohttp.ClientPayloadError)):
        return "reset", None
    return "other", None


class Fetcher:
    """GETs behind one guard with per-address politeness (``per_ip`` in flight)."""

    def __init__(self, guard: Guard, user_agent: str, timeout: float, per_ip: int = 2,
                 obey_robots: bool = True):
        self.guard, self.user_agent, self.timeout = guard, user_agent, timeout
        self.per_ip, self.obey_robots = per_ip, obey_robots
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, asyncio.Future] = {}

    def gate(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).hostname or ""
        key = resolve(host) or host
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = asyncio.Semaphore(max(1, self.per_ip))
        return gate

    async def get(self, http: aiohttp.ClientSession, url: str, *, max_body: int,
                  ssl_ctx: ssl.SSLContext | bool | None = None, follow: bool = True,
                  robots: bool = False, method: str = "GET") -> Answer:
        """GET (or HEAD) ``url`` (redirects by hand, each hop judged by the guard); the
        body is read up to ``max_body`` bytes (FetchFailed too_large beyond it)."""
        redirects: list[str] = []
        t0 = time.monotonic()
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchFailed("other", url)
            verdict = self.guard.check_literal(url)
            if not verdict:
                raise FetchFailed("private", verdict.reason)
            if robots and not await self.robots_allow(http, url):
                raise FetchFailed("robots", url)
            async with self.gate(url):
                answer = await self._one(http, url, max_body, ssl_ctx, method)
            location = answer.headers.get("location")
            if follow and answer.status in REDIRECT_STATUSES and location:
                redirects.append(url)
                url = urljoin(url, location)
                continue
            answer.redirects = redirects
            answer.elapsed_ms = int((time.monotonic() - t0) * 1000)
            return answer
        raise FetchFailed("redirect_loop", url)

    async def _one(self, http: aiohttp.ClientSession, url: str, max_body: int,
                   ssl_ctx: ssl.SSLContext | bool | None, method: str = "GET") -> Answer:
        kwargs: dict[str, Any] = {} if ssl_ctx is None else {"ssl": ssl_ctx}
        try:
            async with http.request(method, url, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=self.timeout),
                                **kwargs) as resp:
                headers = {k.lower(): v for k, v in resp.headers.items()}
                length = int(headers.get("content-length") or 0) if (
                    headers.get("content-length") or "").isdigit() else 0
                if length > max_body:
                    raise FetchFailed("too_large", str(length))
                body = bytearray()
                while True:
                    chunk = await resp.content.read(CHUNK)
                    if not chunk:
                        break
                    body += chunk
                    if len(body) > max_body:
                        raise FetchFailed("too_large", url)
                return Answer(resp.status, url, headers, bytes(body))
        except FetchFailed:
            raise
        except AddressRefused as exc:
            raise FetchFailed("private", str(exc)) from None
        except (asyncio.TimeoutError, TimeoutError):
            raise FetchFailed("timeout", url) from None
        except aiohttp.ClientError as exc:
            error, cert = _error_class(exc)
            raise FetchFailed(error, f"{url}: {exc}", cert) from None
        except OSError as exc:
            raise FetchFailed("reset", f"{url}: {exc}") from None

    async def robots_allow(self, http: aiohttp.ClientSession, url: str) -> bool:
        """robots.txt of the URL's origin, once per origin (unreadable: allowed)."""
        if not self.obey_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        future = self._robots.get(origin)
        if future is None:
            future = self._robots[origin] = asyncio.get_running_loop().create_future()
            parser = None
            try:
                answer = await self.get(http, origin + "/robots.txt", max_body=512 * 1024,
                                        ssl_ctx=False)
                if answer.status == 200:
                    parser = Protego.parse(answer.body.decode("utf-8", "replace"))
            except Exception:  # noqa: BLE001 - no robots.txt (or a broken one) allows all
                parser = None
            finally:
                future.set_result(parser)
        parser = await asyncio.shield(future)
        return parser is None or parser.can_fetch(url, self.user_agent)
