"""The crawl's HTTP(S) download handler: aiohttp behind the address guard, at most
``CONCURRENT_REQUESTS_PER_DOMAIN`` transfers per server address.

Written against Scrapy's public download-handler interface (``BaseDownloadHandler``:
``download_request`` / ``close``), not as a subclass of Scrapy's own aiohttp handler, whose
module is private (and absent from older Scrapy wheels). What it does that a stock handler
does not:

* **the guard at connect time**: the connector resolves through
  :class:`crawler.netguard.GuardedResolver`, so a name that rebinds to a refused address
  between planning and connecting is never connected to (``AddressRefused``, error class
  ``private``, not retried);
* **per-address politeness that holds**: a transfer waits for one of its server's places
  (the key is the request's ``download_slot``, the resolved address set by
  ``AddressGuardMiddleware``). Scrapy 2.19's downloader does not enforce
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` without a Twisted reactor: it pops requests while
  ``len(slot.transferring)`` is below the limit but a request joins ``transferring`` only
  when its download task first runs, so one pass drained the whole slot queue.
  ``download_latency`` is measured from the end of that wait, as the server's answer time.

Otherwise it behaves as Scrapy's aiohttp handler: the same session options (no cookies,
no decompression, no headers of aiohttp's own), failures raised as Scrapy's exceptions
with the aiohttp error as their cause (``crawler.outcomes`` and ``RetryMiddleware`` read
them), ``DOWNLOAD_MAXSIZE`` and ``DOWNLOAD_FAIL_ON_DATALOSS`` (and their meta keys),
``meta["proxy"]``. Not supported, as govmon uses none of them: ``DOWNLOAD_WARNSIZE``,
``bindaddress``, TLS version limits, the ``headers_received``/``bytes_received`` signals,
``Response.certificate`` and ``ip_address``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.netguard import GuardedResolver

CONNECT_TIMEOUT = 10.0  # when a request carries no download_timeout (Scrapy's default)
# Request headers aiohttp would otherwise add: Scrapy's middlewares set what is sent
SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "Content-Type", "User-Agent")


class GuardedDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        s = crawler.settings
        self.per_address = max(1, s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.pool_total = s.getint("CONCURRENT_REQUESTS")
        self.maxsize = s.getint("DOWNLOAD_MAXSIZE")
        self.fail_on_dataloss = s.getbool("DOWNLOAD_FAIL_ON_DATALOSS")
        self.ssl_context = _ssl_context(s.getbool("DOWNLOAD_VERIFY_CERTIFICATES"),
                                        s.get("DOWNLOADER_CLIENT_TLS_CIPHERS"))
        self.places: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.per_address))
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running event loop."""
        if self._session is None:
            crawler = self.crawler
            connector = aiohttp.TCPConnector(
                limit=self.pool_total, limit_per_host=self.per_address,
                resolver=GuardedResolver(lambda: crawler.spider.guard))
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False, skip_auto_headers=SKIP_AUTO_HEADERS)
        return self._session

    async def download_request(self, request: Request) -> Response:
        key = request.meta.get("download_slot") or urlsplit(request.url).hostname or ""
        async with self.places[key]:
            return await self._download(request)

    async def _download(self, request: Request) -> Response:
        timeout = request.meta.get("download_timeout", CONNECT_TIMEOUT)
        proxy, proxy_headers = _proxy(request)
        headers = request.headers.copy()
        headers.pop(b"Proxy-Authorization", None)
        start = time.monotonic()
        try:
            async with self.session().request(
                    request.method, request.url, data=request.body,
                    headers=headers.to_tuple_list(), allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=timeout), ssl=self.ssl_context,
                    proxy=proxy, proxy_headers=proxy_headers) as answer:
                request.meta["download_latency"] = time.monotonic() - start
                return await self._response(request, answer)
        except (TimeoutError, asyncio.TimeoutError) as e:
            raise DownloadTimeoutError(
                f"Getting {request.url} took longer than {timeout} seconds.") from e
        except (aiohttp.InvalidUrlClientError, aiohttp.NonHttpUrlClientError) as e:
            raise UnsupportedURLSchemeError(str(e)) from e
        except aiohttp.ClientConnectorDNSError as e:
            raise CannotResolveHostError(str(e)) from e
        except aiohttp.ClientConnectorError as e:  # TLS failures too: see crawler.outcomes
            raise DownloadConnectionRefusedError(str(e)) from e
        except aiohttp.ClientError as e:
            raise DownloadFailedError(str(e)) from e

    async def _response(self, request: Request,
                        answer: aiohttp.ClientResponse) -> Response:
        """The Scrapy response of an answer whose headers arrived: the body read up to
        the size limit; a body cut short raises (or is flagged, if the request allows)."""
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        headers = Headers(list(answer.headers.items()))
        expected = answer.content_length
        if maxsize and expected and expected > maxsize:
            raise DownloadCancelledError(_too_large("Expected to receive", expected, maxsize,
                                                    request))
        chunks: list[bytes] = []
        received = 0
        flags = None
        try:
            async for chunk in answer.content.iter_any():
                chunks.append(chunk)
                received += len(chunk)
                if maxsize and received > maxsize:
                    raise DownloadCancelledError(_too_large("Received", received, maxsize,
                                                            request))
        except aiohttp.ClientPayloadError as e:
            if request.meta.get("download_fail_on_dataloss", self.fail_on_dataloss):
                raise ResponseDataLossError(str(e)) from e
            flags = ["dataloss"]
        body = b"".join(chunks)
        version = answer.version
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=answer.status, headers=headers, body=body,
                   flags=flags,
                   protocol=f"HTTP/{version.major}.{version.minor}" if version else None)

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _ssl_context(verify: bool, ciphers: str | None) -> ssl.SSLContext:
    """TLS as Scrapy's handlers set it up: certificates are checked only when
    ``DOWNLOAD_VERIFY_CERTIFICATES`` asks (a monitor must reach sites with broken ones)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_default_certs()
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def _proxy(request: Request) -> tuple[str | None, dict[str, str] | None]:
    """``meta["proxy"]`` (set by Scrapy's HttpProxyMiddleware) and its credentials."""
    proxy: str | None = request.meta.get("proxy")
    if not proxy:
        return None, None
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    auth: Any = request.headers.get(b"Proxy-Authorization")
    return proxy, ({"Proxy-Authorization": auth.decode("latin-1")} if auth else None)


def _too_large(what: str, size: int, limit: int, request: Request) -> str:
    # the words crawler.outcomes classifies as too_large ("larger than")
    return (f"{what} {size} bytes which is larger than download max size ({limit}) "
            f"in request {request}.")
