"""Link verification during the crawl (crawler/crawltime.py, ``verify_during_crawl``), end to
end on loopback servers:
images and attachments are verified by the crawl worker while it crawls, within the
per-address limit it shares with the crawl; what belongs to another worker's servers is
left to the verification phase; every target still gets exactly one check."""

from __future__ import annotations

import pytest

from govmon.demo.server import Route
from tests.conftest import html, spec

PAGES = 6
IMAGES = 4


def _site_routes(tag: str, extra: list[str] = ()) -> dict[str, Route]:  # noqa: B006
    """A homepage and PAGES slow pages, each with IMAGES slow images and an attachment."""
    routes = {"/": Route(html(f"{tag}首页", [f"/p{i}.html" for i in range(PAGES)]
                               + list(extra)))}
    for i in range(PAGES):
        imgs = "".join(f'<img src="/img/{i}-{k}.jpg" alt="图{k}">' for k in range(IMAGES))
        routes[f"/p{i}.html"] = Route(html(f"{tag}页面{i}", [f"/files/{i}.pdf"], body=imgs),
                                      delay=0.1)
        routes[f"/files/{i}.pdf"] = Route(b"%PDF-1.4", content_type="application/pdf")
        for k in range(IMAGES):
            routes[f"/img/{i}-{k}.jpg"] = Route(b"JPG", content_type="image/jpeg", delay=0.05)
    return routes


def test_verified_while_crawling_within_per_address_limit(serve, crawl) -> None:  # noqa: ANN001
    ext = serve({"/logo.png": Route(b"PNG", content_type="image/png")})
    routes = _site_routes("甲")
    # 503 to the HEAD and to the GET that follows it: a transient failure
    routes["/img/0-0.jpg"] = Route(b"JPG", content_type="image/jpeg",
                                   before=[(503, {}), (503, {})])
    srv = serve(routes)
    site = spec(srv.url("/"))
    srv.routes["/"] = Route(html("甲首页", [f"/p{i}.html" for i in range(PAGES)],
                                 body=f'<img src="{ext.url("/logo.png")}">'))
    done = crawl([site], trusted=[f"{ext.host}/32"], per_ip_concurrency=2, recheck_delay=0.3,
                 verify_during_crawl=True)
    checks = done.checks()
    images = [srv.url(f"/img/{i}-{k}.jpg") for i in range(PAGES) for k in range(IMAGES)]
    files = [srv.url(f"/files/{i}.pdf") for i in range(PAGES)]
    for target in [*images, *files, ext.url("/logo.png")]:
        assert (checks[target].outcome, checks[target].method) == ("ok", "HEAD"), target
    # Nothing was left for a verification phase after the crawl.
    assert done.result.verified_after == 0
    # Crawl and verification together never exceeded the per-address limit, and they
    # did run side by side (otherwise the limit would prove nothing).
    assert srv.max_in_flight == 2
    assert all(srv.hits(p, "HEAD") == 1 for p in
               [f"/img/{i}-{k}.jpg" for i in range(1, PAGES) for k in range(IMAGES)])
    # A 503 during the crawl is tried again after the recheck delay, not reported.
    flaky = checks[srv.url("/img/0-0.jpg")]
    assert (flaky.outcome, flaky.status, flaky.attempts) == ("ok", 200, 2)
    arrivals = sorted(a for m, p, a, d in srv.timeline if p == "/img/0-0.jpg")
    assert len(arrivals) == 3 and arrivals[2] - arrivals[1] >= 0.3  # HEAD, GET; HEAD
    assert ext.hits("/logo.png") == 1


def test_other_workers_servers_left_to_the_verify_phase(serve, crawl) -> None:  # noqa: ANN001
    """Two sites on two addresses, one worker each; each shows an image of the other's
    server and both show one external image. Each worker verifies only on its own
    server (and the external address hashed to it): the two cross-server images are
    verified after the crawl; every target is checked exactly once."""
    ext = serve({"/logo.png": Route(b"PNG", content_type="image/png")})
    a, b = serve(_site_routes("甲")), serve(_site_routes("乙"))
    for me, other in ((a, b), (b, a)):  # the banner is linked from the other site only
        me.routes["/banner.png"] = Route(b"PNG", content_type="image/png")
        me.routes["/"] = Route(html("首页", [f"/p{i}.html" for i in range(PAGES)], body=(
            f'<img src="{other.url("/banner.png")}"><img src="{ext.url("/logo.png")}">')))
    done = crawl([spec(a.url("/")), spec(b.url("/"))], trusted=[f"{ext.host}/32"], workers=2,
                 verify_during_crawl=True)
    assert done.result.verified_after == 2
    targets = {link.target for link in done.links()}
    assert targets == set(done.checks())
    assert ext.hits("/logo.png") == 1
    assert a.hits("/banner.png", "HEAD") == 1 and b.hits("/banner.png", "HEAD") == 1


@pytest.mark.parametrize("here_max", [2000, 0], ids=["in-process", "worker-processes"])
def test_download_delay_means_verify_after_the_crawl(serve, crawl, monkeypatch,  # noqa: ANN001
                                                     here_max: int) -> None:
    """Borrowed places cannot keep a per-address delay: with one, nothing is verified
    during the crawl. The leftovers are verified in the crawl command's process when they
    are few, else in worker processes: both paths give the same checks."""
    monkeypatch.setattr("crawler.runner.VERIFY_HERE_MAX", here_max)
    routes = _site_routes("丙")
    routes["/files/0.pdf"] = Route(status=404)
    srv = serve(routes)
    done = crawl([spec(srv.url("/"))], delay=0.01, verify_during_crawl=True)
    assert done.result.verified_after == PAGES * (IMAGES + 1)
    checks = done.checks()
    assert checks.pop(srv.url("/files/0.pdf")).outcome == "broken"
    assert all(c.outcome == "ok" for c in checks.values())
    rs = done.run_site(done.result.sites[0]["code"])
    assert rs.links_verified == len(done.checks())  # counted for the summary either way
