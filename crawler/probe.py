"""Availability probe: fetch each running site's homepage within the time limit.

Meant for cron many times a day; the national indicator (V2) counts the share of failed
probes over a week. A probe fails when the homepage does not open within ``timeout``
seconds (the whole answer, redirects and body included, not just the first byte), on a
connection error, on HTTP >= 400, or when the homepage (or a redirect) leads to an address
the guard refuses ("private").

On aiohttp, as the link verifier, and behind the same address guard: redirects are
followed by hand, each hop's connection resolved through ``netguard.GuardedResolver``, so a
homepage redirecting to ``http://10.0.0.1/`` or to another port of its own server is a
failed probe, not a 200 from somewhere nobody registered. (With ``requests`` the guard
would have to be wired into urllib3's connection classes, and the total time limit needed
a watchdog thread that shut the socket down from under ``http.client``; here one asyncio
timeout covers the whole answer.) Certificates are verified: a browser would refuse an
invalid one too.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import aiohttp

from crawler.netguard import DEFAULT_PORTS, AddressRefused, Guard, GuardedResolver
from settings.registry import SiteSpec

CHUNK = 16 * 1024
MAX_BODY = 5 * 1024 * 1024
MAX_REDIRECTS = 10
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass
class ProbeResult:
    code: str
    at: datetime
    ok: bool
    status: int
    elapsed_ms: int
    # timeout, dns, refused, connection, tls, redirect_loop, http, private, other
    error: str | None
    final_url: str | None = None


class _Failed(Exception):
    def __init__(self, error: str, status: int = 0, url: str | None = None):
        super().__init__(error)
        self.error, self.status, self.url = error, status, url


def _error_class(exc: BaseException) -> str:
    """The probe's error class of an aiohttp failure."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ssl.SSLError):
            return "tls"
        return "refused" if isinstance(exc.os_error, ConnectionRefusedError) else "connection"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                        aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        return "connection"
    return "other"


async def _fetch(session: aiohttp.ClientSession, guard: Guard, url: str, user_agent: str,
                 timeout: float) -> tuple[int, str]:
    """(status, final URL) of the homepage, redirects followed hop by hop, each one judged
    by the guard (host names by the session's resolver, addresses here)."""
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise _Failed("other", url=url)
        if not guard.check_literal(url):
            raise _Failed("private", url=url)
        try:
            async with session.get(url, allow_redirects=False,
                                   headers={"User-Agent": user_agent},
                                   timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    url = urljoin(url, location)
                    continue
                read = 0
                while read <= MAX_BODY:
                    chunk = await resp.content.read(CHUNK)
                    if not chunk:
                        break
                    read += len(chunk)
                return resp.status, url
        except AddressRefused:
            raise _Failed("private", url=url) from None
        except (asyncio.TimeoutError, TimeoutError):
            raise _Failed("timeout", url=url) from None
        except aiohttp.InvalidURL:
            raise _Failed("other", url=url) from None
        except aiohttp.ClientError as exc:
            raise _Failed(_error_class(exc), url=url) from None
        except OSError:
            raise _Failed("connection", url=url) from None
    raise _Failed("redirect_loop", url=url)


async def _probe(session: aiohttp.ClientSession, guard: Guard, site: SiteSpec,
                 timeout: float, user_agent: str) -> ProbeResult:
    at = datetime.now()
    start = time.monotonic()
    status, error, final_url = 0, None, None
    try:
        status, final_url = await asyncio.wait_for(
            _fetch(session, guard, site.url, user_agent, timeout), timeout)
    except (asyncio.TimeoutError, TimeoutError):
        error = "timeout"
    except _Failed as f:
        error, final_url = f.error, f.url
    elapsed = time.monotonic() - start
    if error is None and elapsed > timeout:
        error = "timeout"
    if error is None and status >= 400:
        error = "http"
    return ProbeResult(site.code, at, error is None, status, int(elapsed * 1000), error,
                       final_url)


async def probe_many(sites: list[SiteSpec], timeout: float, user_agent: str, guard: Guard,
                     parallel: int = 16) -> list[ProbeResult]:
    """Probe ``sites`` concurrently (each site is one request, so this stays polite);
    results in the order of ``sites``."""
    gate = asyncio.Semaphore(max(1, parallel))
    connector = aiohttp.TCPConnector(limit=0, resolver=GuardedResolver(guard),
                                     force_close=True)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     auto_decompress=True) as session:
        async def one(site: SiteSpec) -> ProbeResult:
            async with gate:
                return await _probe(session, guard, site, timeout, user_agent)

        return list(await asyncio.gather(*(one(s) for s in sites)))


def probe_all(sites: list[SiteSpec], timeout: float, user_agent: str,
              guard: Guard | None = None, parallel: int = 16) -> list[ProbeResult]:
    """Probe sites concurrently behind ``guard`` (default: one admitting these sites).
    Results come in the order of ``sites``."""
    if not sites:
        return []
    return asyncio.run(probe_many(sites, timeout, user_agent, guard or Guard(sites), parallel))


def probe_site(site: SiteSpec, timeout: float, user_agent: str,
               guard: Guard | None = None) -> ProbeResult:
    """Fetch ``site``'s homepage (redirects followed) and judge it within ``timeout``."""
    return probe_all([site], timeout, user_agent, guard)[0]
