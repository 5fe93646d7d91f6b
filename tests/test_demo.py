"""``govmon demo`` end to end: a real subprocess serves the sample cluster, crawls it, and
leaves a store; these tests read its summary table and that store.

The demo plants known problems (see ``govmon/demo/sites.py``); every one must come out of
the crawl as the right kind of result, and nothing else may come out broken.
"""

from __future__ import annotations

import re
import subprocess
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import DemoProcess
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import open_store
from store.models import Link, LinkCheck, Page, Run, RunSite, Site, Snapshot

PORTAL, EDU, ZONE, DRC, STATS, GRAIN = ("5199000001", "5199000002", "5199000003",
                                        "5199000010", "5199000011", "5199000012")
# issue 16 (govmon/demo/governance.py): two departments, two more closed sites
CULTURE, VETERANS, TOURISM, PRICE = "5199000013", "5199000014", "5199000015", "5199000016"
RUNNING = [PORTAL, EDU, ZONE, DRC, CULTURE, VETERANS]

# Planted broken targets: (path suffix, HTTP status, error class).
PLANTED_BROKEN = [
    ("/hdjl/wsxf/", 404, "http"),  # portal homepage: 网上信访 column gone
    ("/zwgk/tzgg/201912/t20191203_3456789.html", 404, "http"),  # deleted notice
    ("/zwgk/zcwj/202001/t20200115_2987654.html", 404, "http"),  # moved policy document
    ("/W020230415556677889900.jpg", 404, "http"),  # broken image in a news article
    ("/W020190315401234567890.xlsx", 404, "http"),  # broken attachment of a notice
    ("/ztzl/qlsl/", 200, "soft404"),  # 200 saying 您访问的页面不存在
    ("/jyj/xxgk/", 404, "http"),  # education sub-site nav item
    ("/art/2025/6/8/art_1235_40001.html", 404, "http"),  # Hanweb: deleted article
    ("/list.asp?classid=9", 404, "http"),  # GBK site: column removed
    ("/zwfw.shili.gov.cn/", 404, "http"),  # external: retired site
    ("/wlj/m/", 404, "http"),  # 文化广电旅游局: its 手机版 (media.mobile_broken)
    ("/weibo.com/shiliwlj", 404, "http"),  # 文化广电旅游局: its 政务微博 (media.entry_broken)
]


@dataclass
class DemoRun:
    proc: subprocess.CompletedProcess
    elapsed: float
    workspace: Path
    sessions: object

    def session(self) -> Session:
        return self.sessions()  # type: ignore[operator]


@pytest.fixture(scope="module")
def demo(demo_first_run: DemoProcess) -> DemoRun:
    ws = demo_first_run.workspace
    return DemoRun(demo_first_run.proc, demo_first_run.elapsed, ws,
                   open_store(f"sqlite:///{ws / 'govmon.db'}", upgrade=False))


def _checks(s: Session) -> dict[str, LinkCheck]:
    run_id = s.scalars(select(Run.id).order_by(Run.id.desc())).first()
    return {c.target: c for c in s.scalars(select(LinkCheck).where(LinkCheck.run_id == run_id))}


def _one(checks: dict[str, LinkCheck], suffix: str) -> LinkCheck:
    found = [c for t, c in checks.items() if t.endswith(suffix)]
    assert len(found) == 1, f"{suffix}: {[c.target for c in found]}"
    return found[0]


