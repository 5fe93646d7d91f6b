"""Scoring engine on findings and probes built directly in a temporary store.

Every veto and deduction path of the 2019 national file, caps, the 60 / 80 marks, bonus
rules, the 4/3 scaling, the probe window, data gaps, manual results and quarters.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.rules_catalogue import RULES
from indicators.system import load_system
from scoring import engine
from scoring.engine import FAIL, OPEN, PASS
from scoring.manual import ManualFileError, load_manual
from store.db import open_store
from store.models import CheckRun, Finding, Probe, Run, RunSite, Scorecard, Site

NATIONAL = load_system("national-2019")
CENSUS = load_system("census-2015")
RUN_AT = datetime(2026, 11, 20, 2, 0)
RUN_DAY = RUN_AT.date()
ALL_RULES = tuple(RULES)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated store per module, copied for each test (migrating takes ~0.2 s)."""
    path = tmp_path_factory.mktemp("scoring") / "template.db"
    open_store(f"sqlite:///{path}").kw["bind"].dispose()
    return path


@pytest.fixture
def s(tmp_path: Path, template: Path) -> Session:
    path = tmp_path / "score.db"
    shutil.copyfile(template, path)
    sessions = open_store(f"sqlite:///{path}", upgrade=False)
    with sessions() as session:
        yield session
    sessions.kw["bind"].dispose()


_codes = iter(range(5101000001, 5101999999))


def add_site(s: Session, kind: str = "portal", services: bool = True) -> Site:
    site = Site(code=str(next(_codes)), name=f"测试{kind}网站", url="http://127.0.0.9/",
                kind=kind, has_services=services, updated_at=RUN_AT)
    s.add(site)
    s.flush()
    return site


def add_run(s: Session, sites: list[Site], at: datetime = RUN_AT, *, complete: bool = True,
            ran: tuple[str, ...] = ALL_RULES, skipped: tuple[str, ...] = (),
            errored: tuple[str, ...] = (), status: str = "complete") -> Run:
    """A finished run; ``ran`` / ``skipped`` / ``errored``: what the checks recorded."""
    run = Run(started_at=at, finished_at=at + timedelta(hours=1), status=status)
    s.add(run)
    s.flush()
    for site in sites:
        s.add(RunSite(run_id=run.id, site_id=site.id, complete=complete,
                      status="complete" if complete else "incomplete"))
        for module, rules, state in (("ran", ran, "ran"), ("skipped", skipped, "skipped"),
                                     ("errored", errored, "error")):
            if rules:
                s.add(CheckRun(run_id=run.id, site_id=site.id, module=module, rules=list(rules),
                               status=state, checked_at=at))
    s.flush()
    return run


def add_finding(s: Session, run: Run, site: Site, rule: str, subject: str = "",
                **detail: object) -> Finding:
    f = Finding(run_id=run.id, site_id=site.id, rule=rule, url=f"{site.url}{subject}",
                severity=NATIONAL.rule_severity(rule), message=f"{rule} {subject}",
                detail=detail, fingerprint=f"{site.code}{rule}{subject}{len(detail)}"
                f"{sorted(detail.items())}", first_seen=run.started_at,
                last_seen=run.started_at)
    s.add(f)
    s.flush()
    return f


def add_probes(s: Session, site: Site, end: date = RUN_DAY, total: int = 140,
               failed: int = 0, slow: int = 0, days: int = 7) -> None:
    """``total`` probes spread over the ``days`` ending with ``end``; the first
    ``failed`` fail, the next ``slow`` answer but after 16 s."""
    last = datetime.combine(end, time.max)
    step = timedelta(days=days) / total
    for i in range(total):
        s.add(Probe(site_id=site.id, at=last - step * i - timedelta(seconds=1),
                    ok=i >= failed, status=200 if i >= failed else 0,
                    elapsed_ms=16_000 if failed <= i < failed + slow else 300,
                    error=None if i >= failed else "timeout"))
    s.flush()


def score(s: Session, run: Run, site: Site, system=NATIONAL, **kw) -> engine.ScoreResult:
    return engine.score_site(s, system, run.id, site.id, **kw)


def healthy(s: Session, kind: str = "portal", services: bool = True, **run_kw):
    site = add_site(s, kind, services)
    add_probes(s, site)
    return site, add_run(s, [site], **run_kw)


