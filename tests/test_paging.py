"""Hidden CMS paging (crawler/paging.py): the forms of cms-patterns.md, then a real crawl.

The crawl checks what the spider hook promises: script-announced list pages are fetched at
the column page's depth (a ``max_depth`` of 1 still reaches page 3 of a column), Hanweb
``dataproxy.jsp`` pages are not cut by the query-variant trap guard, a budget reaches the
first page of every column, and an incomplete crawl skips the site-wide column counts.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from checks import columns, columns_counts
from checks.runner import run_checks
from crawler.paging import discover
from govmon.demo.server import Route
from store.models import CheckRun, Column, Finding, Link, Run
from tests.columns_sites import (
    PROXY,
    Art,
    Sample,
    ago,
    hw_doc,
    hw_record,
    title_of,
    trs_column,
    trs_doc,
)
from tests.conftest import spec

BASE = "http://h.example/xxgk/tzgg/index.html"


def urls(found) -> list[str]:  # noqa: ANN001
    return [p.url for p in found.pages]


def test_trs_classic_four_arguments() -> None:
    text = ('<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}'
            '\nvar countPage = 3;//共多少页\ncreatePageHTML(3, 0, "index", "html");</script>')
    found = discover(text, BASE)
    assert urls(found) == ["http://h.example/xxgk/tzgg/index_1.html",
                           "http://h.example/xxgk/tzgg/index_2.html"]
    assert [p.number for p in found.pages] == [2, 3] and found.family == "trs"


def test_trs_classic_from_a_later_page_with_variables_and_htm() -> None:
    text = ('<script>var countPage = 4;var currentPage = 2;'
            'createPageHTML(countPage, currentPage, "index", "htm");</script>')
    found = discover(text, "http://h.example/a/index_2.htm")
    assert urls(found) == ["http://h.example/a/index.htm", "http://h.example/a/index_1.htm",
                           "http://h.example/a/index_3.htm"]


def test_trs_six_arguments_one_based() -> None:
    found = discover("<div id='page_div'></div><script>createPageHTML('page_div', 25, 1, "
                     "'index', 'html', 500)</script>", "http://h.example/x/")
    assert urls(found)[:2] == ["http://h.example/x/index_2.html", "http://h.example/x/index_3.html"]
    assert len(found.pages) == 24 and found.pages[-1].url.endswith("index_25.html")
    assert found.family == "trs6"
    other = discover("<script>createPageHTML('page_div', 3, 1, 'dezlist', 'shtml', 40)</script>",
                     "http://h.example/x/dezlist.shtml")
    assert urls(other) == ["http://h.example/x/dezlist_2.shtml", "http://h.example/x/dezlist_3.shtml"]


def test_trs_count_above_records_is_not_a_page_count() -> None:
    found = discover("<script>createPageHTML('page_div', 15, 1, 'index', 'html', 8)</script>",
                     "http://h.example/x/")
    assert found.pages == []  # 8 records at 15 a page: one page only


def test_hanweb_datastore_links_and_page_form() -> None:
    text = ('<div id="9"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="'
            f'{PROXY}?page=1&amp;appid=1&amp;webid=5&amp;path=/&amp;columnid=41&amp;unitid=77">'
            '</a>]]></nextgroup><recordset><record><![CDATA[<li><a href="/art/2025/3/15/art_41_1.'
            'html" title="标题一">标题一</a><span>2025-03-15</span></li>]]></record></recordset>'
            "<totalrecord>40</totalrecord><totalpage>3</totalpage></datastore></script></div>")
    found = discover(text, "http://h.example/col/col41/index.html")
    assert [(link.url, link.anchor) for link in found.links] == [
        ("http://h.example/art/2025/3/15/art_41_1.html", "标题一")]
    assert [parse_qs(urlsplit(u).query)["page"] for u in urls(found)] == [["1"], ["2"], ["3"]]
    assert all("columnid=41" in u and "&amp;" not in u for u in urls(found))
    answer = ('<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>40</totalrecord>'
              "<totalpage>3</totalpage><recordset></recordset></datastore>")
    later = discover(answer, f"http://h.example{PROXY}?page=2&columnid=41")
    assert [p.number for p in later.pages] == [3]


def test_hanweb_startrecord_form_from_script_parameters() -> None:
    text = ('<script type="text/xml"><datastore><recordset></recordset></datastore></script>'
            '<script>var totalRecord = 100; var perpage = 15; var proxyUrl = "/module/web/jpage/'
            "dataproxy.jsp\";\nvar ajaxParam = {col:1,appid:1,webid:3,path:'/',columnid:12,"
            "sourceContentType:1,unitid:9,webname:'示例',permissiontype:0};</script>")
    found = discover(text, "http://h.example/col/col12/index.html")
    ranges = [(q["startrecord"][0], q["endrecord"][0]) for q in
              (parse_qs(urlsplit(u).query) for u in urls(found))]
    assert ranges == [("1", "45"), ("46", "90"), ("91", "100")]
    assert all("columnid=12" in u and "perpage=15" in u for u in urls(found))


def test_query_pager_revealed_by_last_page_link_or_script_total() -> None:
    tail = discover('<a href="list.jsp?type=1&pageIndex=4">尾页</a>', "http://h.example/d/list.jsp?type=1")
    assert [parse_qs(urlsplit(u).query)["pageIndex"] for u in urls(tail)] == [["2"], ["3"], ["4"]]
    zero = discover('<a href="l.do?cur_page=0">首页</a><a href="l.do?cur_page=2">末页</a>',
                    "http://h.example/l.do?cur_page=0")
    assert [p.number for p in zero.pages] == [2, 3]
    static = discover('<a href="index_6.html">尾页</a>', "http://h.example/d/")
    assert urls(static)[0].endswith("/d/index_1.html") and len(static.pages) == 6
    script = discover('<script>var totalPage = 3; function go(n){location.href="/m/list.do?'
                      'pageNo="+n}</script>', "http://h.example/m/list.do")
    assert urls(script) == ["http://h.example/m/list.do?pageNo=2", "http://h.example/m/list.do?pageNo=3"]


def test_pages_without_paging_cost_nothing() -> None:
    assert not discover("<html><body><a href='/a'>x</a></body></html>", BASE)


# -- a real crawl ------------------------------------------------------------------------
def _trs_small(columns_: int, stale_first: bool = False) -> Sample:
    s = Sample()
    nav = []
    for i in range(columns_):
        name = f"{'工作动态' if i == 0 else '通知公告'}{i}"
        newest = ago(30) if (stale_first and i == 0) else ago(1)
        trs_column(s, f"/c{i}/", name, [newest - timedelta(days=d) for d in range(0, 60, 2)],
                   per_page=10, crumbs=[(name, f"/c{i}/")], nav=[])
        nav.append(f'<a href="/c{i}/">{name}</a>')
    s.routes["/"] = Route(trs_doc("首页", "<div class='nav2'>" + " ".join(nav) + "</div>", nav=[]))
    return s


def _hanweb_small() -> Sample:
    s = Sample()
    data: dict[int, list[Art]] = {}
    nav = []
    for cid in (11, 12):
        arts = [Art(title_of("动态", i), ago(i), f"/art/{ago(i).year}/{ago(i).month}/"
                    f"{ago(i).day}/art_{cid}_{i}.html", "") for i in range(12)]
        for a in arts:
            a.href = a.path
            s.routes[a.path] = Route(hw_doc(a.title, f"<h1>{a.title}</h1>", None, a, bare=True))
        data[cid] = arts
        nxt = f"{PROXY}?page=1&amp;appid=1&amp;webid=1&amp;columnid={cid}"
        store = (f'<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{nxt}"></a>]]>'
                 "</nextgroup><recordset>" + "".join(hw_record(a, "iso") for a in arts[:3])
                 + "</recordset><totalrecord>12</totalrecord><totalpage>4</totalpage>"
                 "</datastore></script>")
        s.routes[f"/col/col{cid}/index.html"] = Route(hw_doc(f"动态{cid}", store, bare=True))
        nav.append(f'<a href="/col/col{cid}/index.html">动态{cid}</a>')
    s.routes["/"] = Route(hw_doc("首页", " ".join(nav), bare=True))

    def dynamic(method: str, raw: str) -> Route | None:  # noqa: ARG001
        parts = urlsplit(raw)
        if parts.path != PROXY:
            return None
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        k, arts = int(q["page"]), data[int(q["columnid"])]
        return Route('<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>12'
                     "</totalrecord><totalpage>4</totalpage><recordset>"
                     + "".join(hw_record(a, "iso") for a in arts[(k - 1) * 3:k * 3])
                     + "</recordset></datastore>", content_type="text/xml; charset=UTF-8")

    s.dynamic = dynamic
    return s


THRESHOLDS = """thresholds:
  home_stale: 2w
  column_stale: {news: 2w, notice: 6m, personnel: 1y}
  stale_many: {news_notice: 5, should_update: 10}
  blank_many: 5
