"""Columns end to end: sample sites of each CMS family served for real, crawled for real,
then ``run_checks`` → ``Column`` / ``Item`` rows and findings.

One crawl of four sites (module fixture) keeps the suite fast:
* TRS (UTF-8): classic and six-argument ``createPageHTML``, a 尾页-only pager, an
  information-disclosure table, an undated list dated from article bylines, pinned items,
  blank columns (placeholder, empty list), a script-rendered column, limits on both sides;
* Hanweb (UTF-8): ``<datastore>`` lists, ``dataproxy.jsp`` paging in both forms;
* a legacy site in GBK: table rows with ``[MM-DD]`` / ``MM-DD`` / ``YYYY年MM月DD日`` dates, a
  query pager announced only by its 尾页 link, a homepage whose items carry no date;
* a town site with many stale and blank columns (the V4 counts).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from checks import columns, columns_counts
from checks.runner import run_checks
from store.models import CheckRun, Column, Finding, Item, LinkCheck, Run
from tests.columns_sites import (
    TODAY,
    Expect,
    Sample,
    ago,
    hanweb_site,
    legacy_site,
    many_site,
    nav_only_site,
    series,
    trs_site,
)
from tests.conftest import run_crawl, spec

THRESHOLDS = """thresholds:
  home_stale: 2w
  column_stale: {news: 2w, notice: 6m, personnel: 1y}
  stale_many: {news_notice: 5, should_update: 10}
  blank_many: 5
