"""Verdicts a reader can trust (issue 13, item 1): a site the crawl could not reach is
never scored 100 nor ranked above a checked site, and says why it is pending."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.db import open_store
from store.models import Probe, Run, RunSite, Site


def _world(tmp_path, probes: list[bool]):  # noqa: ANN001, ANN202
    sessions = open_store(f"sqlite:///{tmp_path / 'v.db'}")
    with sessions.begin() as s:
        site = Site(code="5101000011", name="示例市统计局", url="http://127.0.0.1:9/",
                    kind="department", updated_at=datetime.now())
        run = Run(started_at=datetime(2026, 12, 7, 2), status="partial", options={})
        s.add_all([site, run])
        s.flush()
        s.add(RunSite(run_id=run.id, site_id=site.id, status="unreachable", complete=False,
                      note="首页无法访问 (refused)"))
        for i, ok in enumerate(probes):
            s.add(Probe(site_id=site.id, at=datetime(2026, 12, 7, 1) - timedelta(minutes=60 * i),
                        ok=ok, status=200 if ok else 0))
    return sessions, site.id, run.id


def test_unreachable_without_probes_is_pending_not_100(tmp_path) -> None:  # noqa: ANN001
    from indicators.system import load_system
    from scoring.engine import score_site

    sessions, site_id, run_id = _world(tmp_path, [])
    with sessions() as s:
        res = score_site(s, load_system("national-2019"), run_id, site_id)
    assert res.verdict == "待定" and res.score is None and res.score_floor is None
    assert res.pending_reasons[0].startswith("本次抓取时首页无法访问（连接被拒绝）")
    assert "没有首页可用性探测记录" in res.pending_reasons[1]
    assert "每天至少 20 次探测" in res.pending_reasons[1]


def test_unreachable_over_a_full_window_of_failed_probes_is_a_veto(tmp_path) -> None:  # noqa: ANN001
    from indicators.system import load_system
    from scoring.engine import score_site

    sessions, site_id, run_id = _world(tmp_path, [False] * 160)  # 7 days × 20+ probes
    with sessions() as s:
        res = score_site(s, load_system("national-2019"), run_id, site_id)
    assert res.verdict == "不合格" and res.vetoes == ["V2"] and res.score is None
    assert res.pending_reasons == []
