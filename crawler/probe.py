"""Availability probe: fetch each running site's homepage within the time limit.

Meant for cron many times a day; the national indicator (V2) counts the share of failed
probes over a week. A probe fails when the homepage does not open within ``timeout``
seconds (whole answer, not just the first byte), on a connection error, or on HTTP >= 400.

``requests`` timeouts bound each socket operation, not the whole answer: a server that
drips its body would keep a probe busy for minutes. A watchdog therefore shuts the
connection down when the total time is up.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from govmon.registry import SiteSpec

CHUNK = 16 * 1024
MAX_BODY = 5 * 1024 * 1024
MAX_REDIRECTS = 10


@dataclass
class ProbeResult:
    code: str
    at: datetime
    ok: bool
    status: int
    elapsed_ms: int
    error: str | None  # timeout, dns, refused, connection, tls, redirect_loop, http, other
    final_url: str | None = None


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The socket under a streamed response (urllib3 / http.client internals)."""
    try:
        return resp.raw._fp.fp.raw._sock  # noqa: SLF001
    except AttributeError:
        return None


class _Watchdog:
    """Shuts a response's socket down at the deadline; a blocked read then ends."""

    def __init__(self, resp: requests.Response, seconds: float):
        self.fired = False
        self.sock = _socket_of(resp)
        self.timer = threading.Timer(max(seconds, 0.0), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self.timer.cancel()


def _connection_error(exc: Exception) -> str:
    text = str(exc).lower()
    if "name or service" in text or "resolve" in text or "getaddrinfo" in text \
            or "nodename nor servname" in text:
        return "dns"
    if "refused" in text:
        return "refused"
    if "timed out" in text or "timeout" in text:
        return "timeout"
    return "connection"


def probe_site(site: SiteSpec, timeout: float, user_agent: str,
               session: requests.Session | None = None) -> ProbeResult:
    """Fetch ``site``'s homepage (redirects followed) and judge it within ``timeout``."""
    http = session or requests.Session()
    http.max_redirects = MAX_REDIRECTS
    at = datetime.now()
    start = time.monotonic()
    status, error, final_url = 0, None, None
    watchdog: _Watchdog | None = None
    try:
        # Header values go out as latin-1: send a Chinese User-Agent as its UTF-8 bytes
        # (as the Scrapy crawl does) instead of failing on it.
        ua = user_agent.encode("utf-8").decode("latin-1")
        with http.get(site.url, timeout=(timeout, timeout), stream=True, allow_redirects=True,
                      headers={"User-Agent": ua}) as resp:
            status, final_url = resp.status_code, resp.url
            watchdog = _Watchdog(resp, timeout - (time.monotonic() - start))
            read = 0
            for chunk in resp.iter_content(CHUNK):
                read += len(chunk)
                if time.monotonic() - start > timeout:
                    error = "timeout"
                    break
                if read > MAX_BODY:
                    break
    except requests.exceptions.SSLError:
        error = "tls"
    except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
        error = "timeout"
    except requests.exceptions.TooManyRedirects:
        error = "redirect_loop"
    except requests.exceptions.ConnectionError as exc:
        error = _connection_error(exc)
    except requests.exceptions.RequestException:
        error = "other"
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if session is None:
            http.close()
    elapsed = time.monotonic() - start
    if watchdog is not None and watchdog.fired:
        error = "timeout"  # whatever the cut-off read raised, the cause is the time limit
    if error is None and elapsed > timeout:
        error = "timeout"
    if error is None and status >= 400:
        error = "http"
    return ProbeResult(site.code, at, error is None, status, int(elapsed * 1000), error,
                       final_url)


def probe_all(sites: list[SiteSpec], timeout: float, user_agent: str,
              parallel: int = 16) -> list[ProbeResult]:
    """Probe sites concurrently (each site is one request, so this stays polite).
    Results come in the order of ``sites``."""
    if not sites:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(sites)))) as pool:
        return list(pool.map(lambda s: probe_site(s, timeout, user_agent), sites))
