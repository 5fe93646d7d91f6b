"""``govmon nightly`` end to end on a local cluster: lock, a failing stage that keeps what
earlier stages stored, recovery without a second crawl, and idempotent re-runs."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

import checks.runner
from govmon.cli import main
from govmon.demo.server import Route
from indicators.system import load_system
from scoring.engine import normalize_quarter
from settings.config import workspace_lock
from settings.registry import Registry
from store.db import open_store
from store.models import Finding, Probe, Run, Scorecard, Site
from store.ops import sync_registry
from tests.conftest import html, spec

SETTINGS = "workers: 1\ntimeout: 2.0\nretries: 1\nrecheck_delay: 0.3\nmax_pages: 50\n"


def _counts(sessions) -> tuple[int, int, int]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Run, Finding, Scorecard))


def test_nightly_pipeline(serve, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    portal_srv = serve({"/": Route(html("示例市人民政府", ["/a.html", "/gone.html"])),
                        "/a.html": Route(html("通知公告", ["/"]))})
    dept_srv = serve({"/": Route(html("示例市统计局", ["/b.html"])),
                      "/b.html": Route(html("统计数据", ["/"]))})
    portal = spec(portal_srv.url("/"), name="示例市人民政府")
    dept = spec(dept_srv.url("/"), kind="department", name="示例市统计局", has_services=False)
    registry = Registry(sites=[portal, dept], trusted_networks=["127.0.0.0/8"])
    registry.save(tmp_path / "sites.yaml")
    (tmp_path / "govmon.yaml").write_text(SETTINGS, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'govmon.db'}"
    sessions = open_store(db)
    end = datetime.combine(date.today(), time.max)
    with sessions.begin() as s:  # a week of healthy probes, as `govmon probe` from cron
        ids = sync_registry(s, registry)
        for code in ids.values():
            s.add_all(Probe(site_id=code, at=end - timedelta(minutes=70 * i + 1), ok=True,
                            status=200, elapsed_ms=80) for i in range(140))
    base = ["-w", str(tmp_path), "--db", db]

    # one at a time
    with workspace_lock(tmp_path):
        assert main([*base, "nightly"]) == 5
    assert "另一个 govmon 任务正在运行" in capsys.readouterr().err
    assert _counts(sessions) == (0, 0, 0)

    # a failing stage: reported, later stages skipped, the crawl kept
    def broken_checks(*args, **kwargs):
        raise RuntimeError("规则库损坏")

    monkeypatch.setattr(checks.runner, "run_checks", broken_checks)
    assert main([*base, "nightly"]) == 1
    out = capsys.readouterr().out
    assert "阶段「检查」失败" in out and "RuntimeError: 规则库损坏" in out
    with sessions() as s:
        run = s.scalars(select(Run)).one()
        assert run.status == "complete"
    assert _counts(sessions) == (1, 0, 0)
    monkeypatch.undo()
    monkeypatch.setenv("COLUMNS", "250")

    # the next start reuses tonight's crawl and finishes the pipeline
    assert main([*base, "nightly"]) == 0
    out = capsys.readouterr().out
    assert f"今天已抓取 (任务 {run.id})，沿用" in out
    assert "检查网站" in out and "2 个 (完整 2，不完整 0)" in out
    runs, findings, cards = _counts(sessions)
    assert runs == 1 and findings >= 1
    quarter = normalize_quarter(f"{date.today().year}Q{(date.today().month + 2) // 3}")
    with sessions() as s:
        stored = {(site.code, card.period): card for card, site in s.execute(
            select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)).all()}
        broken = s.scalars(select(Finding).where(Finding.rule == "link.broken")).all()
    assert set(stored) == {(portal.code, f"run:{run.id}"), (dept.code, f"run:{run.id}"),
                           (portal.code, quarter), (dept.code, quarter)}
    assert [f.url for f in broken] == [portal_srv.url("/gone.html")]
    # every card agrees with the findings the real checks stored for its run
    national = load_system("national-2019")
    with sessions() as s:
        for (code, _period), card in stored.items():
            site = s.scalars(select(Site).where(Site.code == code)).one()
            rules = set(s.scalars(select(Finding.rule).where(Finding.run_id == run.id,
                                                             Finding.site_id == site.id)))
            assert card.run_id == run.id
            assert card.vetoes == [v.id for v in national.vetoes
                                   if rules & set(v.rules) and not v.probes
                                   and (site.has_services or not v.services)]
            inds = {i["id"]: i for i in card.detail["indicators"]}
            assert inds["V2"]["status"] == "passed"  # 140 healthy probes in the window
            if card.vetoes:
                assert card.verdict == "不合格" and card.score is None
                assert inds["F3"]["status"] == "not_scored"
            elif code == portal.code:
                assert inds["F3"]["lost"] == 0.2 and inds["F3"]["findings"] == [broken[0].id]
        dept_card = {i["id"]: i for i in stored[(dept.code, quarter)].detail["indicators"]}
        assert dept_card["V6"]["status"] == dept_card["S4"]["status"] == "not_applicable"
    report = tmp_path / "reports" / f"scorecards-run{run.id}.json"
    assert {r["site"] for r in json.loads(report.read_text(encoding="utf-8"))} == {
        portal.code, dept.code}
    findings_file = tmp_path / "reports" / f"findings-run{run.id}.json"
    assert any(r["rule"] == "link.broken" for r in json.loads(findings_file.read_text(
        encoding="utf-8")))

    # idempotent: running again stores nothing twice
    assert main([*base, "nightly"]) == 0
    capsys.readouterr()
    assert _counts(sessions) == (runs, findings, cards)
