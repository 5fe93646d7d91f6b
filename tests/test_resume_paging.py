"""A resumed crawl keeps the list pages that only CMS script paging announced.

Script-paging pages (TRS ``createPageHTML``, Hanweb ``dataproxy.jsp``) are never stored
as links: a crawl interrupted after a list page was fetched but before its later pages
were must find them again in the stored snapshots when it resumes. One real crawl of a
TRS and a Hanweb site is interrupted (SIGTERM, as ``kill`` would) at a moment fixed by
the servers: while each site's first paging request is held. The resumed crawl must then
fetch every list page and every item, each exactly once over both runs. A second test
reads the resumed frontier straight from a hand-built store (depths, flags, encodings,
scope).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import zlib
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from crawler.runner import Crawl
from govmon.demo.server import Route
from settings.config import Settings
from settings.registry import Registry
from store.models import Link, Page, Site, Snapshot
from tests.columns_sites import PROXY, Art, Sample, ago, hw_doc, hw_record, title_of, trs_column
from tests.conftest import run_crawl, spec

PAGES = 4  # list pages per column
PER_PAGE = 3


class Gate:
    """Holds the first script-paging request of each site until every site has sent one,
    then interrupts the crawl (SIGTERM to this process, whose ``Crawl`` handles it) and
    answers the held requests once the workers have been told to stop."""

    def __init__(self, sites: int) -> None:
        self.sites = sites
        self.arrived: set[str] = set()
        self.fired = threading.Event()
        self.lock = threading.Lock()

    def pass_(self, site: str) -> None:
        with self.lock:
            if self.fired.is_set():
                return
            self.arrived.add(site)
            ready = len(self.arrived) == self.sites
            if ready:
                self.fired.set()
        if ready:
            os.kill(os.getpid(), signal.SIGTERM)
        elif not self.fired.wait(8):  # below the download timeout
            return  # the other site never got there: the precondition check says so
        time.sleep(0.5)  # let the graceful stop reach the worker before answering


def html_page(title: str, body: str) -> str:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"


def trs_sample(gate: Gate) -> tuple[Sample, dict[str, list[str]]]:
    """Home → one TRS column whose pages 2-4 only ``createPageHTML`` announces."""
    s = Sample()
    days = [ago(1) - timedelta(days=d) for d in range(PAGES * PER_PAGE)]
    arts = trs_column(s, "/c0/", "工作动态", days, per_page=PER_PAGE,
                      crumbs=[("工作动态", "/c0/")], nav=[])
    s.routes["/"] = Route(html_page("首页", '<a href="/c0/">工作动态</a>'))
    paging = [f"/c0/index_{k}.html" for k in range(1, PAGES)]
    held = {p: s.routes.pop(p) for p in paging}

    def dynamic(method: str, raw: str) -> Route | None:  # noqa: ARG001
        route = held.get(urlsplit(raw).path)
        if route is not None:
            gate.pass_("trs")
        return route

    s.dynamic = dynamic
    # later pages announce the first one by its file name, another URL of the column
    return s, {"lists": ["/c0/", "/c0/index.html"], "paging": paging, "items": [a.path for a in arts]}


def hanweb_sample(gate: Gate) -> tuple[Sample, dict[str, list[str]]]:
    """Home → one Hanweb column: the first rows in a ``<datastore>``, pages 1-4 from
    ``dataproxy.jsp?page=N`` (announced by the datastore's ``nextgroup`` only)."""
    s = Sample()
    cid = 11
    arts = []
    for i in range(PAGES * PER_PAGE):
        d = ago(i + 1)
        a = Art(title_of("动态", i), d, f"/art/{d.year}/{d.month}/{d.day}/art_{cid}_{i}.html", "")
        a.href = a.path
        s.routes[a.path] = Route(hw_doc(a.title, f"<h1>{a.title}</h1>", None, a, bare=True))
        arts.append(a)
    total = (f"<totalrecord>{len(arts)}</totalrecord><totalpage>{PAGES}</totalpage>")
    nxt = f"{PROXY}?page=1&amp;appid=1&amp;webid=1&amp;columnid={cid}"
    store = (f'<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{nxt}"></a>]]>'
             "</nextgroup><recordset>" + "".join(hw_record(a, "iso") for a in arts[:PER_PAGE])
             + f"</recordset>{total}</datastore></script>")
    column = f"/col/col{cid}/index.html"
    s.routes[column] = Route(hw_doc("动态", store, bare=True))
    s.routes["/"] = Route(hw_doc("首页", f'<a href="{column}">动态</a>', bare=True))

    def dynamic(method: str, raw: str) -> Route | None:  # noqa: ARG001
        parts = urlsplit(raw)
        if parts.path != PROXY:
            return None
        gate.pass_("hanweb")
        k = int(parse_qs(parts.query)["page"][0])
        rows = "".join(hw_record(a, "iso") for a in arts[(k - 1) * PER_PAGE:k * PER_PAGE])
        return Route(f'<?xml version="1.0" encoding="UTF-8"?><datastore>{total}<recordset>'
                     f"{rows}</recordset></datastore>", content_type="text/xml; charset=UTF-8")

    s.dynamic = dynamic
    paging = [f"{PROXY}?page={k}&appid=1&webid=1&columnid={cid}" for k in range(1, PAGES + 1)]
    return s, {"lists": [column], "paging": paging, "items": [a.path for a in arts]}


def test_resume_fetches_script_paging_pages_of_fetched_lists(serve, tmp_path) -> None:  # noqa: ANN001
    gate = Gate(sites=2)
    servers, sites, paths = {}, {}, {}
    for key, build in (("trs", trs_sample), ("hanweb", hanweb_sample)):
        sample, paths[key] = build(gate)
        servers[key] = serve(sample.routes, dynamic=sample.dynamic)
        sites[key] = spec(servers[key].url("/"), name=key)
    db = tmp_path / "resume.db"
    # One worker per site, one request at a time: while a site's paging request is held
    # nothing else of it is in flight or queued in the downloader (what the downloader
    # holds at the stop it finishes and stores), and neither site waits for the other.
    # max_depth 2: items of later list pages are only reachable if those pages keep the
    # list's depth; one query variant: dataproxy.jsp pages pass only as script paging.
    settings = {"trusted": ["127.0.0.0/8"], "workers": 2, "concurrency": 1,
                "per_ip_concurrency": 1, "timeout": 10.0, "max_depth": 2,
                "max_query_variants": 1}

    first = run_crawl(list(sites.values()), db, **settings)
    assert gate.fired.is_set() and first.result.status == "interrupted"
    for key, srv in servers.items():
        pages = first.pages(sites[key].code)
        # The list page was fetched and announced its later pages by script only; of those
        # only the held request got through before the stop.
        assert pages[srv.url(paths[key]["lists"][0])].status == 200
        unfetched = [p for p in paths[key]["paging"] if srv.url(p) not in pages]
        assert len(unfetched) == len(paths[key]["paging"]) - 1, (key, sorted(pages))
        assert not first.run_site(sites[key].code).complete

    resumed = run_crawl(list(sites.values()), db, resume=True, **settings)
    # The old resume said "complete" too, without the lists' later pages and their items.
    assert (resumed.result.run_id, resumed.result.status) == (first.result.run_id, "complete")
    missing, repeated, depths, counted = {}, {}, {}, {}
    for key, srv in servers.items():
        want = paths[key]
        every = ["/", *want["lists"], *want["paging"], *want["items"]]
        pages = resumed.pages(sites[key].code)
        missing[key] = [p for p in every
                        if srv.url(p) not in pages or pages[srv.url(p)].status != 200]
        hits = Counter(p for m, p in srv.requests if m == "GET")  # over both runs
        repeated[key] = {p: hits[p] for p in every if hits[p] != 1}
        # script paging keeps the column's depth: page 4 is not three levels deeper
        depths[key] = {pages[srv.url(p)].depth for p in want["paging"] if srv.url(p) in pages}
        rs = resumed.run_site(sites[key].code)
        # and none was cut by the trap guard on the way (script paging is exempt)
        counted[key] = (rs.status, rs.complete, rs.pages == len(every), rs.trap_pruned)
    assert missing == {"trs": [], "hanweb": []}
    assert counted == {"trs": ("complete", True, True, 0), "hanweb": ("complete", True, True, 0)}
    assert repeated == {"trs": {}, "hanweb": {}}
    assert depths == {"trs": {1}, "hanweb": {1}}


# -- the resumed frontier, read from a stored run ---------------------------------------
A = "http://a.example"
TRS_PAGER4 = '<script>createPageHTML(4, {cur}, "index", "html");</script>'


def test_frontier_of_stored_run_has_script_paging_with_list_depth(tmp_path) -> None:  # noqa: ANN001
    """What ``Crawl._resume_state`` makes of a stored run: script-paging pages of fetched
    in-scope pages at the list's depth, flagged; ``<a>`` pager siblings at the list's
    depth too; snapshots decoded with the page's encoding; pages moved out of the site's
    scope and stored scripts not read for paging."""
    site_a = spec(f"{A}/")
    site_b = spec("http://b.example/")
    crawl = Crawl(Registry(sites=[site_a, site_b], trusted_networks=[]), Settings(workers=1),
                  f"sqlite:///{tmp_path / 'frontier.db'}")
    run_id = crawl._new_run([site_a.code], {"sites": [site_a.code]})
    lst, lst2, board = f"{A}/list/", f"{A}/list/index_2.html", f"{A}/board/list.jsp?type=1"
    pages = [  # url, depth, body, encoding, content type, final url, <a> targets
        (f"{A}/", 0, '<a href="/list/">列表</a>', "utf-8", None, None, [lst]),
        (lst, 1, '<a href="a1.html">文章</a><a href="index_1.html">下一页</a>'
         + TRS_PAGER4.format(cur=0), "utf-8", None, None, [f"{A}/list/a1.html",
                                                           f"{A}/list/index_1.html"]),
        (lst2, 1, TRS_PAGER4.format(cur=2), "utf-8", None, None, []),
        (f"{A}/list/a0.html", 2, "<p>正文</p>", "utf-8", None, None, [lst]),
        # a GBK board whose later pages only a 尾页 link reveals
        (board, 2, '<a href="list.jsp?type=1&pageIndex=3">尾页</a>', "gbk", None, None,
         [f"{board}&pageIndex=3"]),
        # a plain next-page link, no script: a pager sibling keeps the list's depth too
        (f"{A}/q/list.jsp", 2, '<a href="list.jsp?page=2">下一页</a>', "utf-8", None, None,
         [f"{A}/q/list.jsp?page=2"]),
        # redirected to another site: its paging is that site's, not this crawl's
        (f"{A}/old/", 1, TRS_PAGER4.format(cur=0), "utf-8", None, "http://b.example/news/", []),
        # a stored footer script that happens to define the pager
        (f"{A}/js/pager.js", 2, TRS_PAGER4.format(cur=0), "utf-8",
         "application/javascript", None, []),
    ]
    with crawl.sessions.begin() as s:
        site_id = s.scalar(select(Site.id).where(Site.code == site_a.code))
        for url, depth, body, enc, ctype, final, links in pages:
            page = Page(run_id=run_id, site_id=site_id, url=url, final_url=final or url,
                        status=200, content_type=ctype or f"text/html; charset={enc}",
                        encoding=enc, depth=depth, fetched_at=datetime.now())
            s.add(page)
            s.flush()
            html_ = f"<html><head><title>页</title></head><body>{body}</body></html>"
            s.add(Snapshot(page_id=page.id, run_id=run_id,
                           body=zlib.compress(html_.encode(enc))))
            for target in links:
                s.add(Link(run_id=run_id, site_id=site_id, page_id=page.id, target=target,
                           tag="a", attr="href", kind="internal"))

    frontier = crawl._resume_state(run_id, [site_a.code])[site_a.code]["frontier"]
    by_url = {url: (depth, referrer, hidden) for url, depth, referrer, hidden in frontier}
    assert len(by_url) == len(frontier)  # each URL once
    assert set(by_url) == {f"{A}/list/index_1.html", f"{A}/list/index_3.html",
                           f"{A}/list/index.html", f"{A}/list/a1.html",
                           f"{board}&pageIndex=2", f"{board}&pageIndex=3",
                           f"{A}/q/list.jsp?page=2"}
    assert by_url[f"{A}/q/list.jsp?page=2"] == (2, f"{A}/q/list.jsp", False)
    # page 2 (fetched) announces the first page by its file name, page 1 announces page 4
    assert by_url[f"{A}/list/index.html"] == (1, lst2, True)
    assert by_url[f"{A}/list/index_3.html"][::2] == (1, True)
    # also an <a> pager link: the list's depth either way, flagged as script paging
    assert by_url[f"{A}/list/index_1.html"][::2] == (1, True)
    assert by_url[f"{A}/list/a1.html"] == (2, lst, False)
    # the GBK 尾页 read with the page's encoding; the list's depth, not one deeper
    assert by_url[f"{board}&pageIndex=2"] == (2, board, True)
    assert by_url[f"{board}&pageIndex=3"] == (2, board, True)
    assert [d for _, d, _, _ in frontier] == sorted(d for _, d, _, _ in frontier)
