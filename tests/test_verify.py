"""End-to-end link verification: a monitored site links to a zoo of misbehaving targets on
real loopback servers; one crawl (crawl phase + crawler/verifier.py) checks them all."""

from __future__ import annotations

import threading
import time

import pytest

from govmon.demo.server import Route
from tests.conftest import Crawled, dead_url, html, run_crawl, spec

TIMEOUT = 1.5


class SlowOnce:
    """The first request stalls past the download timeout; later ones answer at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[float] = []  # the server timeline only has answered requests

    def __call__(self, method: str, path: str) -> Route | None:  # noqa: ARG002
        if path != "/slow-once.html":
            return None
        with self.lock:
            self.arrivals.append(time.monotonic())
            first = len(self.arrivals) == 1
        return Route(html("慢一次"), delay=TIMEOUT + 0.6 if first else 0.0)


def _external_routes(private_url: str) -> dict[str, Route]:
    return {
        "/ok.html": Route(html("外部页面", ["/ok-child.html"])),
        "/ok-child.html": Route(html("不应访问")),
        "/file.pdf": Route(b"%PDF-1.4", content_type="application/pdf"),
        "/head405.pdf": Route(b"%PDF-1.4", content_type="application/pdf", head_status=405),
        "/head501.doc": Route(b"DOC", content_type="application/msword", head_status=501),
        "/head403.xls": Route(b"XLS", content_type="application/vnd.ms-excel", head_status=403),
        "/r1.html": Route(status=301, headers={"Location": "/r2.html"}),
        "/r2.html": Route(status=302, headers={"Location": "/final.html"}),
        "/final.html": Route(html("跳转终点")),
        "/busy.html": Route(html("限流"), before=[(429, {"Retry-After": "1"})]),
        "/loop.html": Route(status=302, headers={"Location": "/loop.html"}),
        "/gone.html": Route(html("404 Not Found"), status=404),
        "/soft.html": Route(html("提示", body="<p>对不起，您访问的页面不存在！</p>")),
        "/firewall.html": Route("<html><body>访问被拒绝 (WAF)</body></html>", status=403),
        "/flaky.html": Route(html("偶尔出错"), before=[(500, {})]),
        "/to-private.html": Route(status=302, headers={"Location": private_url}),
        # a parked domain typically forwards by <meta refresh>, not by an HTTP redirect
        "/parked.html": Route('<html><head><meta http-equiv="refresh" '
                              'content="0;url=/landing.html"><title>跳转中</title></head>'
                              '<body></body></html>'),
        "/landing.html": Route(html("娱乐城 在线投注")),
        # 3 MB of HTML behind a refused HEAD: only what is needed is read, and it is ok
        "/huge.html": Route(html("大页面", body="<p>政务公开</p>" * 200_000), head_status=405),
        "/robots.txt": Route("User-agent: *\nDisallow: /private/\n",
                             content_type="text/plain"),
        "/private/page.html": Route(html("不允许抓取")),
    }


@pytest.fixture(scope="module")
def verified(serve_module, tmp_path_factory) -> Crawled:  # noqa: ANN001
    private = serve_module({"/secret.html": Route(html("内网")),
                            "/secret2.html": Route(html("内网"))})
    slow_once = SlowOnce()
    ext = serve_module(dynamic=slow_once)
    ext.routes.update(_external_routes(private.url("/secret2.html")))
    refused = dead_url(ext.host)  # a trusted address where nothing listens
    targets = [ext.url(p) for p in (
        "/ok.html", "/file.pdf", "/head405.pdf", "/head501.doc", "/head403.xls", "/r1.html",
        "/busy.html", "/loop.html", "/gone.html", "/soft.html", "/firewall.html",
        "/flaky.html", "/slow-once.html", "/to-private.html", "/parked.html", "/huge.html",
        "/private/page.html")]
    targets += ["http://nowhere.invalid/", refused, private.url("/secret.html")]
    site = serve_module({
        "/": Route(html("监测网站", ["/p1.html", "/p2.html", "/soft404.html",
                                      "/files/report.pdf", *targets])),
        "/p1.html": Route(html("页面一", [ext.url("/ok.html"), "/p2.html"])),
        "/p2.html": Route(html("页面二", [ext.url("/ok.html"), ext.url("/file.pdf")])),
        "/soft404.html": Route(html("提示", body="<p>页面不存在</p>")),
        "/files/report.pdf": Route(b"%PDF-1.4", content_type="application/pdf",
                                   head_status=405),
    })
    monitored = spec(site.url("/"), name="监测网站")
    # Only the external server is trusted: the monitored site's own address is allowed
    # because the registry places a site there; the "private" server is neither.
    crawled = run_crawl([monitored], tmp_path_factory.mktemp("verify") / "v.db",
                        trusted=[f"{ext.host}/32"], timeout=TIMEOUT)
    crawled.srv.update(site=site, ext=ext, private=private)
    crawled.info.update(refused=refused, code=monitored.code, slow_once=slow_once)
    return crawled


def _check(v: Crawled, url: str):  # noqa: ANN202
    checks = v.checks()
    assert url in checks, f"no LinkCheck for {url}"
    return checks[url]


def test_each_target_verified_once(verified: Crawled) -> None:
    ext = verified.srv["ext"]
    ok = ext.url("/ok.html")
    assert sum(1 for link in verified.links() if link.target == ok) == 3
    assert ext.hits("/ok.html") == 1
    assert ext.hits("/file.pdf") == 1
    assert _check(verified, ok).outcome == "ok"
    # Every distinct target of the run has exactly one check (UNIQUE(run, target)).
    assert {link.target for link in verified.links()} == set(verified.checks())


def test_external_pages_verified_never_crawled(verified: Crawled) -> None:
    ext = verified.srv["ext"]
    assert ext.hits("/ok-child.html") == 0
    assert not verified.pages(None).keys() & {ext.url("/ok.html")}
    assert all(u.startswith(verified.srv["site"].base) for u in verified.pages())


@pytest.mark.parametrize("path", ["/head405.pdf", "/head501.doc", "/head403.xls"])
def test_head_refused_then_get(verified: Crawled, path: str) -> None:
    ext = verified.srv["ext"]
    check = _check(verified, ext.url(path))
    assert (check.outcome, check.status, check.method) == ("ok", 200, "GET")
    assert [m for m, p in ext.requests if p == path] == ["HEAD", "GET"]


def test_plain_attachment_head_only(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/file.pdf"))
    assert (check.outcome, check.method, check.status) == ("ok", "HEAD", 200)
    assert check.content_type == "application/pdf"


def test_internal_attachment_head_refused(verified: Crawled) -> None:
    site = verified.srv["site"]
    check = _check(verified, site.url("/files/report.pdf"))
    assert (check.outcome, check.method) == ("ok", "GET")
    # the verifier's HEAD and GET, then the attachment fetcher's GET (crawler/attachments.py:
    # a readable attachment on the site's own host)
    assert [m for m, p in site.requests if p == "/files/report.pdf"] == ["HEAD", "GET", "GET"]


def test_redirect_chain_recorded(verified: Crawled) -> None:
    ext = verified.srv["ext"]
    check = _check(verified, ext.url("/r1.html"))
    assert (check.outcome, check.status) == ("ok", 200)
    assert check.redirects == [{"url": ext.url("/r1.html"), "status": 301},
                               {"url": ext.url("/r2.html"), "status": 302}]
    assert check.final_url == ext.url("/final.html")


def test_429_retry_after_then_ok(verified: Crawled) -> None:
    ext = verified.srv["ext"]
    check = _check(verified, ext.url("/busy.html"))
    assert (check.outcome, check.status) == ("ok", 200)
    times = [(a, d) for m, p, a, d in ext.timeline if p == "/busy.html"]
    assert len(times) == 2 and times[1][0] - times[0][1] >= 0.95


def test_redirect_loop_broken(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/loop.html"))
    assert (check.outcome, check.error_class) == ("broken", "redirect_loop")


def test_404_broken(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/gone.html"))
    assert (check.outcome, check.status, check.error_class) == ("broken", 404, "http")


def test_soft404_broken(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/soft.html"))
    assert (check.outcome, check.status, check.error_class) == ("broken", 200, "soft404")
    # An internal page saying 页面不存在 is judged from the crawl itself.
    internal = _check(verified, verified.srv["site"].url("/soft404.html"))
    assert (internal.outcome, internal.error_class, internal.method) == (
        "broken", "soft404", "crawl")


def test_firewall_403_blocked_not_broken(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/firewall.html"))
    assert (check.outcome, check.status) == ("blocked", 403)


@pytest.mark.parametrize("path", ["/flaky.html", "/slow-once.html"])
def test_transient_failure_rechecked_later(verified: Crawled, path: str) -> None:
    ext = verified.srv["ext"]
    check = _check(verified, ext.url(path))
    assert (check.outcome, check.status, check.attempts) == ("ok", 200, 2)
    if path == "/slow-once.html":
        arrivals = verified.info["slow_once"].arrivals
    else:
        arrivals = sorted(a for m, p, a, d in ext.timeline if p == path)
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.3  # the re-check waited for recheck_delay


def test_dns_failure(verified: Crawled) -> None:
    check = _check(verified, "http://nowhere.invalid/")
    assert (check.outcome, check.error_class) == ("broken", "dns")


def test_connection_refused(verified: Crawled) -> None:
    check = _check(verified, verified.info["refused"])
    assert (check.outcome, check.error_class, check.attempts) == ("broken", "refused", 2)


def test_private_targets_not_fetched(verified: Crawled) -> None:
    private = verified.srv["private"]
    check = _check(verified, private.url("/secret.html"))
    assert (check.outcome, check.error_class) == ("skipped", "private")
    redirected = _check(verified, verified.srv["ext"].url("/to-private.html"))
    assert (redirected.outcome, redirected.error_class) == ("skipped", "private")
    assert private.requests == []
    # The monitored site on an untrusted loopback address was crawled all the same.
    rs = verified.run_site(verified.info["code"])
    assert (rs.status, rs.complete, rs.pages) == ("complete", True, 4)


def test_verification_parallel_within_per_address_limit(verified: Crawled) -> None:
    """Targets on one server are checked in parallel, but never more than
    per_ip_concurrency (4 by default) at once; this also shows the server's in-flight
    counter, on which the politeness tests rely, does see overlap."""
    assert 2 <= verified.srv["ext"].max_in_flight <= 4


def test_meta_refresh_followed_and_recorded(verified: Crawled) -> None:
    """What the hijack rule needs: where a meta refresh lands, and that page's title."""
    ext = verified.srv["ext"]
    check = _check(verified, ext.url("/parked.html"))
    assert (check.outcome, check.status) == ("ok", 200)
    assert check.redirects == [{"url": ext.url("/parked.html"), "status": "meta refresh"}]
    assert check.final_url == ext.url("/landing.html")
    assert "娱乐城" in (check.title or "")


