"""Scorecards of runs and quarters: which run stands for a quarter, scoring every site
(:func:`scoring.scorer.score_site`) and storing the cards.

How one site is scored (vetoes, deductions, bonus, data gaps, 待定) is
:mod:`scoring.scorer`; what a score holds is :mod:`scoring.results`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.system import IndicatorSystem
from scoring.manual import ManualResults
from scoring.results import (  # noqa: F401 - what a score holds, importable with the engine
    DATA_GAPS,
    FAIL,
    OPEN,
    PASS,
    SCORED_RUN_STATUSES,
    STATUS_LABELS,
    Availability,
    IndicatorResult,
    ScoreResult,
    _num,
)
from scoring.scorer import availability, crawl_error_text, score_site  # noqa: F401
from store.models import CheckRun, Run, RunSite, Scorecard, Site


# -- runs, quarters, storage ---------------------------------------------------------
def crawled_sites(session: Session, run_id: int) -> list[int]:
    """Sites the run tried to crawl (not skipped)."""
    return list(session.scalars(select(RunSite.site_id).where(
        RunSite.run_id == run_id, RunSite.status.not_in(("skipped", "pending")))
        .order_by(RunSite.site_id)))


def was_checked(session: Session, run_id: int, site_id: int | None = None) -> bool:
    q = select(CheckRun.id).where(CheckRun.run_id == run_id)
    if site_id is not None:
        q = q.where(CheckRun.site_id == site_id)
    return session.scalars(q.limit(1)).first() is not None


def latest_run(session: Session, as_of: date | None = None) -> Run | None:
    """The newest finished run (complete or partial), started on or before ``as_of``."""
    q = select(Run).where(Run.status.in_(SCORED_RUN_STATUSES))
    if as_of is not None:
        q = q.where(Run.started_at <= datetime.combine(as_of, time.max))
    return session.scalars(q.order_by(Run.started_at.desc(), Run.id.desc())).first()


def score_run(session: Session, system: IndicatorSystem, run_id: int, *,
              as_of: date | None = None, manual: ManualResults | None = None,
              store: bool = True) -> list[ScoreResult]:
    """Scorecards (period ``run:<id>``) of every site the run crawled."""
    out = []
    for site_id in crawled_sites(session, run_id):
        period = f"run:{run_id}"
        code = session.get(Site, site_id).code
        m = manual.for_site(system, code, period) if manual else None
        res = score_site(session, system, run_id, site_id, as_of=as_of, period=period,
                         manual=m)
        if store:
            store_scorecard(session, res)
        out.append(res)
    return out


def parse_quarter(text: str) -> tuple[date, date]:
    """``2026Q4`` -> (2026-10-01, 2026-12-31); ValueError with a Chinese message."""
    t = text.strip().upper()
    if len(t) != 6 or t[4] != "Q" or not t[:4].isdigit() or t[5] not in "1234":
        raise ValueError(f"季度格式错误 '{text}' (应如 2026Q4)")
    year, q = int(t[:4]), int(t[5])
    start = date(year, 3 * q - 2, 1)
    end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return start, end


def quarter_runs(session: Session, quarter: str, as_of: date) -> dict[int, int]:
    """site_id -> the run that stands for the site in ``quarter`` (see scoring/README.md):
    the latest checked run whose crawl started in the quarter (up to ``as_of``) and reached
    the whole site; failing that the latest checked one; failing that the latest one."""
    start, _ = parse_quarter(quarter)
    rows = session.execute(
        select(RunSite.site_id, RunSite.run_id, RunSite.complete)
        .join(Run, Run.id == RunSite.run_id)
        .where(Run.status.in_(SCORED_RUN_STATUSES),
               Run.started_at >= datetime.combine(start, time.min),
               Run.started_at <= datetime.combine(as_of, time.max),
               RunSite.status.not_in(("skipped", "pending")))
        .order_by(Run.started_at.desc(), Run.id.desc())).all()
    run_ids = sorted({run_id for _, run_id, _ in rows})
    checked = {tuple(r) for r in session.execute(
        select(CheckRun.run_id, CheckRun.site_id).where(CheckRun.run_id.in_(run_ids))
        .distinct())}
    best: dict[int, tuple[int, int]] = {}  # site -> (rank, run); lower rank is better
    for site_id, run_id, complete in rows:
        is_checked = (run_id, site_id) in checked
        rank = 0 if (complete and is_checked) else 1 if is_checked else 2
        if site_id not in best or rank < best[site_id][0]:
            best[site_id] = (rank, run_id)
    return {site: run for site, (_, run) in sorted(best.items())}


def normalize_quarter(text: str) -> str:
    start, _ = parse_quarter(text)
    return f"{start.year}Q{(start.month + 2) // 3}"


def quarter_as_of(quarter: str, as_of: date | None = None, today: date | None = None) -> date:
    """The score date of a quarter: ``as_of`` if given, else its last day (today while
    the quarter is still running)."""
    start, end = parse_quarter(quarter)
    day = as_of if as_of is not None else min(end, today or date.today())
    if day < start or day > end:
        raise ValueError(f"评分日期 {day} 不在季度 {normalize_quarter(quarter)} "
                         f"({start} 至 {end}) 内")
    return day


def score_quarter(session: Session, system: IndicatorSystem, quarter: str, *,
                  as_of: date | None = None, manual: ManualResults | None = None,
                  store: bool = True) -> list[ScoreResult]:
    """Scorecards (period ``2026Q4``) of every site crawled in the quarter."""
    day = quarter_as_of(quarter, as_of)
    period = normalize_quarter(quarter)
    out = []
    for site_id, run_id in quarter_runs(session, quarter, day).items():
        code = session.get(Site, site_id).code
        m = manual.for_site(system, code, period) if manual else None
        res = score_site(session, system, run_id, site_id, as_of=day, period=period, manual=m)
        if store:
            store_scorecard(session, res)
        out.append(res)
    return out


def store_scorecard(session: Session, res: ScoreResult) -> Scorecard:
    """Insert or replace the card of (site, period, system)."""
    card = session.scalars(select(Scorecard).where(
        Scorecard.site_id == res.site_id, Scorecard.period == res.period,
        Scorecard.system == res.system.id)).first()
    if card is None:
        card = Scorecard(site_id=res.site_id, period=res.period, system=res.system.id)
        session.add(card)
    card.run_id = res.run_id
    card.as_of = datetime.combine(res.as_of, time.min)
    card.verdict = res.verdict
    card.score = _num(res.score)
    card.vetoes = res.vetoes
    card.detail = res.to_detail()
    card.computed_at = datetime.now()
    session.flush()
    return card


def scorecard_records(session: Session, *, period: str | None = None,
                      system: str | None = None) -> list[dict[str, Any]]:
    """Stored scorecards in the export shape: one record per site, period and system."""
    q = select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
    if period:
        q = q.where(Scorecard.period == period)
    if system:
        q = q.where(Scorecard.system == system)
    out = []
    for card, site in session.execute(q.order_by(Scorecard.period, Scorecard.system,
                                                 Site.code)).all():
        d = card.detail or {}
        out.append({
            "site": site.code, "name": site.name, "kind": site.kind, "period": card.period,
            "system": card.system, "verdict": card.verdict, "score": card.score,
            "deduction_score": d.get("deduction_score"), "bonus": d.get("bonus_score"),
            "vetoes": list(card.vetoes or []), "lost": d.get("lost", {}),
            "data_gaps": d.get("data_gaps", []), "needs_person": d.get("needs_person", []),
            "as_of": card.as_of.date().isoformat(), "run": card.run_id,
        })
    return out