"""


@pytest.fixture(scope="module")
def paging_crawl(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    from tests.conftest import run_crawl

    samples = {"small": _trs_small(2), "big": _trs_small(4, stale_first=True),
               "hanweb": _hanweb_small()}
    sites, servers = {}, {}
    for key, s in samples.items():
        srv = serve_module(s.routes, dynamic=s.dynamic)
        servers[key] = srv
        sites[key] = spec(srv.url("/"), name=key)
    tmp = tmp_path_factory.mktemp("paging")
    # max_depth 1: paging pages must keep their column's depth. max_pages 11 fits the small
    # site's 7 list pages and the Hanweb site's 11 pages, not the big site's 13.
    # max_query_variants 2: the Hanweb site's 8 dataproxy.jsp pages bypass the trap guard.
    crawled = run_crawl(list(sites.values()), tmp / "paging.db", trusted=["127.0.0.0/8"],
                        max_depth=1, max_pages=11, max_query_variants=2, timeout=10.0)
    system = tmp / "t.yaml"
    system.write_text(THRESHOLDS, encoding="utf-8")
    with crawled.sessions.begin() as s:
        run_checks(s, s.get(Run, crawled.result.run_id), system_path=system,
                   rules=[columns.RULE, columns_counts.RULE])
    return crawled, sites, servers


def test_paging_pages_keep_the_column_depth(paging_crawl) -> None:  # noqa: ANN001
    crawled, sites, servers = paging_crawl
    pages = crawled.pages(sites["small"].code)
    for c in ("/c0/", "/c1/"):
        for name in ("index_1.html", "index_2.html"):
            page = pages[servers["small"].url(c + name)]
            assert page.status == 200 and page.depth == 1
    assert crawled.run_site(sites["small"].code).complete
    with crawled.session() as s:
        cols = {c.name: c for c in s.scalars(select(Column).where(
            Column.run_id == crawled.result.run_id, Column.site_id == crawled.site_id(
                sites["small"].code)))}
    # every item of every page, dated from the list (articles were beyond max_depth)
    assert cols["工作动态0"].items == 30 and cols["工作动态0"].pages >= 3
    assert cols["工作动态0"].newest == ago(1) and cols["工作动态0"].paging == "trs"


def test_hanweb_dataproxy_pages_bypass_the_trap_guard(paging_crawl) -> None:  # noqa: ANN001
    crawled, sites, servers = paging_crawl
    srv = servers["hanweb"]
    fetched = {p for m, p in srv.requests if p.startswith(PROXY)}
    for cid in (11, 12):
        assert {parse_qs(urlsplit(p).query)["page"][0] for p in fetched
                if f"columnid={cid}" in p} == {"1", "2", "3", "4"}
    # dataproxy answers (text/xml) are stored with their body and read as list pages
    with crawled.session() as s:
        site_id = crawled.site_id(sites["hanweb"].code)
        cols = {c.name: c for c in s.scalars(select(Column).where(
            Column.run_id == crawled.result.run_id, Column.site_id == site_id))}
        assert cols["动态11"].items == 12 and cols["动态11"].paging == "hanweb"
        # datastore records became ordinary internal links of the list page
        links = s.scalars(select(Link).where(Link.run_id == crawled.result.run_id,
                                             Link.site_id == site_id,
                                             Link.target.like("%/art_11_0.html"))).all()
        assert links and {link.kind for link in links} == {"internal"}


def test_budget_reaches_every_first_page_and_incomplete_skips_counts(paging_crawl) -> None:  # noqa: ANN001
    crawled, sites, servers = paging_crawl
    code = sites["big"].code
    rs = crawled.run_site(code)
    assert not rs.complete and rs.budget_exhausted
    pages = crawled.pages(code)
    for i in range(4):
        assert pages[servers["big"].url(f"/c{i}/")].status == 200
    with crawled.session() as s:
        site_id = crawled.site_id(code)
        runs = {r.module: r for r in s.scalars(select(CheckRun).where(
            CheckRun.run_id == crawled.result.run_id, CheckRun.site_id == site_id))}
        assert runs["columns"].status == "ran"
        assert runs["columns_counts"].status == "skipped" and "抓取不完整" in runs["columns_counts"].reason
        rules = {(f.rule, f.detail.get("column")) for f in s.scalars(select(Finding).where(
            Finding.run_id == crawled.result.run_id, Finding.site_id == site_id))}
    # the stale column's first page was fetched: judged even though the crawl stopped early
    assert ("column.stale", "工作动态0") in rules
    assert not any(r.startswith(("column.missing", "column.stale_many")) for r, _ in rules)