# -- a clean site --------------------------------------------------------------------
def test_clean_site_passes_but_undecidable_indicators_are_not_counted_as_passed(s):
    site, run = healthy(s)
    res = score(s, run, site)
    assert (res.verdict, res.score, res.vetoes) == (PASS, 100, [])
    statuses = {r.id: r.status for r in res.indicators}
    assert statuses["V2"] == statuses["V3"] == statuses["F3"] == statuses["D4"] == "passed"
    # P and H indicators: never "passed" without a person
    for ind in ("V1", "V5", "V6", "D7", "S2", "I4", "F9", "B1"):
        assert statuses[ind] == "manual_check", ind
        assert ind in res.needs_person
    assert not any(r.status == "passed" and r.check != "A" for r in res.indicators)


# -- single-veto items ---------------------------------------------------------------
VETO_PATHS = [
    ("V1", "link.hijacked", {"target": "http://bad.example/", "evidence": "博彩"}),
    ("V1", "content.hidden_link", {"target": "http://bad.example/", "how": "display:none"}),
    ("V1", "content.serious_typo", {"wrong": "中华人民共合国", "right": "中华人民共和国"}),
    ("V1", "content.secret_marking", {"marking": "机密★"}),
    ("V3", "home.stale", {"newest": "2026-10-01", "days": 50}),
    ("V4", "column.stale_many", {"news_notice_count": 5, "should_update_count": 3}),
    ("V4", "column.blank_many", {"count": 5}),
    ("V5", "mailbox.missing", {}),
    ("V5", "mailbox.unanswered", {"submitted": "2026-05-01", "days": 200}),
    ("V6", "guide.incomplete_many", {"count": 5}),
]


@pytest.mark.parametrize(("veto", "rule", "detail"), VETO_PATHS)
def test_each_veto_fails_the_site_and_nothing_else_is_scored(s, veto, rule, detail):
    site, run = healthy(s)
    f = add_finding(s, run, site, rule, **detail)
    broken = add_finding(s, run, site, "link.broken", "x", on_homepage=True)
    res = score(s, run, site)
    assert res.verdict == FAIL and res.score is None
    assert res.vetoes == [veto]
    hit = res.indicator(veto)
    assert hit.status == "vetoed" and hit.findings == [f.id]
    f3 = res.indicator("F3")
    assert f3.status == "not_scored" and f3.lost == 0 and broken.id not in f3.findings
    assert all(r.status == "not_scored" for r in res.indicators if r.kind == "bonus")
    assert res.lost == {}


def test_service_veto_does_not_apply_to_departments_without_services(s):
    site, run = healthy(s, kind="department", services=False)
    add_finding(s, run, site, "guide.incomplete_many", count=7)
    res = score(s, run, site)
    assert res.indicator("V6").status == "not_applicable"
    assert res.vetoes == [] and res.verdict == PASS


# -- availability window (V2) --------------------------------------------------------
def test_exactly_five_percent_failed_probes_is_a_veto(s):
    site = add_site(s)
    add_probes(s, site, total=140, failed=7)  # 7 / 140 = 5 % exactly
    run = add_run(s, [site])
    res = score(s, run, site)
    assert res.availability.share == Fraction(1, 20)
    assert res.vetoes == ["V2"] and res.verdict == FAIL
    assert res.indicator("V2").items == [{"probes": 140, "failures": 7, "share": 0.05}]


def test_just_under_five_percent_is_not_a_veto(s):
    site = add_site(s)
    add_probes(s, site, total=141, failed=7)  # 4.96 %
    res = score(s, add_run(s, [site]), site)
    assert res.indicator("V2").status == "passed" and res.verdict == PASS


def test_slow_answers_count_as_failures(s):
    site = add_site(s)
    add_probes(s, site, total=140, failed=3, slow=4)  # 3 errors + 4 answers after 16 s
    res = score(s, add_run(s, [site]), site)
    assert res.availability.failures == 7 and res.vetoes == ["V2"]


