"""Availability probe: fetch each running site's homepage within the time limit.

Meant for cron many times a day; the national indicator (V2) counts the share of failed
probes over a week. A probe fails when the homepage does not open within ``timeout``
seconds (whole answer, not just the first byte), on a connection error, or on HTTP >= 400.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from govmon.registry import SiteSpec

CHUNK = 64 * 1024
MAX_BODY = 5 * 1024 * 1024


@dataclass
class ProbeResult:
    code: str
    at: datetime
    ok: bool
    status: int
    elapsed_ms: int
    error: str | None


def probe_site(site: SiteSpec, timeout: float, user_agent: str,
               session: requests.Session | None = None) -> ProbeResult:
    http = session or requests.Session()
    at = datetime.now()
    start = time.monotonic()
    status, error = 0, None
    try:
        with http.get(site.url, timeout=timeout, stream=True, allow_redirects=True,
                      headers={"User-Agent": user_agent}) as resp:
            status = resp.status_code
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
    except requests.exceptions.ConnectTimeout:
        error = "timeout"
    except requests.exceptions.ReadTimeout:
        error = "timeout"
    except requests.exceptions.TooManyRedirects:
        error = "redirect_loop"
    except requests.exceptions.ConnectionError as exc:
        text = str(exc).lower()
        error = "dns" if ("name or service" in text or "resolve" in text
                          or "getaddrinfo" in text) else (
            "refused" if "refused" in text else "connection")
    except requests.exceptions.RequestException:
        error = "other"
    elapsed = time.monotonic() - start
    if error is None and elapsed > timeout:
        error = "timeout"
    if error is None and status >= 400:
        error = "http"
    return ProbeResult(site.code, at, error is None, status, int(elapsed * 1000), error)


def probe_all(sites: list[SiteSpec], timeout: float, user_agent: str,
              parallel: int = 16) -> list[ProbeResult]:
    """Probe sites concurrently (each site is one request, so this stays polite)."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(sites) or 1))) as pool:
        return list(pool.map(lambda s: probe_site(s, timeout, user_agent), sites))
