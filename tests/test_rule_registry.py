"""The rule registry: built-in rules, a province's rules from an installed distribution's
``govmon.rules`` entry point (faked by a ``*.dist-info`` on ``sys.path``, which is all
``importlib.metadata`` reads), a fixed ``warn`` severity and a cluster-level rule — run
end to end on a real crawl."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

import checks.links
from checks.base import FindingDraft, Rule
from checks.registry import RuleRegistryError, all_rules, builtin_rules, plugin_rules
from checks.runner import run_checks
from govmon.cli import main
from govmon.demo.server import Route
from indicators.system import load_system
from store.models import CheckRun, Finding, Run
from tests.conftest import html, run_crawl, spec

PLUGIN = '''
from checks.base import FindingDraft, Rule


def page_title(view):  # a page extractor: module level, the scan may run in a worker
    return view.title


def warn_titles(ctx):
    for record, title in ctx.page_facts("province.titles"):
        if "征求意见" in (title or ""):
            yield FindingDraft(rule="province.consultation_open", url=record.url,
                               subject=record.url, message=f"征求意见稿仍在首页：{title}")


def portal_links_subsites(ctx):
    """Cluster level: every sub-site must be linked from its portal's pages."""
    portals = [c for c in ctx.sites if c.site.kind == "portal"]
    for sub in (c for c in ctx.sites if c.site.kind == "subsite"):
        for portal in portals:
            targets = {row.target for row in portal.links()}
            if sub.site.url not in targets:
                yield FindingDraft(rule="province.subsite_unlinked", url=sub.site.url,
                                   subject="portal-link", site=sub.site.code,
                                   message=f"门户网站未链接子站 {sub.site.name}")


RULES = [
    Rule(name="province_warning", ids=("province.consultation_open",), check=warn_titles,
         needs_complete=False, severity="warn", page_facts={"province.titles": page_title}),
    Rule(name="province_cluster", ids=("province.subsite_unlinked",),
         check=portal_links_subsites, scope="cluster", needs_complete=False),
]
'''


def _distribution(root: Path, value: str, module: str | None = None,
                  source: str = PLUGIN) -> Path:
    """An installed distribution as importlib.metadata sees one: a dist-info with an
    entry point, and the module it names."""
    dist = root / "govmon_province-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: govmon-province\n"
                                   "Version: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[govmon.rules]\nprovince = {value}\n",
                                           encoding="utf-8")
    if module:
        (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def test_builtin_rules_are_each_modules_one_rule() -> None:
    rules = builtin_rules()
    assert "links" in {r.name for r in rules} and checks.links.RULE in rules
    availability = next(r for r in rules if r.name == "availability")
    assert not availability.needs_reachable  # the one rule judging an unreachable site
    assert all(r.needs_reachable for r in rules if r is not availability)


def test_a_provinces_rules_run_from_its_entry_point(serve, tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site", "province_rules",
                                                  "province_rules")))
    names = {r.name for r in all_rules()}
    assert {"province_warning", "province_cluster", "links"} <= names

    portal_srv = serve({"/": Route(html("示例市人民政府", ["/zwgk/", "/x.html"])),
                        "/zwgk/": Route(html("政务公开", ["/"])),
                        "/x.html": Route(html("关于规划的征求意见稿", ["/"]))})
    sub_srv = serve({"/": Route(html("示例市教育局", ["/a.html"])),
                     "/a.html": Route(html("通知", ["/"]))})
    portal = spec(portal_srv.url("/"), name="示例市人民政府")
    sub = spec(sub_srv.url("/"), kind="subsite", parent=portal.code, name="示例市教育局")
    crawled = run_crawl([portal, sub], tmp_path / "govmon.db", trusted=["127.0.0.0/8"])
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        mine = [r for r in plugin_rules() if r.name.startswith("province")]
        summary = run_checks(s, run, registry=crawled.registry, rules=[checks.links.RULE, *mine],
                             severity=load_system("national-2019").rule_severity)
        found = {(f.rule, f.site_id): f for f in s.scalars(
            select(Finding).where(Finding.run_id == run.id))}
        records = {(c.module, c.site_id): c for c in s.scalars(
            select(CheckRun).where(CheckRun.run_id == run.id))}
    assert not summary.errors
    portal_id, sub_id = crawled.site_id(portal.code), crawled.site_id(sub.code)
    warning = found[("province.consultation_open", portal_id)]
    assert warning.severity == "warn" and warning.url == portal_srv.url("/x.html")
    unlinked = found[("province.subsite_unlinked", sub_id)]  # the cluster rule's, on the sub-site
    assert unlinked.url == sub.url and unlinked.severity == "info"  # the system does not score it
    assert ("province.subsite_unlinked", portal_id) not in found
    assert records[("province_cluster", sub_id)].status == "ran"
    assert records[("province_cluster", sub_id)].findings == 1
    assert records[("province_cluster", portal_id)].findings == 0


def _siteless(ctx):
    yield FindingDraft(rule="province.siteless", url="http://127.0.0.1/", subject="x",
                       message="未指明站点")


def test_a_cluster_finding_naming_no_site_is_an_error_not_a_finding(tmp_path) -> None:
    crawled = run_crawl([spec("http://127.0.0.1:9/", name="示例市人民政府")],
                        tmp_path / "govmon.db", trusted=["127.0.0.0/8"])
    siteless = Rule(name="province_siteless", ids=("province.siteless",), check=_siteless,
                    scope="cluster", needs_complete=False, needs_reachable=False)
    with crawled.sessions.begin() as s:
        summary = run_checks(s, s.get(Run, crawled.result.run_id), rules=[siteless])
        stored = s.scalars(select(Finding)).all()
    assert not stored
    assert [(rule, reason) for _, rule, reason in summary.errors] == [
        ("province_siteless", "1 条发现未指明它所在的站点 (FindingDraft.site)")]


def test_a_plugin_that_cannot_load_is_one_line_and_exit_2(tmp_path, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site", "no_such_module")))
    with pytest.raises(RuleRegistryError, match=r"govmon\.rules:province = no_such_module "
                                                r"\(分发包 govmon-province\): 无法加载"):
        all_rules()
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "govmon.yaml").write_text("", encoding="utf-8")
    assert main(["-w", str(tmp_path / "ws"), "check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "无法加载" in err[0] and "Traceback" not in err[0]


def test_old_style_modules_and_duplicate_ids_are_refused(tmp_path, monkeypatch) -> None:
    legacy = 'RULES = ("province.x",)\nNEEDS_COMPLETE = False\ndef check(ctx):\n    return []\n'
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "a", "legacy_rules",
                                                  "legacy_rules", legacy)))
    with pytest.raises(RuleRegistryError, match="旧式规则模块"):
        all_rules()


def test_a_rule_id_given_twice_is_refused(tmp_path, monkeypatch) -> None:
    twice = ('from checks.base import Rule\n'
             'RULE = Rule(name="province_links", ids=("link.broken",), check=lambda c: [])\n')
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "b", "twice_rules",
                                                  "twice_rules", twice)))
    with pytest.raises(RuleRegistryError, match="link.broken 同时由 links 和 province_links"):
        all_rules()
