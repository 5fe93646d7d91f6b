"""The link cache: a target verified as working is not asked again for ``link_cache_hours``.

After a run's verification phase, its working HEAD/GET verifications replace the cache's
entries for their targets (:func:`refresh`); a target that failed loses its entry, so
failures are verified again every run, as before. The next run — the next night, or another
site's run the same night — copies a check from the cache for each target with an entry
younger than the time-to-live (:func:`use_cached`: ``link_checks.cached_from`` names the run
that asked) and verifies only the rest. ``--no-cache`` verifies everything (and still
refreshes the cache). Targets the crawl fetched as pages never come from the cache: the
page is the check (crawler/crawlchecks.py).

The cache is a table of the store (``link_cache``), so it works the same on SQLite and
PostgreSQL and is shared by every process writing to one store.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError, OperationalError

from store.bulk import insert_many
from store.models import Link, LinkCache, LinkCheck

log = logging.getLogger(__name__)
KEPT = ("outcome", "status", "error_class", "method", "redirects", "final_url",
        "content_type", "elapsed_ms", "attempts", "checked_at", "title")
VERIFIED = ("HEAD", "GET")  # checks that cost a request (not a crawled page's)


def _since(hours: float) -> datetime:
    return datetime.now() - timedelta(hours=hours)


def use_cached(sessions: Any, run_id: int, targets: list[tuple[str, str]],
               hours: float) -> list[tuple[str, str]]:
    """Store a check copied from the cache for each target with an entry younger than
    ``hours``; return the targets still to verify."""
    if hours <= 0 or not targets:
        return targets
    since = _since(hours)
    wanted = [t for t, _ in targets]
    hit: set[str] = set()
    rows = []
    with sessions.begin() as s:
        for i in range(0, len(wanted), 500):
            for entry in s.scalars(select(LinkCache).where(
                    LinkCache.target.in_(wanted[i:i + 500]), LinkCache.checked_at >= since)):
                hit.add(entry.target)
                rows.append({"run_id": run_id, "target": entry.target,
                             "cached_from": entry.run_id,
                             **{k: getattr(entry, k) for k in KEPT}})
        insert_many(s.connection(), LinkCheck.__table__, rows, ignore_conflicts=True)
    return [(t, site) for t, site in targets if t not in hit]


def cached_targets(session: Any, run_id: int, hours: float) -> int:
    """How many of the run's distinct link targets the cache holds (for sizing the
    verification phase)."""
    if hours <= 0:
        return 0
    linked = exists().where(Link.run_id == run_id, Link.target == LinkCache.target)
    return session.scalar(select(func.count()).select_from(LinkCache).where(
        LinkCache.checked_at >= _since(hours), linked)) or 0


def refresh(sessions: Any, run_id: int, hours: float) -> None:
    """Put the run's working verifications in the cache, drop the entries of targets the
    run verified otherwise, and entries older than the time-to-live."""
    if hours <= 0:
        return
    asked = select(LinkCheck.target).where(LinkCheck.run_id == run_id,
                                           LinkCheck.cached_from.is_(None),
                                           LinkCheck.method.in_(VERIFIED))
    columns = ["target", "run_id", *KEPT]
    fresh = (select(LinkCheck.target, literal(run_id),
                    *[getattr(LinkCheck, k) for k in KEPT])
             .where(LinkCheck.run_id == run_id, LinkCheck.cached_from.is_(None),
                    LinkCheck.method.in_(VERIFIED), LinkCheck.outcome == "ok"))
    try:
        with sessions.begin() as s:
            s.execute(delete(LinkCache).where(LinkCache.target.in_(asked)))
            s.execute(delete(LinkCache).where(LinkCache.checked_at < _since(hours)))
            s.execute(insert(LinkCache).from_select(columns, fresh))
    except (IntegrityError, OperationalError) as exc:  # another run refreshing at once
        log.warning("link cache not refreshed for run %s: %s", run_id, exc)
