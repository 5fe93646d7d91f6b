"""The address guard on every fetch path, against real loopback servers.

Sites are registered on 127.0.0.x (and ::1 when the machine has it), so each test proves
both halves: the registered site's own port is fetched, and a *different port on the same
address* — or any unregistered internal address, in any spelling — is refused and never
receives a request. Paths: the crawl (links, redirects, meta refresh, robots.txt), link
verification (links, redirects, robots.txt and its redirects), probes (tests/test_probe.py
covers their redirects), and DNS rebinding at connect time.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import pytest
from conftest import html, next_address, run_crawl, spec
from sqlalchemy import select

from crawler.netguard import AddressRefused, Guard, GuardedResolver, is_internal_address
from crawler.probe import probe_all
from govmon.demo.server import Route, SiteServer
from store.db import open_store
from store.models import Page

# -- verdicts ---------------------------------------------------------------------------
INTERNAL = ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.5", "169.254.169.254",
            "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255",
            "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
            "2002:7f00:1::", "2002:a00:1::", "64:ff9b::7f00:1", "64:ff9b::a00:1",
            "::127.0.0.1", "2001:0:4136:e378:8000:63bf:80ff:fffe"]  # Teredo of 127.0.0.1
PUBLIC = ["8.8.8.8", "114.114.114.114", "2001:4860:4860::8888", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("ip", INTERNAL)
def test_internal_addresses_in_every_form(ip: str) -> None:
    assert is_internal_address(ip), ip
    verdict = Guard([]).check(ip, 80)
    assert not verdict and verdict.reason


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_any_port(ip: str) -> None:
    assert not is_internal_address(ip)
    assert Guard([]).check(ip, 6379)


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "127.1",
                                  "017700000001", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
                                  "127.0.0.1.", "localhost"])
def test_loopback_spellings_are_refused(host: str) -> None:
    for guard_url in (f"http://{host}/", f"http://{host}:6379/"):
        assert not Guard([]).allows(guard_url), guard_url
        assert not Guard([]).check_literal(guard_url) or host in ("localhost", "127.0.0.1.")


def test_registered_site_admits_its_own_port_only() -> None:
    site = spec("http://127.0.0.7:8080/")
    guard = Guard([site])
    assert guard.allows("http://127.0.0.7:8080/a.html")
    assert guard.allows("http://2130706439:8080/")  # the same address spelled as a number
    refused = guard.allows("http://127.0.0.7:6379/")
    assert not refused and "8080" in refused.reason and "6379" in refused.reason
    assert not guard.allows("http://127.0.0.7/")  # port 80 is not the site's
    assert not guard.allows("http://127.0.0.8:8080/")  # another address
    assert not guard.allows("ftp://127.0.0.7:8080/")
    assert not guard.allows("gopher://127.0.0.7:8080/")


def test_site_without_a_port_admits_80_and_443_and_hosts_their_own() -> None:
    guard = Guard([spec("http://127.0.0.7/", hosts=["127.0.0.9:8443"])])
    assert guard.allows("http://127.0.0.7/") and guard.allows("https://127.0.0.7/")
    assert not guard.allows("http://127.0.0.7:8080/")
    assert guard.allows("https://127.0.0.9:8443/") and not guard.allows("http://127.0.0.9/")


def test_trusted_networks_admit_every_port() -> None:
    guard = Guard([], ["127.0.0.0/8", "fd00::/8"])
    assert guard.allows("http://127.0.0.200:6379/")
    assert guard.check("fd00::5", 22)
    assert not guard.check("10.0.0.1", 80)


# -- the crawl and the verifier -----------------------------------------------------------
@pytest.fixture(scope="module")
def crawled(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    """A site on 127.0.0.a:P; a second server on the SAME address, port Q (not registered);
    an unregistered server on 127.0.0.b. Every way a page or a robots.txt can point at Q
    or at b is on the site."""
    site = serve_module({})
    same_addr = SiteServer(site.host, {"/": Route(html("同一地址的其他端口")),
                                       "/robots.txt": Route("User-agent: *\nAllow: /\n")}).start()
    other = serve_module({"/": Route(html("未注册的内网地址")),
                          "/robots.txt": Route("User-agent: *\nAllow: /\n")})
    # an external site the operator trusts: its robots.txt redirects into the network
    ext = serve_module({"/page.html": Route(html("外部页面")),
                        "/robots.txt": Route(status=302,
                                             headers={"Location": other.url("/robots.txt")})})
    q, b = same_addr.url("/"), other.url("/")
    ext.routes["/jump"] = Route(status=302, headers={"Location": q + "jumped"})
    n = int(site.host.rsplit(".", 1)[1]) + 256 * int(site.host.split(".")[2])
    decimal = f"http://{2130706432 + n}:{same_addr.port}/decimal"
    mapped = f"http://[::ffff:{site.host}]:{same_addr.port}/mapped"
    site.routes.update({
        "/": Route(html("监测网站", ["/ok.html", "/to-port", "/to-other", "/refresh.html",
                                       q + "link", b + "link", decimal, mapped,
                                       ext.url("/page.html"), ext.url("/jump")])),
        "/ok.html": Route(html("正常")),
        "/to-port": Route(status=302, headers={"Location": q + "redirected"}),
        "/to-other": Route(status=301, headers={"Location": b + "redirected"}),
        "/refresh.html": Route(f'<html><head><meta http-equiv="refresh" content="0;url={q}'
                               f'refreshed"><title>跳转</title></head><body></body></html>'),
        "/robots.txt": Route(status=301, headers={"Location": q + "robots.txt"}),
    })
    monitored = spec(site.url("/"))
    done = run_crawl([monitored], tmp_path_factory.mktemp("guard") / "g.db",
                     trusted=[f"{ext.host}/32"])
    yield done, site, same_addr, other, ext
    same_addr.stop()


def test_crawl_fetches_the_sites_own_port(crawled) -> None:  # noqa: ANN001
    done, site, *_ = crawled
    pages = done.pages()
    assert pages[site.url("/")].status == 200 and pages[site.url("/ok.html")].status == 200
    assert done.result.sites[0]["status"] == "complete"


def test_nothing_reaches_another_port_or_an_unregistered_address(crawled) -> None:  # noqa: ANN001
    done, site, same_addr, other, ext = crawled
    assert same_addr.requests == [], same_addr.requests
    assert other.requests == [], other.requests
    assert sorted(ext.requests) == [("GET", "/jump"), ("GET", "/page.html"),
                                    ("GET", "/robots.txt")]


def test_redirects_and_meta_refresh_to_other_ports_are_refused(crawled) -> None:  # noqa: ANN001
    done, site, same_addr, other, _ = crawled
    pages = done.pages()
    # the crawl follows a meta refresh as it follows a redirect
    for path in ("/to-port", "/to-other", "/refresh.html"):
        assert (pages[site.url(path)].status, pages[site.url(path)].error) == (0, "private")


def test_links_to_other_ports_in_any_spelling_are_skipped(crawled) -> None:  # noqa: ANN001
    done, site, same_addr, other, ext = crawled
    checks = done.checks()
    refused = [t for t, c in checks.items() if c.error_class == "private"]
    for target in (same_addr.url("/link"), other.url("/link")):
        assert (checks[target].outcome, checks[target].error_class) == ("skipped", "private")
    assert any("/decimal" in t for t in refused) and any("/mapped" in t for t in refused)
    assert checks[ext.url("/page.html")].outcome == "ok"
    # a verified link whose redirect leads to the site's other port
    assert (checks[ext.url("/jump")].outcome, checks[ext.url("/jump")].error_class) == (
        "skipped", "private")


# -- DNS rebinding ---------------------------------------------------------------------------
# A name that resolves to a public address when a request is planned (netguard.resolve,
# Guard(): getaddrinfo without a port) and to a private one when the connection is made
# (the connector's resolver: getaddrinfo with the port). Installed as sitecustomize, so the
# crawl's worker processes get it too.
FAKE_DNS = textwrap.dedent("""
    import os, socket
    _real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kw):
        _name, _private = os.environ["GOVMON_TEST_REBIND"].split("=")
        if host == _name:
            flags = kw.get("flags", args[3] if len(args) > 3 else 0)
            if flags & socket.AI_NUMERICHOST:  # a name is not a numeric address
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            ip = "93.184.216.34" if port is None else _private
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))]
        return _real(host, port, *args, **kw)

    if os.environ.get("GOVMON_TEST_REBIND"):
        socket.getaddrinfo = getaddrinfo