"""
RULES = [columns.RULE, columns_counts.RULE]


class Cluster:
    def __init__(self, crawled, samples, sites, servers, system):  # noqa: ANN001
        self.crawled, self.samples, self.sites, self.servers = crawled, samples, sites, servers
        self.system = system
        self.run_id = crawled.result.run_id

    def columns(self, key: str) -> dict[str, Column]:
        with self.crawled.session() as s:
            site_id = self.crawled.site_id(self.sites[key].code)
            rows = s.scalars(select(Column).where(Column.run_id == self.run_id,
                                                  Column.site_id == site_id)).all()
        return {c.name: c for c in rows}

    def items(self, key: str, name: str) -> list[Item]:
        col = self.columns(key)[name]
        with self.crawled.session() as s:
            return list(s.scalars(select(Item).where(Item.column_id == col.id)
                                  .order_by(Item.position)))

    def findings(self, key: str) -> list[Finding]:
        with self.crawled.session() as s:
            site_id = self.crawled.site_id(self.sites[key].code)
            return list(s.scalars(select(Finding).where(Finding.run_id == self.run_id,
                                                        Finding.site_id == site_id)))

    def url(self, key: str, path: str) -> str:
        return self.servers[key].url(path)


@pytest.fixture(scope="module")
def cluster(serve_module, tmp_path_factory) -> Cluster:  # noqa: ANN001
    samples: dict[str, Sample] = {"trs": trs_site(), "hanweb": hanweb_site(),
                                  "legacy": legacy_site(), "many": many_site(),
                                  "navhome": nav_only_site()}
    sites, servers = {}, {}
    for key, sample in samples.items():
        srv = serve_module(sample.routes, dynamic=sample.dynamic)
        servers[key] = srv
        hints = {}
        if key == "many":  # an operator's override: 专题五 is a news column, renamed
            hints = {"columns": {"专题五": {"class": "news", "name": "专题五（建设中）"}}}
            for e in sample.expect:
                if e.name == "专题五":
                    e.name = "专题五（建设中）"
        if key == "trs":  # by path: 人事信息 is a second-level column here
            hints = {"columns": {"/rsxx/": {"level": 2}}}
            next(e for e in sample.expect if e.name == "人事信息").level = 2
        sites[key] = spec(srv.url("/"), name=f"示例{key}", hints=hints)
    tmp = tmp_path_factory.mktemp("columns")
    crawled = run_crawl(list(sites.values()), tmp / "columns.db", trusted=["127.0.0.0/8"],
                        max_pages=400, timeout=10.0)
    for key, site in sites.items():  # every sample page must have been fetched
        rs = crawled.run_site(site.code)
        assert rs.complete and rs.errors == 0, (key, rs.status, rs.errors, rs.note)
    system = tmp / "national-test.yaml"
    system.write_text(THRESHOLDS, encoding="utf-8")
    with crawled.sessions.begin() as s:
        summary = run_checks(s, s.get(Run, crawled.result.run_id), system_path=system,
                             rules=RULES)
        assert not summary.errors, summary.errors
    return Cluster(crawled, samples, sites, servers, system)


def _check_expectations(cl: Cluster, key: str) -> None:
    cols = cl.columns(key)
    for e in cl.samples[key].expect:
        name = e.name
        assert name in cols, f"{key}: column {name} not found; have {sorted(cols)}"
        c = cols[name]
        where = f"{key}/{name}"
        assert c.kind == e.kind, where
        assert c.url == cl.url(key, e.url), where
        if e.kind == "list":
            assert c.update_class == e.update_class, where
            assert c.items == e.items, (where, c.items)
            assert c.newest == e.newest, (where, c.newest)
            assert c.level == e.level, (where, c.level)
        if e.paging:
            assert c.paging == e.paging, (where, c.paging)


@pytest.mark.parametrize("key", ["trs", "hanweb", "legacy", "many", "navhome"])
def test_columns_items_and_update_times(cluster: Cluster, key: str) -> None:
    assert cluster.crawled.run_site(cluster.sites[key].code).complete
    _check_expectations(cluster, key)


@pytest.mark.parametrize("key", ["trs", "hanweb", "legacy", "many", "navhome"])
def test_stale_and_blank_findings_on_both_sides_of_each_limit(cluster: Cluster, key: str) -> None:
    found = {(f.rule, f.detail.get("column")) for f in cluster.findings(key)}
    for e in cluster.samples[key].expect:
        name = e.name
        assert (("column.stale", name) in found) == e.stale, (key, name)
        assert (("column.blank", name) in found) == e.blank, (key, name)
    home = [f for f in cluster.findings(key) if f.rule == "home.stale"]
    assert bool(home) == cluster.samples[key].home_stale, key


def test_stale_finding_detail_shape(cluster: Cluster) -> None:
    by_col = {f.detail["column"]: f for f in cluster.findings("trs") if f.rule == "column.stale"}
    f = by_col["部门动态"]
    assert f.url == cluster.url("trs", "/xwdt/bmdt/")
    assert f.detail == {"column": "部门动态", "class": "news", "newest": ago(15).isoformat(),
                        "days": 15, "limit_days": 14, "level": 2, "category": "news",
                        "newest_source": "list", "items": 20, "parent": "新闻动态"}
    assert "15 天未更新" in f.message and f.severity == "deduct"
    policy = by_col["政策文件"]
    assert policy.detail["level"] == 1 and policy.detail["category"] == "policy"
    assert policy.detail["days"] == policy.detail["limit_days"] + 1


def test_pinned_item_does_not_hide_newer_ones(cluster: Cluster) -> None:
    items = cluster.items("trs", "工作动态")
    assert items[0].pinned and items[0].date == ago(400)
    assert not items[1].pinned and items[1].date == ago(14)
    assert cluster.columns("trs")["工作动态"].newest == ago(14)
    home = cluster.columns("many")["首页"]
    assert home.newest == ago(5)  # its pinned 2019 item sits on top


def test_every_page_of_every_paging_family_is_read(cluster: Cluster) -> None:
    for key, name, total, pages in [("trs", "工作动态", 41, 3), ("trs", "部门动态", 20, 2),
                                    ("trs", "通知公告", 25, 3), ("hanweb", "要闻动态", 40, 3),
                                    ("hanweb", "通知公告", 50, 3), ("legacy", "工作动态", 40, 3)]:
        items = cluster.items(key, name)
        assert len(items) == total == len({i.url for i in items}), (key, name)
        assert len({i.page_url for i in items}) == pages, (key, name)
    # index.html, ./ and the later pages are one column
    col = cluster.columns("trs")["工作动态"]
    assert {cluster.url("trs", "/xwdt/gzdt/"), cluster.url("trs", "/xwdt/gzdt/index.html"),
            cluster.url("trs", "/xwdt/gzdt/index_2.html")} <= set(col.urls)


def test_date_forms_and_year_inference(cluster: Cluster) -> None:
    # [MM-DD] over 16 months: years follow the list order across New Year
    legacy = cluster.items("legacy", "工作动态")
    assert [i.date for i in legacy] == series(ago(2), 40, 12)
    assert {i.date_source for i in legacy} == {"list_year"}
    assert [i.date for i in cluster.items("legacy", "部门动态")] == series(ago(20), 12, 6)
    assert [i.date for i in cluster.items("legacy", "通知公告")] == series(ago(100), 8, 9)
    # 2026/11/03, 2026.11.03, 2026年11月3日, "2026-11-03　10∶08", "2026-11-03 10：08"
    for key, name in [("trs", "部门动态"), ("trs", "通知公告"), ("trs", "人事信息"),
                      ("hanweb", "要闻动态"), ("hanweb", "通知公告")]:
        items = cluster.items(key, name)
        assert all(i.date is not None and i.date_source == "list" for i in items), (key, name)
    # homepage blocks write MM-DD
    assert cluster.columns("trs")["首页"].newest == ago(14)


def test_undated_list_takes_the_article_byline_not_url_or_meta(cluster: Cluster) -> None:
    items = cluster.items("trs", "政策解读")
    assert [i.date for i in items] == [ago(30 + i * 20) for i in range(4)]
    assert {i.date_source for i in items} == {"byline"}


def test_information_disclosure_table_reads_the_publish_date_column(cluster: Cluster) -> None:
    items = cluster.items("trs", "政策文件")
    assert len(items) == 6
    assert items[0].date == cluster.samples["trs"].expect[3].newest  # 发布日期, not 成文日期
    assert all(i.date < TODAY - timedelta(days=150) for i in items)


def test_levels_and_parents(cluster: Cluster) -> None:
    trs = cluster.columns("trs")
    assert trs["工作动态"].level == 2 and trs["工作动态"].parent_name == "新闻动态"
    assert trs["新闻动态"].kind == "section", trs["新闻动态"].kind
    assert trs["工作动态"].parent_id == trs["新闻动态"].id, (trs["工作动态"].parent_id,
                                                        trs["新闻动态"].id)
    assert trs["通知公告"].level == 1 and trs["通知公告"].parent_id is None
    assert trs["首页"].kind == "home" and trs["首页"].level == 0
    many = cluster.columns("many")
    assert many["通知"].level == 2 and many["通知"].parent_name == "信息公开"


def test_blank_spa_and_single_pages(cluster: Cluster) -> None:
    trs = cluster.columns("trs")
    assert trs["数据开放"].kind == "spa" and "浏览器" in trs["数据开放"].note
    assert trs["概况信息"].kind == "single"
    assert "暂无信息" in trs["机构职能"].note
    assert "网站地图" not in trs and "联系我们" not in trs  # service pages are not columns
    blank_rules = {f.detail["column"] for f in cluster.findings("trs") if f.rule == "column.blank"}
    assert blank_rules == {"机构职能", "专题专栏", "统计数据"}
    assert cluster.columns("hanweb")["政策文件"].kind == "blank"  # an empty datastore


def test_veto_counts_and_missing_columns(cluster: Cluster) -> None:
    many = {f.rule: f for f in cluster.findings("many")}
    assert many["column.stale_many"].detail["news_notice_count"] == 5
    assert many["column.stale_many"].detail["should_update_count"] == 10
    assert many["column.stale_many"].severity == "veto"
    assert many["column.stale_many"].url == cluster.sites["many"].url
    assert many["column.blank_many"].detail["count"] == 6
    assert "专题五（建设中）" in many["column.blank_many"].detail["columns"]
    trs = {f.rule for f in cluster.findings("trs")}
    assert "column.stale_many" not in trs and "column.blank_many" not in trs
    missing = {k: {f.detail["class"] for f in cluster.findings(k) if f.rule == "column.missing"}
               for k in cluster.sites}
    assert missing["trs"] == {"领导信息"}
    assert missing["hanweb"] == set()  # 市政府概况 / 机构职能 / 领导之窗 are single pages
    assert missing["legacy"] == {"政策文件", "政策解读", "概况信息", "机构职能", "领导信息"}


def test_registry_hint_overrides_class_and_name(cluster: Cluster) -> None:
    many = cluster.columns("many")
    assert "专题五（建设中）" in many and many["专题五（建设中）"].kind == "blank"
    assert many["专题五（建设中）"].update_class == "news"


def test_homepage_without_dated_items_is_stale(cluster: Cluster) -> None:
    f = next(f for f in cluster.findings("legacy") if f.rule == "home.stale")
    assert f.detail["newest"] is None and f.detail["items"] == 4 and "无日期" in f.message
    hw = next(f for f in cluster.findings("hanweb") if f.rule == "home.stale")
    assert hw.detail["days"] == 15 and hw.detail["newest"] == ago(15).isoformat()
    assert hw.detail["limit_days"] == 14


def test_navigation_only_homepage_uses_second_level_pages(cluster: Cluster) -> None:
    home = cluster.columns("navhome")["首页"]
    assert home.newest == ago(3) and "导航" in home.note
    assert not [f for f in cluster.findings("navhome") if f.rule == "home.stale"]


def test_registry_hint_by_path_sets_the_level(cluster: Cluster) -> None:
    assert cluster.columns("trs")["人事信息"].level == 2


def test_datastore_links_are_verified_links(cluster: Cluster) -> None:
    first = cluster.items("hanweb", "通知公告")[0]
    with cluster.crawled.session() as s:
        lc = s.scalars(select(LinkCheck).where(LinkCheck.run_id == cluster.run_id,
                                               LinkCheck.target == first.url)).one()
    assert lc.outcome == "ok"
    links = [link for link in cluster.crawled.links(cluster.sites["hanweb"].code)
             if link.target == first.url]
    assert links and links[0].kind == "internal" and links[0].tag == "a"
    # an entry that only a dataproxy.jsp answer lists is a link of that (XML) page
    last = cluster.items("hanweb", "通知公告")[-1]
    assert "dataproxy.jsp" in last.page_url and "startrecord=31" in last.page_url
    pages = cluster.crawled.pages(cluster.sites["hanweb"].code)
    carriers = {link.page_id for link in cluster.crawled.links(cluster.sites["hanweb"].code)
                if link.target == last.url}
    assert pages[last.page_url].id in carriers
    assert pages[last.page_url].content_type.startswith("text/xml")


def test_gbk_pages_are_decoded(cluster: Cluster) -> None:
    items = cluster.items("legacy", "通知公告")
    assert items[0].title.startswith("通知公告：示例市召开")


def test_recheck_rebuilds_and_keeps_fingerprints(cluster: Cluster) -> None:
    before = {(f.rule, f.fingerprint) for f in cluster.findings("trs")}
    with cluster.crawled.sessions.begin() as s:
        run_checks(s, s.get(Run, cluster.run_id), system_path=cluster.system,
                   rules=RULES)
    after = {(f.rule, f.fingerprint) for f in cluster.findings("trs")}
    assert before == after
    cols = cluster.columns("trs")
    assert len(cols) == len(set(cols)) and cols["工作动态"].items == 41
    with cluster.crawled.session() as s:
        rs = cluster.crawled.run_site(cluster.sites["trs"].code)
        assert rs.columns == len(cols) - 1  # the homepage row is not a column
        runs = s.scalars(select(CheckRun).where(CheckRun.run_id == cluster.run_id,
                                                CheckRun.module == "columns_counts")).all()
        assert {r.status for r in runs} == {"ran"}


def test_limits_come_from_the_indicator_file(cluster: Cluster, tmp_path: Path) -> None:
    """A province with a 3-week news limit: 部门动态 (15 days) is no longer stale."""
    system = tmp_path / "province.yaml"
    system.write_text(THRESHOLDS.replace("news: 2w", "news: 3w"), encoding="utf-8")
    with cluster.crawled.sessions.begin() as s:
        run_checks(s, s.get(Run, cluster.run_id), system_path=system, rules=RULES)
    found = {(f.rule, f.detail.get("column")) for f in cluster.findings("trs")}
    assert ("column.stale", "部门动态") not in found
    assert ("column.stale", "政策文件") in found
    with cluster.crawled.sessions.begin() as s:  # back to the national limits
        run_checks(s, s.get(Run, cluster.run_id), system_path=cluster.system,
                   rules=RULES)


def test_expectations_are_the_ones_written(cluster: Cluster) -> None:
    """Guards the fixture itself: each limit is exercised on both sides."""
    trs = {e.name: e for e in cluster.samples["trs"].expect}
    assert not trs["工作动态"].stale and trs["部门动态"].stale
    assert trs["工作动态"].newest == ago(14) and trs["部门动态"].newest == ago(15)
    assert not trs["通知公告"].stale and trs["政策文件"].stale
    assert not trs["人事信息"].stale and trs["规划计划"].stale
    assert isinstance(trs["通知公告"], Expect) and isinstance(trs["通知公告"].newest, date)


def test_pruned_snapshots_leave_columns_unknown(cluster: Cluster, tmp_path: Path) -> None:
    """Without the run's page bodies nothing can be judged: the rules report an error (not
    "no problem"), so earlier findings are not taken as fixed."""
    import sqlite3

    from sqlalchemy import delete

    from store.db import open_store
    from store.models import Snapshot

    src = cluster.crawled.db.removeprefix("sqlite:///")
    copy = tmp_path / "copy.db"
    with sqlite3.connect(src) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    sessions = open_store(f"sqlite:///{copy}")
    with sessions.begin() as s:
        s.execute(delete(Snapshot).where(Snapshot.run_id == cluster.run_id))
        summary = run_checks(s, s.get(Run, cluster.run_id), system_path=cluster.system,
                             rules=RULES)
        runs = s.scalars(select(CheckRun).where(CheckRun.run_id == cluster.run_id)).all()
        assert {r.status for r in runs} == {"error"}
        assert all("快照" in r.reason for r in runs)
        assert not s.scalars(select(Finding).where(Finding.run_id == cluster.run_id)).all()
    assert len(summary.errors) == 2 * len(cluster.sites)