def test_too_few_probes_is_marked_and_not_passed(s):
    site = add_site(s)
    add_probes(s, site, total=139)  # 20 a day for 7 days needs 140
    res = score(s, add_run(s, [site]), site)
    v2 = res.indicator("V2")
    assert v2.status == "few_probes" and v2.label == "探测次数不足"
    assert res.verdict == OPEN and "V2" in res.data_gaps


def test_probes_outside_the_window_do_not_count(s):
    site = add_site(s)
    add_probes(s, site, end=RUN_AT.date() - timedelta(days=8), failed=140)
    add_probes(s, site, end=RUN_AT.date() + timedelta(days=8), failed=140)
    add_probes(s, site)  # the window's own: all fine
    res = score(s, add_run(s, [site]), site)
    assert (res.availability.probes, res.availability.failures) == (140, 0)
    assert res.indicator("V2").status == "passed"


def test_a_failed_crawl_alone_is_evidence_not_a_veto(s):
    site, run = healthy(s)
    f = add_finding(s, run, site, "site.unreachable", failures=0, probes=140, ratio=0.0,
                    crawl_failed=True)
    res = score(s, run, site)
    v2 = res.indicator("V2")
    assert not v2.hit and v2.status == "passed" and v2.evidence == [f.id]


def test_census_2015_deducts_per_percent_of_failed_probes(s):
    site = add_site(s)
    add_probes(s, site, total=200, failed=5)  # 2.5 %, below the veto share
    res = score(s, add_run(s, [site]), site, CENSUS)
    pd1 = res.indicator("PD1")
    assert pd1.lost == Fraction(5) and pd1.status == "deducted"  # 2.5 × 2 points
    assert res.verdict == PASS and res.score == 95


# -- deduction items -----------------------------------------------------------------
DEDUCTION_PATHS = [
    ("D1", "column.missing", {"class": "概况信息"}, "2"),
    ("D2", "column.missing", {"class": "机构职能"}, "2"),
    ("D3", "column.missing", {"class": "领导信息"}, "2"),
    ("D4", "column.missing", {"class": "动态要闻"}, "5"),
    ("D4", "column.stale", {"column": "部门动态", "class": "news", "level": 1,
                                   "category": "news"}, "5"),
    ("D5", "column.missing", {"class": "政策文件"}, "5"),
    ("D5", "column.stale", {"column": "政策文件", "class": "notice", "level": 1,
                                   "category": "policy"}, "5"),
    ("D6", "column.missing", {"class": "政策解读"}, "5"),
    ("D6", "column.stale", {"column": "政策解读", "class": "notice", "level": 1,
                                   "category": "interpretation"}, "5"),
    ("D9", "column.stale", {"column": "规范性文件", "class": "notice", "level": 2,
                                   "category": "policy"}, "1"),
    ("D9", "column.stale", {"column": "人事信息", "class": "personnel", "level": 1,
                                   "category": "personnel"}, "1"),
    ("D9", "column.stale", {"column": "通知公告", "class": "notice", "level": 1,
                            "category": "notice"}, "1"),
    ("D9", "column.blank", {"column": "专题专栏"}, "2"),
    ("S4", "guide.incomplete", {"missing": ["收费标准", "办理时间", "联系电话"],
                                "missing_count": 3}, "1.5"),
    ("I3", "mailbox.fields_missing", {"missing": ["答复时间"]}, "1"),
    ("I3", "mailbox.board_stale", {"newest": "2026-08-01"}, "3"),
    ("F2", "identity.conac_missing", {"pages": 12}, "0.5"),
    ("F2", "identity.site_code_missing", {"pages": 3}, "0.5"),
    ("F2", "identity.site_code_mismatch", {"found": "5101000009", "expected": "x"}, "0.5"),
    ("F2", "identity.icp_missing", {"pages": 1}, "0.5"),
    ("F2", "identity.psb_missing", {"pages": 1}, "0.5"),
    ("F2", "identity.sponsor_missing", {"pages": 1}, "0.5"),
    ("F2", "identity.contact_missing", {"pages": 1}, "0.5"),
    ("F3", "link.broken", {"kind": "internal", "status": 404, "on_homepage": True}, "0.2"),
    ("F3", "link.broken", {"kind": "internal", "status": 404, "on_homepage": False}, "0.1"),
    ("F4", "identity.jiucuo_missing", {"on_homepage": True, "pages": 9}, "1"),
    ("F4", "identity.jiucuo_missing", {"on_homepage": False, "pages": ["/a", "/b"]}, "0.4"),
    ("F6", "search.missing", {}, "4"),
    ("F8", "meta.tags_missing", {"missing": ["ColumnName"]}, "0.1"),
]