def _summary_rows(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 8 and cells[1].isdigit():
            rows[cells[1]] = cells[1:-1]
    return rows


def test_demo_finishes_fast_and_prints_the_summary(demo: DemoRun) -> None:
    out = demo.proc.stdout
    assert "示例网站群" in out and "10 个网站" in out
    # crawl + checks + scores under two systems + notices, comparison and dashboard
    assert demo.elapsed < 120, f"govmon demo took {demo.elapsed:.1f}s"
    rows = _summary_rows(out)
    assert set(rows) == set(RUNNING + [STATS])  # the closed site is not crawled
    code, name, status, pages, errors, verified, broken, note = rows[STATS]
    assert (name, status) == ("示例市统计局", "无法访问") and "首页无法访问" in note
    for code in RUNNING:
        assert rows[code][2] == "完成", rows[code]
        assert int(rows[code][5]) > 20, rows[code]  # links verified
    assert rows[PORTAL][1] == "示例市人民政府"
    assert int(rows[PORTAL][3]) >= 60  # pages
    # portal: 7 planted targets of its own + the down department's homepage it links to
    assert int(rows[PORTAL][6]) == 8
    assert [int(rows[c][6]) for c in (EDU, ZONE, DRC, CULTURE, VETERANS)] == [1, 1, 1, 2, 0]


def test_registry_is_saved_to_the_workspace(demo: DemoRun) -> None:
    data = yaml.safe_load((demo.workspace / "sites.yaml").read_text(encoding="utf-8"))
    assert data["trusted_networks"] == ["127.0.0.0/8"]
    sites = {s["code"]: s for s in data["sites"]}
    assert set(sites) == {PORTAL, EDU, ZONE, DRC, STATS, GRAIN, CULTURE, VETERANS, TOURISM,
                          PRICE}
    assert sites[EDU]["kind"] == "subsite" and sites[EDU]["parent"] == PORTAL
    assert sites[EDU]["url"] == sites[PORTAL]["url"] + "jyj/"  # same host and port
    assert sites[ZONE]["parent"] == PORTAL
    assert sites[GRAIN]["status"] == "关停"
    assert sites[PRICE]["successor"] == sites[PORTAL]["url"]
    assert sites[VETERANS]["contacts"][0] == {"name": "钱进", "role": "负责人",
                                              "email": "qianjin@tyjrj.shili.gov.cn"}


def test_every_running_site_is_crawled_and_the_down_one_is_unreachable(demo: DemoRun) -> None:
    with demo.session() as s:
        rows = {code: rs for code, rs in s.execute(
            select(Site.code, RunSite).join(RunSite, RunSite.site_id == Site.id))}
        assert {c: rows[c].status for c in rows} == {
            PORTAL: "complete", EDU: "complete", ZONE: "complete", DRC: "complete",
            STATS: "unreachable", GRAIN: "skipped", CULTURE: "complete", VETERANS: "complete",
            TOURISM: "skipped", PRICE: "skipped"}
        assert not rows[STATS].complete
        minimum = {PORTAL: 60, EDU: 20, ZONE: 15, DRC: 20}
        for code, least in minimum.items():
            assert rows[code].pages >= least, (code, rows[code].pages)
        assert rows[PORTAL].robots_disallowed >= 1  # /was5/ search is in robots.txt
        # the sub-site under the portal's host is crawled as its own site
        ids = dict(s.execute(select(Site.code, Site.id)).all())
        jyj_owners = set(s.scalars(select(Page.site_id).where(Page.url.contains("/jyj/"))))
        assert jyj_owners == {ids[EDU]}


def test_planted_broken_links_and_nothing_else(demo: DemoRun) -> None:
    with demo.session() as s:
        checks = _checks(s)
        for suffix, status, error in PLANTED_BROKEN:
            c = _one(checks, suffix)
            assert (c.outcome, c.status, c.error_class) == ("broken", status, error), suffix
        sites = yaml.safe_load((demo.workspace / "sites.yaml").read_text(encoding="utf-8"))
        stats_url = next(x["url"] for x in sites["sites"] if x["code"] == STATS)
        down = checks[stats_url]
        assert (down.outcome, down.error_class, down.attempts) == ("broken", "refused", 2)
        broken = {t for t, c in checks.items() if c.outcome == "broken"}
        expected = {_one(checks, sfx).target for sfx, _, _ in PLANTED_BROKEN} | {stats_url}
        assert broken == expected
        kinds = {t: k for t, k in s.execute(select(Link.target, Link.kind))}
        assert kinds[_one(checks, "/W020230415556677889900.jpg").target] == "image"
        assert kinds[_one(checks, "/W020190315401234567890.xlsx").target] == "attachment"
        assert kinds[_one(checks, "/zwfw.shili.gov.cn/").target] == "external"


def test_head_refusing_targets_are_ok_via_get(demo: DemoRun) -> None:
    with demo.session() as s:
        checks = _checks(s)
        for suffix in ("/www.stats.gov.cn/sj/zxfb/202402/W020240229397367155473.pdf",
                       "/www.stats.gov.cn/"):
            c = _one(checks, suffix)
            assert (c.outcome, c.status, c.method) == ("ok", 200, "GET"), suffix


def test_redirect_chains_are_followed_and_recorded(demo: DemoRun) -> None:
    with demo.session() as s:
        chain = _one(_checks(s), "/rsj.shili.gov.cn/")
        assert chain.outcome == "ok" and chain.status == 200
        assert [r["status"] for r in chain.redirects] == [301, 302]
        assert chain.redirects[1]["url"].endswith("/www.shili.gov.cn/rsj/")
        assert chain.final_url.endswith("/www.shili.gov.cn/rsj/index.html")
        internal = s.scalars(select(Page).where(Page.url.endswith("/xxgk/ndbg.jsp"))).one()
        assert internal.status == 200 and internal.final_url.endswith("/zwgk/ndbg/")
        assert "政府信息公开年报" in internal.title


def test_gbk_site_is_decoded(demo: DemoRun) -> None:
    with demo.session() as s:
        drc = s.scalars(select(Site).where(Site.code == DRC)).one()
        pages = s.scalars(select(Page).where(Page.site_id == drc.id, Page.status == 200)).all()
        titles = {p.url.split("/", 3)[3]: p.title for p in pages}
        assert titles[""] == "示例市发展和改革委员会"
        assert titles["list.asp?classid=1"] == "工作动态-示例市发展和改革委员会"
        assert "市发展改革委召开重点项目推进工作会-示例市发展和改革委员会" in titles.values()
        assert all(t and "\ufffd" not in t for t in titles.values())
        assert {p.encoding for p in pages} <= {"gbk", "gb18030"}
        home = next(p for p in pages if p.depth == 0)
        raw = zlib.decompress(s.get(Snapshot, home.id).body)
        assert "今天是：2019年3月5日" in raw.decode("gbk")  # served as real GBK bytes
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_chinese_paths_and_cms_pages_are_served(demo: DemoRun) -> None:
    with demo.session() as s:
        checks = _checks(s)
        topic = _one(checks, "/ztzl/%E4%BC%98%E5%8C%96%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83/")
        assert topic.outcome == "ok"
        att = _one(checks, "%E9%99%84%E4%BB%B6%EF%BC%9A%E9%87%8D%E7%82%B9%E4%BB%BB%E5%8A%A1"
                           "%E5%88%86%E5%B7%A5%E8%A1%A8.docx")  # 附件：重点任务分工表.docx
        assert (att.outcome, att.status) == ("ok", 200)
        titles = set(s.scalars(select(Page.title)))
        # mailbox board with its detail pages, survey column, Hanweb and TRS articles
        assert "政务咨询_示例市人民政府" in titles
        assert "关于农村宅基地确权登记的咨询_示例市人民政府" in titles
        assert "调查征集_示例市人民政府" in titles
        assert "示例高新技术产业开发区管理委员会" in titles
        assert "示例市教育局" in titles


def _snapshot(cluster) -> dict[tuple[int, str], bytes]:  # noqa: ANN001
    """Every route body, with each server's base URL replaced by a placeholder."""
    bases = [(s.base.encode(), f"<server{i}>".encode()) for i, s in enumerate(cluster.servers)]
    bases.append((cluster.hosts.stats.encode(), b"<stats>"))
    out = {}
    for i, server in enumerate(cluster.servers):
        for path, route in server.routes.items():
            body = route.payload()
            for base, mark in bases:
                body = body.replace(base, mark)
            out[(i, path)] = body
    return out


@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2027, 1, 5), date(2028, 2, 29)])
def test_cluster_is_deterministic_and_dated_relative_to_today(today: date) -> None:
    from govmon.demo.cluster import DemoCluster

    first, second = DemoCluster(today), DemoCluster(today)
    try:
        assert _snapshot(first) == _snapshot(second)
        routes = first.portal.routes
        home = routes["/"].payload().decode()
        yesterday = today - timedelta(days=1)
        assert f'<span class="date">{yesterday:%m-%d}</span>' in home  # fresh news
        notices = routes["/zwgk/tzgg/"].payload().decode()
        newest = max(date.fromisoformat(d) for d in re.findall(
            r'<span class="date">(\d{4}-\d{2}-\d{2})</span>', notices))
        assert (today - newest).days > 184  # stale: older than six calendar months
        assert "暂无信息" in routes["/zwgk/czyjs/"].payload().decode()  # blank column
        ywdt = routes["/xwdt/ywdt/"].payload().decode()
        pinned = ywdt.index("[置顶]")
        assert pinned < ywdt.index(f"{yesterday:%Y-%m-%d}")  # pinned old item on top
        for path, route in first.drc.routes.items():
            if route.content_type.startswith("text/html"):
                assert "charset=gbk" in route.content_type
                assert '<meta charset="gbk">' in route.payload().decode("gbk"), path
        assert len([p for p in routes if not p.startswith("/jyj/")]) >= 100
    finally:
        first.stop()  # never started: must not hang
        second.stop()


