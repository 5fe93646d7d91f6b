"""A small real HTTP server for sample sites: used by ``govmon demo`` and by the tests.

Each server binds one loopback address (127.0.0.x) and serves a table of routes. Routes
can misbehave the way real government servers do: refuse HEAD, answer 429 with
Retry-After, redirect in chains or loops, stall, or serve GBK.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


@dataclass
class Route:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    head_status: int | None = None  # e.g. 405: HEAD refused, GET works
    delay: float = 0.0  # seconds before answering
    # (status, headers) answered first, once each, before the normal answer (e.g. 429s)
    before: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    hits: int = 0

    def payload(self, charset: str = "utf-8") -> bytes:
        return self.body.encode(charset) if isinstance(self.body, str) else self.body


Handler = Callable[[str, str], Route | None]  # (method, path with query) -> Route


class _V6Server(ThreadingHTTPServer):
    """The same server on an IPv6 address (``::1``)."""

    address_family = socket.AF_INET6


class SiteServer:
    """Serves ``routes`` (path -> Route) on ``host``; ``dynamic`` answers other paths."""

    def __init__(self, host: str = "127.0.0.1", routes: dict[str, Route] | None = None,
                 dynamic: Handler | None = None, port: int = 0,
                 tls: ssl.SSLContext | None = None, validators: bool = False):
        self.routes: dict[str, Route] = routes or {}
        self.dynamic = dynamic
        # like a static-file server (nginx): ETag and Last-Modified on 200s, 304 to a
        # conditional GET whose validator still matches
        self.validators = validators
        self.requests: list[tuple[str, str]] = []
        self.conditional: list[tuple[str, int]] = []  # (path, status) of conditional GETs
        self.lock = threading.Lock()
        # Requests being answered right now, and the most seen at once (politeness tests).
        self.in_flight = 0
        self.max_in_flight = 0
        # (method, path, arrival, departure) per answered request, time.monotonic() seconds.
        self.timeline: list[tuple[str, str, float, float]] = []
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:  # noqa: N802
                server._answer(self, "GET")

            def do_HEAD(self) -> None:  # noqa: N802
                server._answer(self, "HEAD")

            def do_POST(self) -> None:  # noqa: N802
                server._answer(self, "POST")

        self.httpd = (_V6Server if ":" in host else ThreadingHTTPServer)((host, port), _H)
        self.httpd.daemon_threads = True
        if tls is not None:  # an https server (certificates made by the caller)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True,
                                                do_handshake_on_connect=False)
            # a client refusing the certificate ends its handshake: not worth a traceback
            self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.scheme = "https" if tls is not None else "http"
        self.host = host
        self.port = self.httpd.server_address[1]
        # stop() waits for serve_forever to notice: with the default poll interval (0.5 s)
        # that was ~0.3 s per server on average (the demo's ten: ~2 s after its last report)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def start(self) -> SiteServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path: str, method: str | None = None) -> int:
        with self.lock:
            return sum(1 for m, p in self.requests if p == path and (method is None or m == method))

    def _find(self, method: str, raw_path: str) -> Route | None:
        parts = urlsplit(raw_path)
        for key in (raw_path, unquote(raw_path), parts.path, unquote(parts.path)):
            if key in self.routes:
                return self.routes[key]
        return self.dynamic(method, raw_path) if self.dynamic else None

    def _answer(self, h: BaseHTTPRequestHandler, method: str) -> None:
        arrived = time.monotonic()
        with self.lock:
            self.requests.append((method, unquote(h.path)))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        answered = False

        def _answered() -> None:
            """Counted out before the reply is sent: a client waiting for the reply
            cannot have its next request counted as overlapping this one."""
            nonlocal answered
            if not answered:
                answered = True
                with self.lock:
                    self.in_flight -= 1
                    self.timeline.append((method, unquote(h.path), arrived, time.monotonic()))

        try:
            self._respond(h, method, _answered)
        finally:
            _answered()

    def _respond(self, h: BaseHTTPRequestHandler, method: str,
                 answered: Callable[[], None]) -> None:
        if method == "POST":
            length = int(h.headers.get("Content-Length") or 0)
            if length:
                h.rfile.read(length)
        route = self._find(method, h.path)
        if route is None:
            route = Route(body="<html><head><title>404 Not Found</title></head>"
                               "<body><h1>404 Not Found</h1></body></html>", status=404)
        with self.lock:
            route.hits += 1
            early = route.before.pop(0) if route.before else None
        if route.delay:
            time.sleep(route.delay)
        if early:
            status, headers = early
            body = b""
        else:
            status = route.status
            if method == "HEAD" and route.head_status is not None:
                status = route.head_status
            headers = dict(route.headers)
            body = route.payload()
            if self.validators and status == 200:
                status, body = self._validate(h, headers, body)
        answered()
        try:
            h.send_response(status)
            if route.content_type and "Content-Type" not in headers:
                h.send_header("Content-Type", route.content_type)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if method != "HEAD":
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _validate(self, h: BaseHTTPRequestHandler, headers: dict[str, str],
                  body: bytes) -> tuple[int, bytes]:
        """ETag (a hash of the body) and Last-Modified (a date derived from it, as a file's
        mtime changes with its content); 304 when the client's copy is current."""
        digest = hashlib.sha1(body).hexdigest()
        etag = f'"{digest[:16]}"'
        modified = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                 time.gmtime(1_600_000_000 + int(digest[:6], 16)))
        headers.setdefault("ETag", etag)
        headers.setdefault("Last-Modified", modified)
        match = h.headers.get("If-None-Match")
        since = h.headers.get("If-Modified-Since")
        if match is None and since is None:
            return 200, body
        current = match == etag if match is not None else since == modified
        with self.lock:
            self.conditional.append((unquote(h.path), 304 if current else 200))
        return (304, b"") if current else (200, body)