@pytest.mark.parametrize(("indicator", "rule", "detail", "points"), DEDUCTION_PATHS)
def test_each_deduction_path_costs_its_points_and_names_its_finding(
        s, indicator, rule, detail, points):
    site, run = healthy(s)
    f = add_finding(s, run, site, rule, **detail)
    res = score(s, run, site)
    ind = res.indicator(indicator)
    assert ind.lost == Fraction(points)
    assert ind.findings == [f.id]
    assert res.lost == {indicator: float(Fraction(points))}
    assert res.score == 100 - Fraction(points) and res.verdict == PASS
    assert res.indicator(indicator).status == ("deducted" if ind.check == "A" else ind.status)


def test_a_finding_is_never_deducted_twice(s):
    site, run = healthy(s)
    news = add_finding(s, run, site, "column.stale", "news", column="要闻", **{"class": "news"},
                       level=1)
    other = add_finding(s, run, site, "column.stale", "hr", column="人事", **{"class":
                                                                              "personnel"})
    res = score(s, run, site)
    assert res.indicator("D4").findings == [news.id]
    assert res.indicator("D9").findings == [other.id]
    assert res.score == 100 - 5 - 1


def test_indicator_cap(s):
    site, run = healthy(s)
    for i in range(12):
        add_finding(s, run, site, "link.broken", f"dead{i}", on_homepage=True)
    f3 = score(s, run, site).indicator("F3")
    assert f3.raw == Fraction(24, 10) and f3.lost == 1 and len(f3.findings) == 12


def test_category_loses_at_most_its_total(s):
    site, run = healthy(s)
    for cls in ("概况信息", "机构职能", "领导信息", "动态要闻", "政策文件", "政策解读"):
        add_finding(s, run, site, "column.missing", cls, **{"class": cls})
    for i in range(6):
        add_finding(s, run, site, "column.blank", f"blank{i}", column=f"空栏目{i}")
    res = score(s, run, site)
    assert res.indicator("D9").raw == 12 and res.indicator("D9").lost == 4
    lost = sum(r.lost for r in res.indicators if r.category == "发布解读")
    assert lost == 25  # D7 and D8 await a person: nothing counted for them
    res = score(s, run, site, manual=_manual({"D7": 3, "D8": 3}))
    assert sum(r.lost for r in res.indicators if r.category == "发布解读") == 31
    assert res.score == 69 and res.verdict == PASS


def _manual(points: dict[str, float | bool]):
    from scoring.manual import ManualResult

    return {k: ManualResult(site="x", indicator=k, points=None if isinstance(v, bool)
                            else Fraction(str(v)), veto=v if isinstance(v, bool) else None,
                            note="人工核查", where="test:1") for k, v in points.items()}


def _lose(s, run, site, total: float) -> None:
    """Findings worth exactly ``total`` points (a multiple of 0.5, at most 44), taken
    greedily from indicators that are decided automatically, S4 last."""
    plan = [("column.missing", {"class": c}, p) for c, p in
            (("动态要闻", 5), ("政策文件", 5), ("政策解读", 5), ("概况信息", 2), ("机构职能", 2),
             ("领导信息", 2))]
    plan += [("search.missing", {}, 4), ("column.blank", {"column": "空1"}, 2),
             ("column.blank", {"column": "空2"}, 2)]
    plan += [(f"identity.{k}_missing", {"pages": 1}, 0.5)
             for k in ("conac", "icp", "psb", "sponsor", "contact", "site_code")]
    plan += [("mailbox.board_stale", {}, 3), ("identity.jiucuo_missing",
                                              {"on_homepage": True}, 1)]
    left = Fraction(str(total))
    for rule, detail, p in plan:
        if left >= Fraction(str(p)):
            add_finding(s, run, site, rule, str(detail), **detail)
            left -= Fraction(str(p))
    if left:
        add_finding(s, run, site, "guide.incomplete", "g", missing_count=int(left * 2))