def test_demo_shows_the_content_and_security_findings(demo: DemoRun) -> None:
    """The planted V1 problems reach the findings: typo, secret marking, 暗链, hijacked link."""
    from store.models import Finding

    with demo.session() as s:
        found = {(f.rule, f.url) for f in s.scalars(select(Finding))}
    by_rule: dict[str, list[str]] = {}
    for rule, url in found:
        by_rule.setdefault(rule, []).append(url)
    assert any("/xwdt/bmdt/" in u for u in by_rule.get("content.serious_typo", []))
    assert any("/xwdt/bmdt/" in u for u in by_rule.get("content.secret_marking", []))
    assert by_rule.get("content.hidden_link"), sorted(by_rule)
    assert any("www.slxxh.org.cn" in u for u in by_rule.get("link.hijacked", [])), sorted(
        by_rule)


def test_demo_reads_the_json_backed_column(demo: DemoRun) -> None:
    """图片新闻 is an empty shell filled by its script from a JSON endpoint (two pages)."""
    from store.models import Column

    with demo.session() as s:
        run_id = s.scalars(select(Run.id).order_by(Run.id.desc())).first()
        col = s.scalars(select(Column).where(Column.run_id == run_id,
                                             Column.name == "图片新闻")).one()
        answers = s.scalars(select(Page.url).where(Page.run_id == run_id,
                                                   Page.content_type.ilike("%json%"))).all()
    assert (col.kind, col.paging, col.items, col.dated) == ("list", "json", 8, 8)
    assert col.newest is not None and col.parent_name == "新闻动态"
    assert sorted(u.rsplit("pageIndex=", 1)[1] for u in answers) == ["1&pageSize=6",
                                                                      "2&pageSize=6"]