""")


@pytest.fixture
def rebinding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve):  # noqa: ANN001, ANN201
    """(name, the private server the name rebinds to, env for subprocesses)."""
    target = serve({"/": Route(html("内网服务")), "/robots.txt": Route("")})
    name = "rebind.example"
    (tmp_path / "sitecustomize.py").write_text(FAKE_DNS, encoding="utf-8")
    env = {**os.environ, "GOVMON_TEST_REBIND": f"{name}={target.host}",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).parent.parent),
                                          os.environ.get("PYTHONPATH", "")])}
    namespace: dict = {}
    exec(compile(FAKE_DNS, "fake_dns", "exec"), namespace)  # noqa: S102 - this process too
    monkeypatch.setenv("GOVMON_TEST_REBIND", f"{name}={target.host}")
    monkeypatch.setattr(socket, "getaddrinfo", namespace["getaddrinfo"])
    from crawler import netguard

    netguard.resolve.cache_clear()
    yield name, target, env
    netguard.resolve.cache_clear()


def test_rebinding_refused_by_the_resolver(rebinding) -> None:  # noqa: ANN001
    name, target, _ = rebinding
    url = f"http://{name}:{target.port}/"
    guard = Guard([spec(url)])  # registered while the name looked public
    assert guard.allows(url)  # the planning answer is public

    async def fetch() -> None:
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard))
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.get(url) as resp:
                await resp.read()

    with pytest.raises(AddressRefused, match=target.host):
        asyncio.run(fetch())
    assert target.requests == []


def test_rebinding_refused_by_the_probe(rebinding) -> None:  # noqa: ANN001
    name, target, _ = rebinding
    site = spec(f"http://{name}:{target.port}/")
    result = probe_all([site], 5.0, "govmon-test", Guard([site]))[0]
    assert (result.ok, result.error) == (False, "private")
    assert target.requests == []


CRAWL = """
import json, sys
from crawler.runner import Crawl
from settings.config import Settings
from settings.registry import Registry, SiteSpec
args = json.loads(sys.argv[1])
reg = Registry(sites=[SiteSpec(**s) for s in args["sites"]], trusted_networks=[])
res = Crawl(reg, Settings(workers=1, timeout=3.0, retries=0, recheck_delay=0.1),
            args["db"]).run()