def test_sixty_passes_and_below_sixty_fails(s):
    site, run = healthy(s)
    _lose(s, run, site, 40)
    res = score(s, run, site)
    assert res.score == 60 and res.verdict == PASS
    add_finding(s, run, site, "link.broken", "one", on_homepage=False)
    res = score(s, run, site)
    assert res.score == Fraction(599, 10) and res.verdict == FAIL
    assert res.lost["F3"] == 0.1


# -- bonus ---------------------------------------------------------------------------
def test_bonus_for_portals_above_eighty(s):
    site, run = healthy(s)
    res = score(s, run, site, manual=_manual({"B1": 4, "B7": 2}))
    assert res.bonus_score == 6 and res.score == 106
    assert res.indicator("B1").status == "manual_result"
    assert res.indicator("B2").status == "manual_check"


def test_the_score_floor_keeps_the_bonus_only_while_above_eighty(s):
    site = add_site(s)
    add_probes(s, site)
    identity = tuple(r for r in ALL_RULES if r.startswith("identity."))
    run = add_run(s, [site], ran=tuple(r for r in ALL_RULES if r not in identity))
    res = score(s, run, site, manual=_manual({"B1": 4}))
    assert (res.score, res.score_floor) == (104, 100)  # F2 (3) and F4 (1) unknown
    _lose(s, run, site, 18)  # 82 (F2 already −1): the unknown 3 left would give 79, no bonus
    res = score(s, run, site, manual=_manual({"B1": 4}))
    assert (res.score, res.score_floor, res.verdict) == (86, 79, PASS)


def test_no_bonus_at_exactly_eighty(s):
    site, run = healthy(s)
    _lose(s, run, site, 20)
    res = score(s, run, site, manual=_manual({"B1": 4}))
    assert res.deduction_score == 80 and res.score == 80 and res.bonus_score == 0
    assert res.indicator("B1").status == "not_scored"


def test_no_bonus_for_subsites_and_departments(s):
    for kind in ("subsite", "department"):
        site, run = healthy(s, kind=kind)
        res = score(s, run, site, manual=_manual({"B1": 4}))
        assert res.score == 100 and res.bonus_score == 0
        assert all(r.status == "not_scored" for r in res.indicators if r.kind == "bonus")


# -- departments without service functions --------------------------------------------
def test_without_services_scored_out_of_75_and_scaled_by_four_thirds(s):
    site, run = healthy(s, kind="department", services=False)
    for rule in ("identity.conac_missing", "identity.icp_missing", "identity.psb_missing",
                 "identity.sponsor_missing", "identity.contact_missing",
                 "identity.site_code_missing"):
        add_finding(s, run, site, rule, pages=1)
    add_finding(s, run, site, "guide.incomplete", missing_count=10)  # S4: not checked
    res = score(s, run, site)
    assert res.base == 75
    assert res.indicator("S4").status == "not_applicable" and res.indicator("S4").lost == 0
    assert res.score == Fraction(72 * 4, 3) == 96
    assert res.to_detail()["scale"] == "4/3"
    _lose(s, run, site, 15)  # 75 − 3 − 15 = 57 → 76
    assert score(s, run, site).score == 76


# -- incomplete data -----------------------------------------------------------------
def test_incomplete_crawl_leaves_indicators_unknown(s):
    site = add_site(s)
    add_probes(s, site)
    col_rules = ("column.stale", "column.stale_many", "column.blank", "column.blank_many",
                 "column.missing", "home.stale")
    run = add_run(s, [site], complete=False,
                  ran=tuple(r for r in ALL_RULES if r not in col_rules), skipped=col_rules)
    f = add_finding(s, run, site, "link.broken", "x", on_homepage=True)
    res = score(s, run, site)
    f3 = res.indicator("F3")
    assert f3.status == "incomplete" and f3.lost == Fraction(1, 5) and f3.findings == [f.id]
    for ind in ("V3", "V4", "D4", "D9"):
        assert res.indicator(ind).status == "incomplete", ind
        assert res.indicator(ind).label == "数据不完整"
    assert res.verdict == OPEN
    assert res.score == Fraction(998, 10) and res.score_floor < res.score