# Issue 16: every rule of cluster governance, disclosure and early warning, on the site
# govmon/demo/governance.py plants it on (rule -> site code, or None for several sites).
GOVERNANCE = {
    "disclosure.annual_report_missing": VETERANS, "disclosure.annual_report_late": CULTURE,
    "disclosure.annual_report_incomplete": PORTAL, "report.yearly_statement_missing": CULTURE,
    "site.closed_still_online": TOURISM, "cluster.site_unlinked": VETERANS,
    "cluster.wrong_target": CULTURE, "media.mobile_broken": CULTURE,
    "media.entry_broken": CULTURE, "disclosure.late": CULTURE,
    "disclosure.fields_missing": CULTURE, "disclosure.request_channel_missing": CULTURE,
    "warn.home.stale": VETERANS, "warn.column.stale": VETERANS,
    "warn.column.stale_many": VETERANS, "warn.column.blank_many": VETERANS,
    "warn.mailbox.unanswered": VETERANS, "warn.site.unreachable": VETERANS,
}


def test_demo_shows_every_governance_rule_and_warning(demo: DemoRun) -> None:
    from store.models import ClosedProbe, Finding, Probe

    with demo.session() as s:
        run_id = s.scalars(select(Run.id).where(Run.status.in_(("complete", "partial")))
                           .order_by(Run.started_at.desc())).first()
        codes = dict(s.execute(select(Site.id, Site.code)).all())
        found: dict[str, set[str]] = {}
        for f in s.scalars(select(Finding).where(Finding.run_id == run_id)):
            found.setdefault(f.rule, set()).add(codes[f.site_id])
            if f.rule.startswith("warn."):
                assert f.severity == "warn", f.rule
        closed = {codes[p.site_id]: p for p in s.scalars(select(ClosedProbe).where(
            ClosedProbe.run_id == run_id))}
        probes = s.scalars(select(Probe)).all()
        incomplete = [f.detail["missing"] for f in s.scalars(select(Finding).where(
            Finding.run_id == run_id, Finding.rule == "disclosure.annual_report_incomplete"))]
    for rule, code in GOVERNANCE.items():
        assert code in found.get(rule, set()), (rule, sorted(found.get(rule, ())))
    # only the planted sites: the warnings are the 退役军人事务局's, the closed one online
    assert {c for r in GOVERNANCE if r.startswith("warn.") for c in found[r]} == {VETERANS}
    assert found["site.closed_still_online"] == {TOURISM}
    assert found["cluster.wrong_target"] == {CULTURE} and found["cluster.site_unlinked"] == {
        VETERANS}
    assert incomplete == [["存在的主要问题及改进情况"]]  # the portal's report lacks one section
    assert set(closed) == {GRAIN, TOURISM, PRICE}
    assert closed[PRICE].redirects[0]["status"] == 301 and closed[GRAIN].error == "refused"
    # the demo probed every running homepage, as cron would; one 503 on 退役军人事务局
    assert len(probes) >= 30 * len(RUNNING + [STATS])
