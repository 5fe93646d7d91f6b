"""robots.txt holds for every request waiting on it, not just the first (crawler/robots.py).

Scrapy 2.19 lets concurrent waiters on one robots.txt download through unchecked; the
link verifier starts many requests per host at once, so that is where it showed.
"""

from __future__ import annotations

from conftest import html, spec

from govmon.demo.server import Route


def test_disallowed_targets_never_requested_even_when_many_wait_for_robots(serve, crawl):
    links = [f"/private/p{i}.html" for i in range(25)] + [f"/pub/p{i}.html" for i in range(25)]
    routes = {
        "/": Route(html("首页", links)),
        # slow robots.txt: every verifier request of the host queues behind it
        "/robots.txt": Route("User-agent: *\nDisallow: /private/\n",
                             content_type="text/plain", delay=0.5),
    }
    for path in links:
        routes[path] = Route(html("页面"))
    site = serve(routes)
    done = crawl([spec(site.url("/"))], trusted=[])

    private_hits = [p for _, p in site.requests if p.startswith("/private/")]
    assert private_hits == []
    checks = done.checks()
    assert {checks[site.url(p)].outcome for p in links if p.startswith("/private/")} == {
        "skipped"}
    assert {checks[site.url(p)].outcome for p in links if p.startswith("/pub/")} == {"ok"}


def test_every_start_request_waiting_for_robots_is_checked(serve, crawl):
    """The crawl's side (crawler/robots.py): six department sites on one server start at
    once, so five start requests wait for the one robots.txt download. Scrapy's own
    middleware gives the parser to the first waiter only: the later ones went out
    unchecked, and at least one of the three disallowed homepages with them."""
    prefixes = ["a", "b", "c", "d", "e", "f"]
    routes = {"/robots.txt": Route("User-agent: *\nDisallow: /d/\nDisallow: /e/\n"
                                   "Disallow: /f/\n", content_type="text/plain", delay=0.5)}
    for p in prefixes:
        routes[f"/{p}/"] = Route(html(f"{p}部门"))
    srv = serve(routes)
    sites = {p: spec(srv.url(f"/{p}/"), name=f"{p}部门") for p in prefixes}
    done = crawl(list(sites.values()), trusted=[])

    assert [path for _, path in srv.requests if path.startswith(("/d/", "/e/", "/f/"))] == []
    assert srv.hits("/robots.txt") == 1
    for p, site in sites.items():
        assert done.run_site(site.code).robots_disallowed == (p in "def"), p
