"""A previous quarter for the demo, clearly marked as sample data.

The demo crawls its sample cluster once, so it has no history; a quarterly comparison
needs one. This module seeds the quarter before the crawl with ONE sample run, derived
from the real run: its sites, the record of which checks ran, and a deterministic subset
(about two thirds, without the veto problems of every second site) of the real run's
findings — so the real run shows the rest as new this quarter. The sample run is scored by the real engine (run card and quarter card), and it
is marked everywhere: ``Run.options["sample_history"]`` and a ``Run.note`` that every report
prints (reports.common.sample_runs).

Run ids order a site's history (checks.runner compares a run with the checked runs of
smaller id), so the sample run is *reserved* before the crawl (``reserve``, status
``failed`` and empty until filled: nothing scores or resumes it) and filled after the
checks (``fill``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import CheckRun, Finding, Run, RunSite

NOTE = ("示例数据：由本次抓取（任务 {run}）派生的上一季度样例历史，约三分之一的问题（及部分网站的"
        "单项否决问题）被当作本季度新出现的问题；仅用于演示季度对比，不是真实检查结果")


def previous_quarter_of(day: date) -> tuple[str, date, date]:
    """(``2026Q3``, first day, last day) of the quarter before ``day``'s."""
    q = (day.month - 1) // 3 + 1
    year, q = (day.year - 1, 4) if q == 1 else (day.year, q - 1)
    start = date(year, 3 * q - 2, 1)
    end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return f"{year}Q{q}", start, end


def _sample_day(day: date) -> date:
    """The same day of the quarter, one quarter earlier (clamped to the quarter)."""
    _, start, end = previous_quarter_of(day)
    q_start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return min(end, start + (day - q_start))


def reserve(session: Session, today: date) -> int | None:
    """Reserve the sample run of the quarter before ``today`` (None when that quarter
    already has a finished run, sample or real: nothing to seed)."""
    _, start, end = previous_quarter_of(today)
    runs = list(session.scalars(select(Run).where(
        Run.started_at >= datetime.combine(start, time.min),
        Run.started_at <= datetime.combine(end, time.max))))
    for run in runs:
        if (run.options or {}).get("sample_history") and run.status == "failed" and not \
                session.scalars(select(RunSite.id).where(RunSite.run_id == run.id)).first():
            return run.id  # reserved by an earlier demo that stopped before filling it
    if any(r.status in ("complete", "partial") for r in runs):
        return None
    at = datetime.combine(_sample_day(today), time(2, 0))
    run = Run(started_at=at, finished_at=at + timedelta(minutes=20), status="failed",
              options={"sample_history": True}, note="示例数据 (预留，尚未生成)")
    session.add(run)
    session.flush()
    return run.id


def _copy(row: Any, **changes: Any) -> Any:
    """A new row of the same model with every column copied but the key and ``changes``."""
    values = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
    values.update(changes)
    return type(row)(**values)


def _kept(f: Finding, vetoes_new: set[int]) -> bool:
    """Deterministic: about two thirds of the findings existed last quarter, and on every
    second site the veto problems are new this quarter (so verdicts change, too)."""
    if f.severity == "veto" and f.site_id in vetoes_new:
        return False
    return int(f.fingerprint[:8], 16) % 3 != 0


def fill(session: Session, sample_id: int, run_id: int, systems: list[Any]) -> dict[str, Any]:
    """Fill the reserved sample run from the real run ``run_id``, mark the real findings
    that existed then as persisting (as checks.runner would have), and score the sample
    run and its quarter with the real engine."""
    from scoring import engine

    sample, real = session.get(Run, sample_id), session.get(Run, run_id)
    at = sample.started_at
    for rs in session.scalars(select(RunSite).where(RunSite.run_id == run_id)):
        session.add(_copy(rs, run_id=sample_id, started_at=at,
                          finished_at=at + timedelta(minutes=20)))
    for cr in session.scalars(select(CheckRun).where(CheckRun.run_id == run_id)):
        session.add(_copy(cr, run_id=sample_id, checked_at=at))
    kept = 0
    sites = sorted(set(session.scalars(select(Finding.site_id).where(Finding.run_id == run_id))))
    vetoes_new = set(sites[1::2])
    for f in list(session.scalars(select(Finding).where(Finding.run_id == run_id))):
        if not _kept(f, vetoes_new):
            continue
        kept += 1
        session.add(Finding(run_id=sample_id, site_id=f.site_id, rule=f.rule, url=f.url,
                            source=f.source, severity=f.severity, message=f.message,
                            detail=dict(f.detail or {}), fingerprint=f.fingerprint,
                            state="new", first_seen=at, last_seen=at))
        if f.state == "new":
            f.state, f.first_seen = "persisting", at
    sample.status = "complete"
    sample.note = NOTE.format(run=run_id)
    sample.options = {**(sample.options or {}), "sample_history": True, "derived_from": run_id}
    session.flush()
    quarter, _, end = previous_quarter_of(real.started_at.date())
    for system in systems:
        engine.score_run(session, system, sample_id)
        engine.score_quarter(session, system, quarter, as_of=end)
    return {"run": sample_id, "quarter": quarter, "findings": kept}