ISSUE_17_RULES = ("privacy.personal_data", "content.recycled_post", "content.backdated_post",
                  "security.https_missing", "security.cert_invalid", "security.cert_expiring",
                  "security.mixed_content", "security.headers_missing",
                  "security.vulnerable_library", "security.private_address_leak",
                  "network.ipv6_missing", "access.care_mode_missing")


def test_demo_shows_one_of_each_issue_17_rule_and_no_full_number(demo: DemoRun) -> None:
    """govmon/demo/posture.py plants one example of each content-safety and security rule;
    the numbers it publishes appear nowhere in the workspace outside the compressed
    snapshots (store, reports, exports), nor in the demo's output."""
    from govmon.demo import posture
    from store.models import Finding

    with demo.session() as s:
        run_id = s.scalars(select(Run.id).order_by(Run.id.desc())).first()
        rules = set(s.scalars(select(Finding.rule).where(Finding.run_id == run_id)))
    assert [r for r in ISSUE_17_RULES if r not in rules] == [], sorted(rules)
    planted = [posture.ID_PAGE, posture.ID_SHEET, posture.CARD, posture.MOBILE]
    outputs = (demo.proc.stdout + demo.proc.stderr).encode()
    for path in [p for p in demo.workspace.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        for number in planted:
            assert number.encode() not in data, (number[:3], path.name)
            assert number.encode() not in outputs