def test_an_indicator_at_its_cap_is_decided_even_on_a_partial_crawl(s):
    site = add_site(s)
    add_probes(s, site)
    run = add_run(s, [site], complete=False)
    for i in range(5):
        add_finding(s, run, site, "link.broken", f"d{i}", on_homepage=True)
    assert score(s, run, site).indicator("F3").status == "deducted"


def test_rules_that_did_not_run_or_failed_are_not_passed(s):
    site = add_site(s)
    add_probes(s, site)
    identity = tuple(r for r in ALL_RULES if r.startswith("identity."))
    run = add_run(s, [site], ran=tuple(r for r in ALL_RULES
                                       if r not in identity and r != "search.missing"),
                  errored=("search.missing",))
    res = score(s, run, site)
    assert res.indicator("F2").status == "not_checked"
    assert res.indicator("F4").status == "not_checked"
    assert res.indicator("F6").status == "check_error"
    # unknown F2 (3) + F4 (1) + F6 (4) cannot bring 100 under 60: the verdict stands
    assert res.verdict == PASS and res.score_floor == 92


def test_a_data_gap_that_could_fail_the_site_makes_it_undecided(s):
    site = add_site(s)
    add_probes(s, site)
    run = add_run(s, [site], ran=tuple(r for r in ALL_RULES if r != "guide.incomplete"))
    _lose(s, run, site, 35)
    res = score(s, run, site)
    assert res.indicator("S4").status == "not_checked"
    assert res.score == 65 and res.score_floor == 57 and res.verdict == OPEN


# -- manual results ------------------------------------------------------------------
def test_manual_yaml_results_decide_p_and_h_indicators(s, tmp_path):
    site, run = healthy(s)
    add_finding(s, run, site, "home.stale", newest="2026-10-01", days=50)
    path = tmp_path / "manual.yaml"
    path.write_text(f"""
- site: "{site.code}"
  indicator: V3
  veto: 否
  note: 首页有带日期的新闻，误报
- {{site: "{site.code}", indicator: D7, points: 2, note: 两份文件无解读}}
- {{site: "{site.code}", indicator: S2, points: 0, note: 可注册可申请}}
""", encoding="utf-8")
    manual = load_manual(path)
    manual.validate([NATIONAL], {site.code})
    res = score(s, run, site, manual=manual.for_site(NATIONAL, site.code, f"run:{run.id}"))
    v3 = res.indicator("V3")
    assert not v3.hit and v3.status == "manual_result" and v3.manual["note"].endswith("误报")
    assert res.indicator("D7").lost == 2 and res.indicator("D7").label == "人工核定"
    assert res.indicator("S2").status == "manual_result" and "S2" not in res.needs_person
    assert res.verdict == PASS and res.score == 98
    assert v3.manual["where"] == f"{path}:2"


def test_manual_csv_veto(s, tmp_path):
    site, run = healthy(s)
    path = tmp_path / "manual.csv"
    path.write_text(f"网站标识码,指标,否决,扣分,说明\n{site.code},V1,是,,首页领导姓名错误\n",
                    encoding="utf-8-sig")
    manual = load_manual(path)
    manual.validate([NATIONAL], {site.code})
    res = score(s, run, site, manual=manual.for_site(NATIONAL, site.code, "run:1"))
    assert res.vetoes == ["V1"] and res.verdict == FAIL
    assert res.indicator("V1").manual["note"] == "首页领导姓名错误"


@pytest.mark.parametrize(("row", "message"), [
    ("{code},D7,,5,", "D7 扣分 5 超过上限 3"),
    ("{code},D99,,1,", "未知指标 'D99'"),
    ("{code},D7,是,,", "D7 不是单项否决指标"),
    ("{code},V1,,1,", "V1 是单项否决指标，应填写 veto"),
    ("9999999999,D7,,1,", "网站标识码 '9999999999' 不在数据库中"),
    ("{code},V1,也许,,", "veto 应为 是/否"),
    ("{code},D7,,abc,", "分值 'abc' 不是数字"),
])
def test_bad_manual_rows_are_refused_naming_file_and_line(s, tmp_path, row, message):
    site = add_site(s)
    path = tmp_path / "m.csv"
    path.write_text("site,indicator,veto,points,note\n" + f"{site.code},D8,,1,ok\n"
                    + row.format(code=site.code) + "\n", encoding="utf-8")
    with pytest.raises(ManualFileError) as err:
        load_manual(path).validate([NATIONAL], {site.code})
    assert str(err.value).startswith(f"{path}:3: ") and message in str(err.value)


