"""``govmon probe``: each running site's homepage within the time limit, one Probe row each.

Real loopback servers throughout (the probe is on aiohttp behind the address guard): HTTP
errors, refused connections, unresolvable names, TLS failures, redirects and their loops,
redirects the guard refuses, a body that drips past the limit, the Chinese User-Agent.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import dead_url
from rawserver import serve_raw
from sqlalchemy import select

from crawler.netguard import Guard
from crawler.probe import probe_all, probe_site
from govmon.cli import main
from govmon.demo.server import Route, SiteServer
from settings.config import USER_AGENT
from settings.registry import Registry, SiteSpec
from store.db import open_store
from store.models import Probe, Site

UA = "govmon-test"


def site(url: str, code: str = "5101000001", **kw: object) -> SiteSpec:
    return SiteSpec(code=code, name=f"网站{code[-2:]}", url=url, kind="department", **kw)


class Recorder:
    """The User-Agent of each request a SiteServer answers."""

    def __init__(self, server: SiteServer):
        self.agents: list[str] = []
        handler = server.httpd.RequestHandlerClass
        orig = handler.parse_request

        def parse(h) -> bool:  # noqa: ANN001
            ok = orig(h)
            self.agents.append(h.headers.get("User-Agent", ""))
            return ok

        handler.parse_request = parse


def test_ok_200_with_the_user_agent(serve) -> None:  # noqa: ANN001
    srv = serve({"/": Route("<html>首页</html>")})
    seen = Recorder(srv)
    r = probe_site(site(srv.url("/")), 15.0, UA)
    assert (r.ok, r.status, r.error, r.final_url) == (True, 200, None, srv.url("/"))
    assert r.code == "5101000001" and 0 <= r.elapsed_ms < 5000
    assert seen.agents == [UA]


def test_http_500_and_404_fail(serve) -> None:  # noqa: ANN001
    srv = serve({"/a": Route("error", status=500), "/b": Route("not found", status=404)})
    a, b = probe_all([site(srv.url("/a")), site(srv.url("/b"), "5101000002")], 15.0, UA)
    assert (a.ok, a.status, a.error) == (False, 500, "http")
    assert (b.ok, b.status, b.error, b.code) == (False, 404, "http", "5101000002")


def test_connection_errors_fail(serve) -> None:  # noqa: ANN001
    plain = serve({"/": Route("<html>明文</html>")})
    slow = serve({"/": Route("<html>慢</html>", delay=3.0)})
    results = probe_all([site(dead_url(), "5101000001"),
                         site("http://nodns.invalid/", "5101000002"),
                         site(plain.url("/").replace("http://", "https://"), "5101000003"),
                         site(slow.url("/"), "5101000004")], 1.0, UA)
    assert [(r.ok, r.status, r.error) for r in results] == [
        (False, 0, "refused"), (False, 0, "dns"), (False, 0, "tls"), (False, 0, "timeout")]


def test_redirects_followed_and_loops_fail(serve) -> None:  # noqa: ANN001
    srv = serve({"/": Route(status=302, headers={"Location": "/index.html"}),
                 "/index.html": Route("<html>首页</html>"),
                 "/loop": Route(status=302, headers={"Location": "/loop"})})
    ok = probe_site(site(srv.url("/")), 15.0, UA)
    assert (ok.ok, ok.status, ok.final_url) == (True, 200, srv.url("/index.html"))
    loop = probe_site(site(srv.url("/loop")), 15.0, UA)
    assert (loop.ok, loop.error) == (False, "redirect_loop")


def test_redirect_to_an_unregistered_address_or_port_fails(serve) -> None:  # noqa: ANN001
    """The old probe followed any redirect with requests and recorded 正常 200. Now each
    hop passes the guard: another private address, or another port on the site's own
    address, is a failed probe ("private") and the target never sees a request."""
    inner = serve({"/admin": Route("<html>内网管理</html>")})
    home = serve({"/": Route(status=302, headers={"Location": inner.url("/admin")})})
    other_port = SiteServer(home.host, {"/": Route("<html>同一地址的另一个端口</html>")}).start()
    try:
        home.routes["/port"] = Route(status=301, headers={"Location": other_port.url("/")})
        home.routes["/own"] = Route(status=301, headers={"Location": "/ok"})
        home.routes["/ok"] = Route("<html>好</html>")
        sites = [site(home.url("/"), "5101000001"), site(home.url("/port"), "5101000002"),
                 site(home.url("/own"), "5101000003")]
        to_inner, to_port, own = probe_all(sites, 5.0, UA, Guard(sites))
        assert (to_inner.ok, to_inner.status, to_inner.error) == (False, 0, "private")
        assert to_inner.final_url == inner.url("/admin")
        assert (to_port.ok, to_port.error) == (False, "private")
        assert (own.ok, own.status) == (True, 200)
        assert inner.requests == [] and other_port.requests == []
    finally:
        other_port.stop()


@pytest.fixture
def drip_server() -> Iterator[str]:
    """A real server that sends its headers at once, then one body byte every 0.2 s."""
    def talk(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     b"Content-Length: 100\r\n\r\n")
        for _ in range(100):
            if stop.is_set():
                break
            conn.sendall(b"x")
            time.sleep(0.2)

    with serve_raw(talk) as url:
        yield url


def test_dripping_body_is_cut_off_at_the_limit(drip_server: str) -> None:
    t0 = time.monotonic()
    r = probe_site(site(drip_server), 1.0, UA)
    took = time.monotonic() - t0
    assert (r.ok, r.status, r.error) == (False, 0, "timeout")
    assert took < 2.0, f"probe held on for {took:.1f}s past a 1 s limit"


def test_slow_homepage_on_a_real_server(serve) -> None:  # noqa: ANN001
    server = serve({"/": Route("<html>慢</html>", delay=1.5), "/ok": Route("<html>好</html>")})
    slow, fine = probe_all([site(server.url("/")), site(server.url("/ok"), "5101000002")],
                           0.8, UA)
    assert (slow.ok, slow.error) == (False, "timeout") and slow.elapsed_ms < 1500
    assert (fine.ok, fine.status) == (True, 200)


def test_cli_probe_records_running_sites_only(tmp_path: Path, serve) -> None:  # noqa: ANN001
    a = serve({"/": Route("<html>ok</html>")})
    b = serve({"/": Route("busy", status=503)})
    closed = serve({"/": Route("<html>关停</html>")})
    Registry(sites=[
        site(a.url("/"), "5101000001"),
        site(b.url("/"), "5101000002"),
        site(closed.url("/"), "5101000003", status="关停"),
    ]).save(tmp_path / "sites.yaml")
    assert main(["-w", str(tmp_path), "probe"]) == 0
    assert (a.requests, b.requests, closed.requests) == ([("GET", "/")], [("GET", "/")], [])
    with open_store(f"sqlite:///{tmp_path / 'govmon.db'}")() as s:
        rows = s.execute(select(Site.code, Probe.ok, Probe.status, Probe.error)
                         .join(Probe, Probe.site_id == Site.id).order_by(Site.code)).all()
        assert rows == [("5101000001", True, 200, None), ("5101000002", False, 503, "http")]
        assert s.scalar(select(Site.status).where(Site.code == "5101000003")) == "关停"
    # Probing again appends: the indicator counts probes over a week.
    assert main(["-w", str(tmp_path), "probe"]) == 0
    with open_store(f"sqlite:///{tmp_path / 'govmon.db'}")() as s:
        assert len(s.scalars(select(Probe)).all()) == 4


def test_real_server_with_the_default_chinese_user_agent(serve) -> None:  # noqa: ANN001
    """The default User-Agent has Chinese in it: it goes out as its UTF-8 bytes (as the
    Scrapy crawl sends it), not refused and not mangled."""
    assert not USER_AGENT.isascii()
    server = serve({"/": Route("<html>首页</html>")})
    seen = Recorder(server)
    r = probe_site(site(server.url("/")), 5.0, USER_AGENT)
    assert (r.ok, r.status, r.error) == (True, 200, None)
    assert seen.agents and seen.agents[-1].encode("latin-1").decode("utf-8") == USER_AGENT
