"""survey.inactive and survey counts on every list family (static, TRS, Hanweb, JSON).

Four loopback sites each link a 调查征集 column holding three surveys of the last year,
written the way each CMS family writes lists (cms-patterns.md): plain HTML rows; TRS with
later pages announced only by ``createPageHTML``; Hanweb with the rows as XML records in a
``<script type="text/xml">`` datastore; a shell page whose script loads the rows from a
JSON endpoint. A fifth site's survey column's newest item is 14 months old.

``survey.inactive`` fires only when no survey was published within the year (rules.md);
three surveys are fewer than the six B7's bonus asks for, which is scoring's business.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

import checks.mailbox
import checks.survey
from checks.runner import run_checks
from govmon.demo.server import Route
from store.models import Finding, MailboxStats, Run
from tests.conftest import run_crawl, spec

TODAY = date.today()
DAYS = [TODAY - timedelta(days=d) for d in (20, 75, 160)]
OLD = TODAY - timedelta(days=430)
TITLES = ["关于城市更新规划的意见征集", "关于公交线路调整的网上调查", "关于惠民政策的问卷调查"]


def doc(title: str, main: str, script: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="nav"><a href="/">首页</a> <a href="/dczj/index.html">调查征集</a>'
            f' <a href="/xwdt/index.html">新闻动态</a></div><div class="main">{main}</div>'
            f'<div class="footer">主办单位：示例区人民政府办公室</div>{script}</body></html>')


def li(i: int, day: date, prefix: str = "/dczj/") -> str:
    return (f'<li><a href="{prefix}t{day:%Y%m%d}_{i}.html">{TITLES[i % 3]}</a>'
            f'<span>{day.isoformat()}</span></li>')


def articles(prefix: str = "/dczj/") -> dict[str, Route]:
    return {f"{prefix}t{d:%Y%m%d}_{i}.html": Route(doc(TITLES[i % 3], f"<h1>{TITLES[i % 3]}</h1>"
                                                       f"<p>发布时间：{d.isoformat()}</p>"))
            for i, d in enumerate(DAYS)}


def base(extra: dict[str, Route]) -> dict[str, Route]:
    return {"/": Route(doc("示例区人民政府", "<p>首页</p>")),
            "/xwdt/index.html": Route(doc("新闻动态", "<ul>" + li(9, TODAY, "/xwdt/") + "</ul>")),
            **extra}


def static_site() -> dict[str, Route]:
    rows = "".join(li(i, d) for i, d in enumerate(DAYS))
    return base({"/dczj/index.html": Route(doc("调查征集", f'<ul class="list">{rows}</ul>')),
                 **articles()})


def trs_site() -> dict[str, Route]:
    pager = ('<script type="text/javascript">var countPage = 3; var currentPage = 0;'
             'createPageHTML(3, 0, "index", "html");</script>')
    pages = {}
    for k, (i, d) in enumerate(enumerate(DAYS)):
        name = "index.html" if k == 0 else f"index_{k}.html"
        pages[f"/dczj/{name}"] = Route(doc("调查征集", f'<ul class="list">{li(i, d)}</ul>{pager}'))
    return base({**pages, **articles()})


def hanweb_site() -> dict[str, Route]:
    records = "".join(f"<record><![CDATA[{li(i, d, '/art/')}]]></record>"
                      for i, d in enumerate(DAYS))
    store = ('<script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
             f"<recordset>{records}</recordset></datastore></script>")
    page = doc("调查征集", f'<div id="list">{store}</div>').replace(
        "/dczj/index.html", "/col/col99/index.html")
    out = base({"/col/col99/index.html": Route(page), **articles("/art/")})
    out["/"] = Route(doc("示例区人民政府", "<p>首页</p>").replace("/dczj/index.html",
                                                            "/col/col99/index.html"))
    return out


def json_site() -> dict[str, Route]:
    script = ('<script src="/js/jquery.min.js"></script><script>$.getJSON('
              '"/api/survey/list.do?pageNo=1&pageSize=15", function (r) { draw(r.rows); });'
              "</script>")
    rows = [{"title": TITLES[i % 3], "url": f"/dczj/t{d:%Y%m%d}_{i}.html",
             "pubDate": f"{d.isoformat()} 09:00:00"} for i, d in enumerate(DAYS)]
    return base({
        "/dczj/index.html": Route(doc("调查征集", '<ul id="list"><li>加载中…</li></ul>', script)),
        "/api/survey/list.do": Route(json.dumps({"total": 3, "rows": rows}, ensure_ascii=False),
                                     content_type="application/json; charset=utf-8"),
        "/js/jquery.min.js": Route("/* jquery */", content_type="application/javascript"),
        **articles()})


def stale_site() -> dict[str, Route]:
    return base({"/dczj/index.html": Route(doc("调查征集", f'<ul class="list">{li(0, OLD)}</ul>')),
                 f"/dczj/t{OLD:%Y%m%d}_0.html": Route(doc(TITLES[0], f"<h1>{TITLES[0]}</h1>"))})


FAMILIES = {"static": static_site, "trs": trs_site, "hanweb": hanweb_site, "json": json_site,
            "stale": stale_site}


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    servers = {k: serve_module(build()) for k, build in FAMILIES.items()}
    specs = {k: spec(srv.url("/")) for k, srv in servers.items()}
    crawled = run_crawl(list(specs.values()), tmp_path_factory.mktemp("survey") / "s.db",
                        max_pages=40)
    with crawled.sessions.begin() as s:
        run_checks(s, s.get(Run, crawled.result.run_id), registry=crawled.registry,
                   rules=[checks.survey.RULE, checks.mailbox.RULE])
    return crawled, specs


def _result(world, key: str) -> tuple[list[Finding], MailboxStats | None]:  # noqa: ANN001
    crawled, specs = world
    site_id = crawled.site_id(specs[key].code)
    with crawled.sessions() as s:
        found = s.scalars(select(Finding).where(Finding.run_id == crawled.result.run_id,
                                                Finding.site_id == site_id,
                                                Finding.rule == "survey.inactive")).all()
        stats = s.scalars(select(MailboxStats).where(
            MailboxStats.run_id == crawled.result.run_id,
            MailboxStats.site_id == site_id)).first()
        s.expunge_all()
    return list(found), stats


@pytest.mark.parametrize("family", ["static", "trs", "hanweb", "json"])
def test_surveys_read_on_every_list_family(world, family: str) -> None:  # noqa: ANN001
    found, stats = _result(world, family)
    assert stats is not None and stats.surveys == 3, family
    assert found == []  # 3 surveys in the year: active (fewer than 6 is B7's business)


def test_no_survey_within_the_year_fires(world) -> None:  # noqa: ANN001
    found, stats = _result(world, "stale")
    assert stats.surveys == 0
    (f,) = found
    assert f.detail == {"newest": OLD.isoformat(), "count": 0}
    assert "没有开展调查征集" in f.message