print(json.dumps({"status": res.status}))
"""


def test_rebinding_refused_in_the_crawl(rebinding, tmp_path: Path) -> None:  # noqa: ANN001
    """The crawl's worker plans with the public answer (its middleware lets the request
    through); its download handler connects through the guard and is refused."""
    name, target, env = rebinding
    site = {"code": "5101000001", "name": "改绑的网站", "url": f"http://{name}:{target.port}/",
            "kind": "portal"}
    db = f"sqlite:///{tmp_path / 'rebind.db'}"
    proc = subprocess.run([sys.executable, "-c", CRAWL, json.dumps({"sites": [site],
                                                                    "db": db})],
                          capture_output=True, text=True, timeout=120, env=env,
                          cwd=Path(__file__).parent.parent)
    assert proc.returncode == 0, proc.stderr
    with open_store(db, upgrade=False)() as s:
        home = s.scalars(select(Page).where(Page.url == site["url"])).one()
    assert (home.status, home.error) == (0, "private")
    assert target.requests == []


# -- IPv6 loopback ------------------------------------------------------------------------
def _ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


def _v6_server(pages: dict[str, str], seen: list[str]) -> _V6Server:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            body = pages.get(self.path, "").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

    srv = _V6Server(("::1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.mark.skipif(not _ipv6_available(), reason="no IPv6 loopback (::1) on this machine")
def test_ipv6_loopback_site_and_another_port(tmp_path: Path) -> None:
    other_seen: list[str] = []
    other = _v6_server({"/": html("另一个端口")}, other_seen)
    q = f"http://[::1]:{other.server_address[1]}/"
    site_seen: list[str] = []
    v4 = next_address()
    site = _v6_server({"/": html("IPv6 网站", ["/a.html", q + "x",
                                                f"http://[::ffff:{v4}]:{other.server_address[1]}/"]),
                       "/a.html": html("页面")}, site_seen)
    try:
        home = f"http://[::1]:{site.server_address[1]}/"
        done = run_crawl([spec(home)], tmp_path / "v6.db")
        pages = done.pages()
        assert pages[home].status == 200 and pages[home + "a.html"].status == 200
        assert done.checks()[q + "x"].error_class == "private"
        assert other_seen == []
    finally:
        other.shutdown()
        site.shutdown()
