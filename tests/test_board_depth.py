"""A list paged by plain next-page links is read to its end within the depth budget."""

from conftest import html, spec

from govmon.demo.server import Route


def test_forty_page_board_is_read_at_its_own_depth(serve, crawl):
    pages = 40
    routes = {"/": Route(html("首页", ["/hdjl/zwzx/index.html?pageIndex=1"]))}
    for n in range(1, pages + 1):
        nxt = [f"/hdjl/zwzx/index.html?pageIndex={n + 1}"] if n < pages else []
        routes[f"/hdjl/zwzx/index.html?pageIndex={n}"] = Route(
            html(f"政务咨询 第{n}页", [f"/hdjl/zwzx/d{n}.html"] + nxt))
        routes[f"/hdjl/zwzx/d{n}.html"] = Route(html(f"留言 {n}"))
    site = serve(routes)
    done = crawl([spec(site.url("/"))], max_depth=3)
    fetched = done.pages()
    last = site.url(f"/hdjl/zwzx/index.html?pageIndex={pages}")
    assert last in fetched and fetched[last].depth == 1
    assert site.url(f"/hdjl/zwzx/d{pages}.html") in fetched  # the last page's message too


def test_registry_mailbox_hint_is_crawled_though_no_page_links_it(serve, crawl):
    site = serve({"/": Route(html("首页", ["/a.html"])), "/a.html": Route(html("A")),
                  "/hidden/xx.html": Route(html("书记信箱"))})
    outside = serve({"/x.html": Route(html("别处"))})
    done = crawl([spec(site.url("/"), hints={"mailbox": site.url("/hidden/xx.html")}),
                  spec(site.url("/unused/"), kind="department",
                       hints={"mailbox": outside.url("/x.html")})])
    assert site.url("/hidden/xx.html") in done.pages()
    assert outside.url("/x.html") not in done.pages()  # a hint never leaves the site's scope
    assert outside.requests == []