def test_huge_page_not_read_whole(verified: Crawled) -> None:
    check = _check(verified, verified.srv["ext"].url("/huge.html"))
    assert (check.outcome, check.status, check.method) == ("ok", 200, "GET")


def test_robots_disallowed_target_skipped_not_fetched(verified: Crawled) -> None:
    ext = verified.srv["ext"]
    check = _check(verified, ext.url("/private/page.html"))
    assert (check.outcome, check.error_class) == ("skipped", "robots")
    assert ext.hits("/private/page.html") == 0
    assert ext.hits("/robots.txt") == 1  # once per run for the origin


@pytest.mark.parametrize("here_max", [2000, 0], ids=["in-process", "worker-processes"])
def test_few_or_many_leftovers_verified_alike(serve, crawl, monkeypatch,  # noqa: ANN001
                                              here_max: int) -> None:
    """Targets the crawl did not fetch are verified in the crawl command's own process when
    they are few, else in worker processes: both paths give the same checks, and the
    summary counts them either way."""
    monkeypatch.setattr("crawler.runner.VERIFY_HERE_MAX", here_max)
    pages = [f"/p{i}.html" for i in range(4)]
    routes = {"/": Route(html("首页", pages))}
    for i, path in enumerate(pages):
        routes[path] = Route(html(f"页面{i}", [f"/files/{i}.pdf"],
                                  body=f'<img src="/img/{i}.jpg" alt="图">'))
        routes[f"/files/{i}.pdf"] = Route(b"%PDF-1.4", content_type="application/pdf")
        routes[f"/img/{i}.jpg"] = Route(b"JPG", content_type="image/jpeg")
    routes["/files/0.pdf"] = Route(status=404)
    srv = serve(routes)
    done = crawl([spec(srv.url("/"))])
    assert done.result.verified_after == 2 * len(pages)  # the images and attachments
    checks = done.checks()
    assert checks.pop(srv.url("/files/0.pdf")).outcome == "broken"
    assert all(c.outcome == "ok" for c in checks.values())
    rs = done.run_site(done.result.sites[0]["code"])
    assert rs.links_verified == len(done.checks())