# -- storage, export, quarters -------------------------------------------------------
def test_scorecards_are_stored_once_per_site_period_and_system(s):
    site, run = healthy(s)
    add_finding(s, run, site, "link.broken", "x", on_homepage=True)
    engine.score_run(s, NATIONAL, run.id)
    engine.score_run(s, NATIONAL, run.id)
    engine.score_run(s, CENSUS, run.id)
    assert s.scalar(select(func.count()).select_from(Scorecard)) == 2
    recs = engine.scorecard_records(s, period=f"run:{run.id}", system="national-2019")
    assert recs == [{
        "site": site.code, "name": site.name, "kind": "portal", "period": f"run:{run.id}",
        "system": "national-2019", "verdict": "合格", "score": 99.8, "deduction_score": 99.8,
        "bonus": 0.0, "vetoes": [], "lost": {"F3": 0.2}, "data_gaps": [],
        "needs_person": recs[0]["needs_person"], "as_of": "2026-11-20", "run": run.id}]
    assert "V1" in recs[0]["needs_person"]
    census = engine.scorecard_records(s, system="census-2015")[0]
    assert census["lost"] == {"PD2": 1.0} and census["score"] == 99


def test_quarter_takes_the_latest_complete_run_and_the_window_at_quarter_end(s):
    a, b = add_site(s), add_site(s)
    add_run(s, [a, b], datetime(2026, 9, 20, 2))  # Q3
    early = add_run(s, [a], datetime(2026, 10, 10, 2))  # Q4, complete
    late = add_run(s, [a, b], datetime(2026, 12, 20, 2), complete=False)  # Q4, partial
    add_run(s, [a, b], datetime(2027, 1, 3, 2))  # Q1 of the next year
    unchecked = add_run(s, [a], datetime(2026, 12, 22, 2), ran=())  # never checked
    assert unchecked.id
    add_finding(s, early, a, "link.broken", "x", on_homepage=True)
    add_probes(s, a, end=date(2026, 12, 31), failed=7)  # the last week of Q4: 5 %
    add_probes(s, b, end=date(2026, 12, 31))

    assert engine.quarter_runs(s, "2026Q4", date(2026, 12, 31)) == {a.id: early.id,
                                                                    b.id: late.id}
    cards = {r.site_code: r for r in engine.score_quarter(s, NATIONAL, "2026q4",
                                                          as_of=date(2026, 12, 31))}
    assert cards[a.code].period == "2026Q4" and cards[a.code].run_id == early.id
    assert cards[a.code].vetoes == ["V2"]  # the quarter's window, not the run's
    assert cards[b.code].run_id == late.id and cards[b.code].verdict == OPEN
    # the run's own card uses the week before the crawl: no probes then
    run_card = engine.score_run(s, NATIONAL, early.id)[0]
    assert run_card.indicator("V2").status == "few_probes"
    stored = s.scalars(select(Scorecard).where(Scorecard.period == "2026Q4")).all()
    assert {c.run_id for c in stored} == {early.id, late.id}
    assert {c.as_of.date() for c in stored} == {date(2026, 12, 31)}


def test_quarter_dates():
    assert engine.parse_quarter("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert engine.parse_quarter("2027Q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert engine.quarter_as_of("2026Q4", today=date(2026, 11, 5)) == date(2026, 11, 5)
    assert engine.quarter_as_of("2026Q3", today=date(2026, 11, 5)) == date(2026, 9, 30)
    with pytest.raises(ValueError, match="季度格式错误"):
        engine.parse_quarter("2026Q5")
    with pytest.raises(ValueError, match="不在季度 2026Q4"):
        engine.quarter_as_of("2026Q4", date(2027, 1, 2))


def test_scores_are_exact_despite_tenths(s):
    site, run = healthy(s)
    for i in range(3):
        add_finding(s, run, site, "meta.tags_missing", f"p{i}", missing=["Keywords"])
    res = score(s, run, site)
    assert res.score == Fraction(997, 10)
    assert engine.store_scorecard(s, res).score == 99.7
