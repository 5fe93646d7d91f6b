"""Issue 16 end to end: a portal cluster on loopback servers is crawled, derived and
checked for its disclosure and cluster duties.

One server holds the portal (P) and three sites under its host, as a 集约化 platform
does: the 教育局 sub-site A (linked from the portal), the 审计局 sub-site U (not linked:
the portal's link named 审计局 points at W instead) and the 文化广电旅游局 department W
(linked, but its footer carries A's 网站标识码). A second server stands in for the outside
world and for four sites registered 关停: one still serving its pages, one redirecting to
the portal, one showing a closure notice; a fourth has nothing listening.

The checks run as of 2026-06-15 (the run's start is set after the crawl), so the report
due is the one for 2025 (department deadline 31 Jan, portal 31 Mar); a second pass as of
2019-06-15 judges the portal's 2018 report in the headings of its time.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

import checks.annual_report
import checks.annual_report_missing
import checks.closed_sites
import checks.cluster
import checks.disclosure
import checks.disclosure_channel
import checks.media
import checks.yearly_statement
from checks.runner import run_checks
from govmon.demo.server import Route
from store.models import ClosedProbe, Finding, Run, SiteEntry
from tests.conftest import dead_url, run_crawl, spec

MODULES = [checks.annual_report, checks.annual_report_missing, checks.closed_sites,
           checks.cluster, checks.disclosure, checks.disclosure_channel, checks.media,
           checks.yearly_statement]
AS_OF = datetime(2026, 6, 15, 9)
SECTIONS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
OLD_SECTIONS = ["一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况",
                "四、因政府信息公开申请行政复议、提起行政诉讼的情况", "五、主要问题和改进措施"]
CODES = {"P": "5198000001", "A": "5198000002", "U": "5198000003", "W": "5198000004",
         "C1": "5198000011", "C2": "5198000012", "C3": "5198000013", "C4": "5198000014"}
NAMES = {"P": "示例市人民政府", "A": "示例市教育局", "U": "示例市审计局", "W": "示例市文化广电旅游局",
         "C1": "示例市旅游局", "C2": "示例市物价局", "C3": "示例市粮食局", "C4": "示例市档案局"}


def doc(title: str, main: str, *, code: str, home: str, byline: str = "",
        top: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="top">{top}</div><div class="nav"><a href="{home}">首页</a> '
            f'<a href="{home}xxgk/">信息公开</a></div><div class="main"><div id="zoom">'
            f"<h1>{title}</h1>{byline}{main}</div></div><div class=\"footer\">主办单位：示例"
            f"&nbsp;网站标识码：{code}</div></body></html>")


def report(name: str, year: int, published: str, sections: list[str], home: str,
           code: str) -> Route:
    body = "".join(f"<p>{s}</p><p>本部分内容从略，统计期限自{year}年1月1日起至{year}年12月31日止，"
                   "数据均来自本机关政府信息公开工作台账。</p>" for s in sections)
    return Route(doc(f"{name}{year}年政府信息公开工作年度报告", body, code=code, home=home,
                     byline=f"<p>发布日期：{published}</p>"))


def item(title: str, fields: dict[str, str], home: str, code: str) -> Route:
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in fields.items())
    return Route(doc(title, f'<table class="xxgk">{cells}</table><p>正文内容。</p>', code=code,
                     home=home))


def portal_routes(ext: str) -> dict[str, Route]:
    code, home = CODES["P"], "/"
    top = (f'<a href="/m/">手机版</a> <a href="{ext}/weibo/p">政务微博</a> '
           '<a href="/ysqgk/">依申请公开</a> '
           '<a href="/bb/2025.html">示例市人民政府门户网站2025年工作年度报表</a>')
    depts = ('<div class="bmwz"><h3>部门网站</h3><ul><li><a href="/a/">示例市教育局</a></li>'
             '<li><a href="/w/">示例市审计局</a></li></ul><select onchange="window.open(this.value)">'
             '<option value="">部门网站</option><option value="/a/">市教育局</option></select></div>')
    rows = ('<ul><li><a href="/ndbg/2025.html">示例市人民政府2025年政府信息公开工作年度报告</a>'
            '<span>2026-03-20</span></li><li><a href="/ndbg/2018.html">示例市人民政府2018年政府信息'
            '公开工作年度报告</a><span>2019-03-10</span></li></ul>')
    return {
        "/": Route(doc(NAMES["P"], depts + '<p><a href="/ndbg/">政府信息公开年报</a></p>',
                       code=code, home=home, top=top)),
        "/ndbg/": Route(doc("政府信息公开年报", rows, code=code, home=home)),
        "/ndbg/2025.html": report(NAMES["P"], 2025, "2026-03-20", SECTIONS, home, code),
        "/ndbg/2018.html": report(NAMES["P"], 2018, "2019-03-10", OLD_SECTIONS, home, code),
        "/xxgk/": Route(doc("信息公开", "<p>信息公开指南</p>", code=code, home=home)),
        "/ysqgk/": Route(doc("依申请公开", "<p>申请表下载</p>", code=code, home=home)),
        "/m/": Route(doc("手机版", "<p>手机版首页</p>", code=code, home=home)),
        "/bb/2025.html": Route(doc("示例市人民政府门户网站2025年工作年度报表", "<p>网站名称</p>",
                                   code=code, home=home)),
    }


def education_routes(ext: str) -> dict[str, Route]:
    code, home = CODES["A"], "/a/"
    top = (f'<a href="/a/m/">手机版</a> <a href="{ext}/weibo/a"><img src="/a/wb.png" alt="政务微博">'
           '</a> <img src="/a/wx.png" alt="政务微信"> <a href="/ysqgk/">依申请公开</a>')
    items = [("关于印发示例市教育督导实施办法的通知", "2026年03月02日", "2026年04月20日", "示教发〔2026〕5号"),
             ("关于做好2026年春季学期开学工作的通知", "2026年05月06日", "2026年05月08日", ""),
             ("关于公布示例市义务教育学校名单的通知", "2026年05月11日", "2026年05月12日", "示教发〔2026〕9号"),
             ("关于印发示例市学前教育发展规划的通知", "2023年12月01日", "2024年01月10日", "示教发〔2023〕30号")]
    routes = {
        "/a/": Route(doc(NAMES["A"], '<p><a href="/a/ndbg/2025.html">示例市教育局2025年政府信息公开工作'
                                    '年度报告</a></p>', code=code, home=home, top=top)),
        "/a/ndbg/2025.html": report(NAMES["A"], 2025, "2026-02-20", SECTIONS, home, code),
        "/a/wx.png": Route(b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        "/a/wb.png": Route(b"\x89PNG\r\n\x1a\n", content_type="image/png"),
    }
    rows = []
    for i, (title, written, published, number) in enumerate(items):
        rows.append(f'<li><a href="/a/xxgk/t{i}.html">{title}</a><span>{published}</span></li>')
        routes[f"/a/xxgk/t{i}.html"] = item(title, {
            "索 引 号": f"11519800MB0000002R/2026-{i:05d}", "主题分类": "教育", "发文机关": NAMES["A"],
            "成文日期": written, "发文字号": number, "发布日期": published, "有 效 性": "有效"},
            home, code)
    routes["/a/xxgk/"] = Route(doc("信息公开目录", "<ul>" + "".join(rows) + "</ul>", code=code,
                                   home=home))
    return routes


def audit_routes() -> dict[str, Route]:
    code, home = CODES["U"], "/u/"
    return {"/u/": Route(doc(NAMES["U"], "<p>审计动态</p>", code=code, home=home)),
            "/u/xxgk/": Route(doc("信息公开", "<p>信息公开指南</p>", code=code, home=home))}


def culture_routes() -> dict[str, Route]:
    code, home = CODES["A"], "/w/"  # the template was copied from the 教育局 site
    return {
        "/w/": Route(doc(NAMES["W"], '<p><a href="/w/ndbg/2025.html">2025年政府信息公开工作年度报告'
                                    '</a></p><p><a href="/ysqgk/">政府信息公开申请</a></p>',
                         code=code, home=home)),
        "/w/xxgk/": Route(doc("信息公开", "<p>信息公开指南</p>", code=code, home=home)),
        "/w/ndbg/2025.html": report(NAMES["W"], 2025, "2026-01-15", SECTIONS[:5], home, code),
    }


def outside_routes(portal: str) -> dict[str, Route]:
    return {
        "/weibo/p": Route("<html><head><title>示例发布</title></head><body>微博</body></html>"),
        "/weibo/a": Route("<html><body>404</body></html>", status=404),
        "/c1/": Route(doc(NAMES["C1"], "<ul><li><a href='/c1/x.html'>旅游资讯</a></li></ul>"
                          "<p>欢迎访问示例市旅游局网站。本站提供旅游资讯、景区介绍、行业管理等服务。</p>" * 8,
                          code=CODES["C1"], home="/c1/")),
        "/c2/": Route(b"", status=301, headers={"Location": portal + "/"}),
        "/c4/": Route(doc("网站关停公告", "<p>因机构改革，本网站已关停，相关内容已迁移至示例市人民政府门户网站。</p>",
                          code=CODES["C4"], home="/c4/")),
    }


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    outside = serve_module({})
    cluster = serve_module({})
    cluster.routes.update({**portal_routes(outside.base), **education_routes(outside.base),
                           **audit_routes(), **culture_routes()})
    outside.routes.update(outside_routes(cluster.base))
    sites = {
        "P": spec(cluster.url("/"), code=CODES["P"], name=NAMES["P"]),
        "A": spec(cluster.url("/a/"), "subsite", code=CODES["A"], name=NAMES["A"],
                  parent=CODES["P"]),
        "U": spec(cluster.url("/u/"), "subsite", code=CODES["U"], name=NAMES["U"],
                  parent=CODES["P"]),
        "W": spec(cluster.url("/w/"), "department", code=CODES["W"], name=NAMES["W"]),
        "C1": spec(outside.url("/c1/"), "department", code=CODES["C1"], name=NAMES["C1"],
                   status="关停"),
        "C2": spec(outside.url("/c2/"), "department", code=CODES["C2"], name=NAMES["C2"],
                   status="关停"),
        "C3": spec(dead_url(), "department", code=CODES["C3"], name=NAMES["C3"], status="关停"),
        "C4": spec(outside.url("/c4/"), "department", code=CODES["C4"], name=NAMES["C4"],
                   status="关停"),
    }
    crawled = run_crawl(list(sites.values()), tmp_path_factory.mktemp("gov") / "g.db",
                        trusted=["127.0.0.0/8"], max_pages=60)
    found: dict[str, dict] = {}
    for as_of, modules in ((AS_OF, MODULES), (datetime(2019, 6, 15, 9),
                                              [checks.annual_report,
                                               checks.annual_report_missing])):
        with crawled.sessions.begin() as s:
            run = s.get(Run, crawled.result.run_id)
            run.started_at = as_of
            run_checks(s, run, registry=crawled.registry, rules=[m.RULE for m in modules])
        with crawled.sessions() as s:
            rows = s.scalars(select(Finding).where(Finding.run_id == run.id)).all()
            s.expunge_all()
        found[as_of.year] = {code: [f for f in rows if f.site_id == crawled.site_id(CODES[code])]
                             for code in CODES}
    crawled.info.update(found=found, sites=sites, cluster=cluster, outside=outside)
    return crawled


def rules(world, key: str, year: int = 2026) -> dict[str, list[Finding]]:  # noqa: ANN001
    out: dict[str, list[Finding]] = {}
    for f in world.info["found"][year][key]:
        out.setdefault(f.rule, []).append(f)
    return out


def test_the_portal_meets_its_duties(world) -> None:  # noqa: ANN001
    assert rules(world, "P") == {}  # report on time and complete, statement, channel
    with world.sessions() as s:
        kinds = {(e.kind, e.target.rsplit("/", 2)[-2] + "/" + e.target.rsplit("/", 1)[-1])
                 for e in s.scalars(select(SiteEntry).where(
                     SiteEntry.site_id == world.site_id(CODES["P"]), SiteEntry.on_home))}
    assert {("mobile", "m/"), ("weibo", "weibo/p"), ("request", "ysqgk/"),
            ("statement", "bb/2025.html"), ("option", "a/")} <= kinds


def test_a_late_report_a_broken_mobile_version_and_the_catalogue(world) -> None:  # noqa: ANN001
    a = rules(world, "A")
    assert set(a) == {"disclosure.annual_report_late", "report.yearly_statement_missing",
                      "media.mobile_broken", "media.entry_broken", "disclosure.late",
                      "disclosure.fields_missing"}
    (late,) = a["disclosure.annual_report_late"]
    assert late.detail["year"] == 2025 and late.detail["published"] == "2026-02-20"
    assert late.detail["deadline"] == "2026-01-31" and late.detail["days_late"] == 20
    (mobile,) = a["media.mobile_broken"]
    assert mobile.url.endswith("/a/m/") and mobile.detail["status"] == 404
    assert mobile.detail["kind"] == "mobile"
    (weibo,) = a["media.entry_broken"]
    assert weibo.url.endswith("/weibo/a") and weibo.detail["kind"] == "weibo"
    (doc_late,) = a["disclosure.late"]  # the 2024 item is outside the one-year window
    assert doc_late.url.endswith("/a/xxgk/t0.html")
    assert (doc_late.detail["written"], doc_late.detail["published"]) == ("2026-03-02",
                                                                          "2026-04-20")
    assert doc_late.detail["working_days"] > 20
    (fields,) = a["disclosure.fields_missing"]
    assert fields.url.endswith("/a/xxgk/t1.html") and fields.detail["missing"] == ["发文字号"]
    assert a["report.yearly_statement_missing"][0].detail["year"] == 2025


def test_an_unlinked_sub_site_without_report_or_request_channel(world) -> None:  # noqa: ANN001
    u = rules(world, "U")
    assert set(u) == {"disclosure.annual_report_missing", "cluster.site_unlinked",
                      "disclosure.request_channel_missing", "report.yearly_statement_missing"}
    (missing,) = u["disclosure.annual_report_missing"]
    assert (missing.detail["year"], missing.detail["deadline"]) == (2025, "2026-01-31")
    (unlinked,) = u["cluster.site_unlinked"]
    assert unlinked.detail["portal"] == CODES["P"]
    assert unlinked.detail["misdirected"] == [world.info["cluster"].url("/w/")]
    assert "示例市文化广电旅游局" in unlinked.message


def test_a_portal_link_landing_on_another_sites_code(world) -> None:  # noqa: ANN001
    w = rules(world, "W")
    assert set(w) == {"cluster.wrong_target", "disclosure.annual_report_incomplete",
                      "report.yearly_statement_missing"}
    (wrong,) = w["cluster.wrong_target"]
    assert (wrong.detail["found"], wrong.detail["expected"]) == (CODES["A"], CODES["W"])
    assert "示例市教育局" in wrong.message and wrong.source == world.info["cluster"].url("/")
    (incomplete,) = w["disclosure.annual_report_incomplete"]
    assert incomplete.detail == {"year": 2025, "missing": ["其他需要报告的事项"],
                                 "column": None}


def test_closed_sites_are_probed_not_crawled(world) -> None:  # noqa: ANN001
    assert [f.rule for f in world.info["found"][2026]["C1"]] == ["site.closed_still_online"]
    (online,) = world.info["found"][2026]["C1"]
    assert online.detail["status"] == 200 and online.detail["found"] == CODES["C1"]
    assert "示例市旅游局" in online.message
    for key in ("C2", "C3", "C4"):  # redirected to the portal / nothing listening / notice
        assert world.info["found"][2026][key] == [], key
    with world.sessions() as s:
        probes = {p.site_id: p for p in s.scalars(select(ClosedProbe))}
        assert len(probes) == 4
        c2 = probes[world.site_id(CODES["C2"])]
        assert c2.final_url == world.info["cluster"].url("/") and c2.redirects[0]["status"] == 301
        assert probes[world.site_id(CODES["C3"])].error == "refused"
        assert probes[world.site_id(CODES["C4"])].notice
    assert world.pages(CODES["C1"]) == {}  # probed, never crawled
    assert [p for m, p in world.info["outside"].requests if p.startswith("/c1/")] == ["/c1/"]


def test_reports_before_2019_are_read_in_their_own_headings(world) -> None:  # noqa: ANN001
    # as of 2019-06-15 the portal's report due is 2018's: old headings, on time, complete
    assert rules(world, "P", 2019) == {}
    assert set(rules(world, "A", 2019)) == {"disclosure.annual_report_missing"}



def test_an_older_indicator_file_skips_the_rules_it_cannot_feed(world, tmp_path) -> None:  # noqa: ANN001
    """A province's indicator file written before these rules (no ``thresholds.disclosure``,
    ``report``, ``warn``) still loads; the rules needing a key it lacks are recorded as
    skipped, naming the key — unknown, never "no problem"."""
    import yaml

    from indicators.system import load_system
    from indicators.thresholds import DEFAULT_SYSTEM_PATH
    from store.models import CheckRun

    data = yaml.safe_load(DEFAULT_SYSTEM_PATH.read_text(encoding="utf-8"))
    for key in ("disclosure", "report", "warn"):
        del data["thresholds"][key]
    data["unconfirmed"] = {k: v for k, v in (data.get("unconfirmed") or {}).items()
                           if not k.startswith(("thresholds.disclosure", "thresholds.report",
                                                "thresholds.warn"))}
    older = tmp_path / "older.yaml"
    older.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_system(older).threshold("home_stale")  # valid without them
    rules = [checks.annual_report.RULE, checks.disclosure.RULE, checks.yearly_statement.RULE]
    with world.sessions.begin() as s:
        run = s.get(Run, world.result.run_id)
        run_checks(s, run, registry=world.registry, system_path=older, rules=rules)
        records = s.scalars(select(CheckRun).where(CheckRun.run_id == run.id)).all()
        assert s.scalars(select(Finding).where(Finding.run_id == run.id)).all() == []
    assert records and {r.status for r in records} == {"skipped"}
    reasons = {r.module: r.reason for r in records if "未设阈值" in (r.reason or "")}
    assert "thresholds.disclosure.annual_report_deadline." in reasons["annual_report"]
    assert "thresholds.disclosure.timely_working_days" in reasons["disclosure"]
    assert "thresholds.report.yearly_statement_deadline" in reasons["yearly_statement"]
