"""Findings' history: fingerprints, states against earlier runs, fixed problems, exports.

Findings are derived data: re-checking a run replaces that run's findings (the crawl data
they come from stays untouched). Each finding's fingerprint (site + rule + subject) links
it to earlier runs, so it is ``new``, ``persisting`` (with the ``first_seen`` of the
episode) or ``regressed`` (seen before, then fixed, now back).

A subject that is a URL of a registered site is fingerprinted relative to that site
(``SubjectKeys``): ``http://www.x.gov.cn:8080/a/b.html`` of site 5101000001 becomes
``site:a/b.html``, and a URL of another registered site ``site[<code>]:…``. A site that
moves to another port, scheme or host alias (listed in its ``hosts``) keeps its open
problems. Stored fingerprints were rewritten once by the 0006b migration where the stored
finding proves its subject (see there). Both live in ``store/fingerprints.py``: they are the
identity of a stored finding, which that migration rebuilds too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from checks.base import FindingDraft
from store.fingerprints import SubjectKeys, fingerprint
from store.models import CheckRun, Finding, Run, Site


@dataclass
class CheckSummary:
    run_id: int
    sites: int = 0
    findings: int = 0
    new: int = 0
    persisting: int = 0
    regressed: int = 0
    fixed: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # site, module, reason
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    scans_ahead: int = 0  # sites whose pages a worker process scanned (``workers`` > 1)


def latest_run(session: Session) -> Run | None:
    return session.scalars(select(Run).where(Run.status.in_(("complete", "partial")))
                           .order_by(Run.started_at.desc(), Run.id.desc())).first()


def _previous_runs(session: Session, site_id: int, run_id: int) -> list[int]:
    """Runs that started before this one and checked this site, newest first (by crawl
    time, not by id: a backfilled run may have a larger id than newer crawls)."""
    started = session.get(Run, run_id).started_at
    # EXISTS, not a join with DISTINCT: PostgreSQL refuses DISTINCT ordered by columns it
    # does not select, so a site's second check failed there
    checked = exists().where(CheckRun.run_id == Run.id, CheckRun.site_id == site_id)
    return list(session.scalars(
        select(Run.id).where(checked, Run.started_at < started, Run.id != run_id)
        .order_by(Run.started_at.desc(), Run.id.desc())))


def store_findings(session: Session, run: Run, site: Site, drafts: list[FindingDraft],
                   severity: Callable[[str], str], summary: CheckSummary,
                   keys: SubjectKeys | None = None) -> None:
    """Store a site's findings of this run with their state against earlier runs."""
    now = run.started_at
    keys = keys or SubjectKeys.of_store(session)
    previous = _previous_runs(session, site.id, run.id)
    last: dict[str, Finding] = {}
    ever: set[str] = set()
    if previous:
        for f in session.scalars(select(Finding).where(Finding.run_id == previous[0],
                                                       Finding.site_id == site.id)):
            last[f.fingerprint] = f
        ever = set(session.scalars(select(Finding.fingerprint).where(
            Finding.site_id == site.id, Finding.run_id.in_(previous)).distinct()))
    seen: set[str] = set()
    for d in drafts:
        fp = fingerprint(site.code, d.rule, keys.key(site.code, d.subject))
        if fp in seen:
            continue
        seen.add(fp)
        if fp in last:
            state, first = "persisting", last[fp].first_seen
        elif fp in ever:
            state, first = "regressed", now
        else:
            state, first = "new", now
        setattr(summary, state, getattr(summary, state) + 1)
        summary.findings += 1
        session.add(Finding(run_id=run.id, site_id=site.id, rule=d.rule, url=d.url,
                            source=d.source, severity=severity(d.rule), message=d.message,
                            detail=d.detail, fingerprint=fp, state=state, first_seen=first,
                            last_seen=now))
    ran_rules = _rules_that_ran(session, run.id, site.id)
    summary.fixed += sum(1 for fp, f in last.items() if fp not in seen and f.rule in ran_rules)


def _rules_that_ran(session: Session, run_id: int, site_id: int) -> set[str]:
    session.flush()
    rules: set[str] = set()
    for rec in session.scalars(select(CheckRun).where(CheckRun.run_id == run_id,
                                                      CheckRun.site_id == site_id,
                                                      CheckRun.status == "ran")):
        rules.update(rec.rules)
    return rules


def fixed_findings(session: Session, run_id: int, site_id: int) -> list[Finding]:
    """Problems open in the site's previous checked run that this run no longer shows —
    only for rules that really ran this time (a skipped rule fixes nothing)."""
    previous = _previous_runs(session, site_id, run_id)
    if not previous:
        return []
    current = set(session.scalars(select(Finding.fingerprint).where(
        Finding.run_id == run_id, Finding.site_id == site_id)))
    ran = _rules_that_ran(session, run_id, site_id)
    return [f for f in session.scalars(select(Finding).where(Finding.run_id == previous[0],
                                                            Finding.site_id == site_id))
            if f.fingerprint not in current and f.rule in ran]


def export_records(session: Session, run_id: int) -> list[dict[str, Any]]:
    """Findings of a run in the export shape of rules.md."""
    codes = dict(session.execute(select(Site.id, Site.code)).all())
    out = []
    for f in session.scalars(select(Finding).where(Finding.run_id == run_id)
                             .order_by(Finding.site_id, Finding.rule, Finding.url)):
        out.append({"site": codes[f.site_id], "rule": f.rule, "url": f.url, "source": f.source,
                    "severity": f.severity, "message": f.message, "detail": f.detail,
                    "first_seen": f.first_seen.date().isoformat(),
                    "last_seen": f.last_seen.date().isoformat()})
    return out
