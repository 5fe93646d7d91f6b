"""Turning a fetch result into a verdict: error classes, transient failures, broken/blocked.

Kept free of Scrapy types so the rules are testable and shared by the crawl and the link
verifier.
"""

from __future__ import annotations

import re
import socket
import ssl

TRANSIENT_CLASSES = {"timeout", "reset", "refused", "http5xx"}
_LOOP_MSG = re.compile(r"max redirections", re.I)
_ERROR_PAGE = re.compile(r"(^|/)(404|error|notfound|not_found|pagenotfound)[^/]*$", re.I)


def _cause_class(exc: BaseException) -> str | None:
    """Error class read from the low-level cause of a wrapped download error.

    Scrapy's aiohttp download handler re-raises aiohttp's connection errors as its own
    (``DownloadConnectionRefusedError`` for every failed connect, TLS included), with a
    message naming the connection key ("ssl:default") whatever went wrong."""
    cause = exc.__cause__
    if cause is None:
        return None
    if getattr(cause, "certificate_error", None) is not None:  # certificate not accepted
        return "tls"
    for err in (getattr(cause, "os_error", None), cause):  # aiohttp keeps the OSError
        if isinstance(err, ssl.SSLError | ssl.CertificateError):
            return "tls"
        if isinstance(err, ConnectionRefusedError):
            return "refused"
        if isinstance(err, socket.gaierror):
            return "dns"
    return None


def classify_exception(exc: BaseException) -> str:
    """Error class of a failed download: dns, refused, timeout, tls, reset, redirect_loop,
    too_large, private, robots, or other."""
    name = type(exc).__name__
    text = f"{name} {exc}".lower().replace("ssl:default", "")
    if name in ("BlockedAddress", "AddressRefused") or \
            type(exc.__cause__).__name__ == "AddressRefused":
        return "private"
    if _LOOP_MSG.search(text):
        return "redirect_loop"
    if "robots.txt" in text:
        return "robots"
    from_cause = _cause_class(exc)
    if from_cause is not None:
        return from_cause
    if "ssl" in text or "certificate" in text or "tls" in text or "handshake" in text:
        return "tls"
    if name in ("CannotResolveHostError", "DNSLookupError") or "dns" in text:
        return "dns"
    if "refused" in text:
        return "refused"
    if "timeout" in text or "timed out" in text or "took longer" in text:
        return "timeout"
    if name == "DownloadCancelledError" and ("maxsize" in text or "larger than" in text
                                              or "cancel" in text):
        return "too_large"
    if "download_maxsize" in text and "decompression" in text:  # a compression bomb
        return "too_large"
    if name in ("DownloadFailedError", "ResponseDataLossError", "ConnectionLost",
                "ResponseNeverReceived", "ConnectionDone") or "connection" in text:
        return "reset"
    return "other"


def status_verdict(status: int) -> tuple[str, str | None]:
    """(outcome, error_class) for a final HTTP status."""
    if status in (403, 429):
        return "blocked", "http"
    if 200 <= status < 400:
        return "ok", None
    if status >= 500:
        return "broken", "http5xx"
    return "broken", "http"


def is_transient(error_class: str | None) -> bool:
    return error_class in TRANSIENT_CLASSES


def looks_like_error_page(url: str) -> bool:
    """A redirect that lands on /404.html or /error.jsp is a soft 404."""
    path = url.split("?", 1)[0]
    return bool(_ERROR_PAGE.search(path))
