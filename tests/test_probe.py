"""``govmon probe``: each running site's homepage within the time limit, one Probe row each.

HTTP outcomes are mocked with ``responses`` (as the issue asks); the total-time limit is
tested with a fake clock and a streaming body, and for real against a loopback server that
drips its body.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from sqlalchemy import select

from crawler import probe
from crawler.probe import probe_all, probe_site
from govmon.cli import main
from govmon.config import USER_AGENT
from govmon.demo.server import Route, SiteServer
from govmon.registry import Registry, SiteSpec
from store.db import open_store
from store.models import Probe, Site

UA = "govmon-test"


def site(url: str, code: str = "5101000001", **kw: object) -> SiteSpec:
    return SiteSpec(code=code, name=f"网站{code[-2:]}", url=url, kind="department", **kw)


@responses.activate
def test_ok_200() -> None:
    responses.get("http://a.example.gov.cn/", body="<html>首页</html>", status=200)
    r = probe_site(site("http://a.example.gov.cn/"), 15.0, UA)
    assert (r.ok, r.status, r.error) == (True, 200, None)
    assert r.code == "5101000001" and 0 <= r.elapsed_ms < 5000
    assert responses.calls[0].request.headers["User-Agent"] == UA


@responses.activate
def test_http_500_and_404_fail() -> None:
    responses.get("http://a.example.gov.cn/", status=500, body="error")
    responses.get("http://b.example.gov.cn/", status=404, body="not found")
    a, b = probe_all([site("http://a.example.gov.cn/"),
                      site("http://b.example.gov.cn/", "5101000002")], 15.0, UA)
    assert (a.ok, a.status, a.error) == (False, 500, "http")
    assert (b.ok, b.status, b.error, b.code) == (False, 404, "http", "5101000002")


@responses.activate
def test_connection_errors_fail() -> None:
    responses.get("http://refused.example.gov.cn/",
                  body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    responses.get("http://nodns.example.gov.cn/", body=requests.exceptions.ConnectionError(
        "Failed to resolve 'nodns.example.gov.cn' ([Errno -2] Name or service not known)"))
    responses.get("https://tls.example.gov.cn/",
                  body=requests.exceptions.SSLError("certificate verify failed"))
    responses.get("http://slow.example.gov.cn/", body=requests.exceptions.ConnectTimeout("x"))
    results = probe_all([site("http://refused.example.gov.cn/", "5101000001"),
                         site("http://nodns.example.gov.cn/", "5101000002"),
                         site("https://tls.example.gov.cn/", "5101000003"),
                         site("http://slow.example.gov.cn/", "5101000004")], 15.0, UA)
    assert [(r.ok, r.status, r.error) for r in results] == [
        (False, 0, "refused"), (False, 0, "dns"), (False, 0, "tls"), (False, 0, "timeout")]


@responses.activate
def test_redirects_followed_and_loops_fail() -> None:
    responses.get("http://a.example.gov.cn/", status=302,
                  headers={"Location": "https://a.example.gov.cn/index.html"})
    responses.get("https://a.example.gov.cn/index.html", body="<html>首页</html>")
    responses.get("http://loop.example.gov.cn/", status=302,
                  headers={"Location": "http://loop.example.gov.cn/"})
    ok = probe_site(site("http://a.example.gov.cn/"), 15.0, UA)
    assert (ok.ok, ok.status, ok.final_url) == (True, 200, "https://a.example.gov.cn/index.html")
    loop = probe_site(site("http://loop.example.gov.cn/"), 15.0, UA)
    assert (loop.ok, loop.error) == (False, "redirect_loop")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class SlowBody(io.RawIOBase):
    """A body that arrives in chunks, each taking ``step`` seconds of the fake clock."""

    def __init__(self, chunks: list[bytes], clock: FakeClock, step: float):
        self.chunks, self.clock, self.step = list(chunks), clock, step

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # noqa: ANN001
        if not self.chunks:
            return 0
        self.clock.now += self.step
        data = self.chunks.pop(0)[:len(buf)]
        buf[:len(data)] = data
        return len(data)


@pytest.mark.parametrize(("step", "ok"), [(4.0, True), (6.0, False)])
@responses.activate
def test_total_time_counts_the_whole_body(monkeypatch: pytest.MonkeyPatch, step: float,
                                          ok: bool) -> None:
    """Three chunks: 12 s in total is within 15 s; 18 s is not, though every single read
    is far below the limit (what ``requests``' own timeout looks at)."""
    clock = FakeClock()
    monkeypatch.setattr(probe.time, "monotonic", clock.monotonic)
    body = io.BufferedReader(SlowBody([b"<html>" + b"x" * 100, b"y" * 100, b"</html>"],
                                      clock, step), buffer_size=16)
    responses.get("http://a.example.gov.cn/", body=body, status=200)
    r = probe_site(site("http://a.example.gov.cn/"), 15.0, UA)
    assert (r.ok, r.status, r.error) == ((True, 200, None) if ok else (False, 200, "timeout"))
    assert r.elapsed_ms == int(step * 3 * 1000)


@pytest.fixture
def drip_server() -> Iterator[str]:
    """A real server that sends its headers at once, then one body byte every 0.2 s."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Length: 100\r\n\r\n")
                for _ in range(100):
                    if stop.is_set():
                        break
                    try:
                        conn.sendall(b"x")
                    except OSError:
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/"
    stop.set()
    srv.close()


def test_dripping_body_is_cut_off_at_the_limit(drip_server: str) -> None:
    t0 = time.monotonic()
    r = probe_site(site(drip_server), 1.0, UA)
    took = time.monotonic() - t0
    assert (r.ok, r.status, r.error) == (False, 200, "timeout")
    assert took < 2.0, f"probe held on for {took:.1f}s past a 1 s limit"


def test_slow_homepage_on_a_real_server(serve) -> None:  # noqa: ANN001
    server = serve({"/": Route("<html>慢</html>", delay=1.5), "/ok": Route("<html>好</html>")})
    slow, fine = probe_all([site(server.url("/")), site(server.url("/ok"), "5101000002")],
                           0.8, UA)
    assert (slow.ok, slow.error) == (False, "timeout") and slow.elapsed_ms < 1500
    assert (fine.ok, fine.status) == (True, 200)


@responses.activate
def test_cli_probe_records_running_sites_only(tmp_path: Path) -> None:
    responses.get("http://a.example.gov.cn/", body="<html>ok</html>")
    responses.get("http://b.example.gov.cn/", status=503)
    Registry(sites=[
        site("http://a.example.gov.cn/", "5101000001"),
        site("http://b.example.gov.cn/", "5101000002"),
        site("http://closed.example.gov.cn/", "5101000003", status="关停"),
    ]).save(tmp_path / "sites.yaml")
    assert main(["-w", str(tmp_path), "probe"]) == 0
    assert [c.request.url for c in responses.calls] == ["http://a.example.gov.cn/",
                                                       "http://b.example.gov.cn/"]
    with open_store(f"sqlite:///{tmp_path / 'govmon.db'}")() as s:
        rows = s.execute(select(Site.code, Probe.ok, Probe.status, Probe.error)
                         .join(Probe, Probe.site_id == Site.id).order_by(Site.code)).all()
        assert rows == [("5101000001", True, 200, None), ("5101000002", False, 503, "http")]
        assert s.scalar(select(Site.status).where(Site.code == "5101000003")) == "关停"
    # Probing again appends: the indicator counts probes over a week.
    assert main(["-w", str(tmp_path), "probe"]) == 0
    with open_store(f"sqlite:///{tmp_path / 'govmon.db'}")() as s:
        assert len(s.scalars(select(Probe)).all()) == 4


def test_real_server_with_the_default_chinese_user_agent() -> None:
    """The real network path (no mocks): the default User-Agent has Chinese in it, which
    ``http.client`` refuses as a str header; and the socket the watchdog needs is there."""
    assert not USER_AGENT.isascii()
    seen: list[str] = []
    with SiteServer("127.0.0.1", {"/": Route("<html>首页</html>")}) as server:
        with requests.get(server.url("/"), stream=True, timeout=5) as resp:
            assert probe._socket_of(resp) is not None  # noqa: SLF001
        orig = server.httpd.RequestHandlerClass.parse_request

        def parse(handler) -> bool:  # noqa: ANN001
            ok = orig(handler)
            seen.append(handler.headers.get("User-Agent", ""))
            return ok

        server.httpd.RequestHandlerClass.parse_request = parse
        r = probe_site(site(server.url("/")), 5.0, USER_AGENT)
    assert (r.ok, r.status, r.error) == (True, 200, None)
    assert seen and seen[-1].encode("latin-1").decode("utf-8") == USER_AGENT
