"""Store operations shared by the CLI and the crawler: registry sync, runs, retention."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import Run, Site, Snapshot


def sync_registry(session: Session, registry) -> dict[str, int]:  # noqa: ANN001
    """Mirror the registry into ``sites`` (insert or update by code); returns code -> id.

    Sites no longer in the registry keep their rows and history (``in_registry`` False).
    """
    now = datetime.now()
    existing = {s.code: s for s in session.scalars(select(Site))}
    for spec in registry.sites:
        site = existing.get(spec.code) or Site(code=spec.code)
        site.name, site.url, site.kind = spec.name, spec.url, spec.kind
        site.parent_code, site.status = spec.parent, spec.status
        site.scope = {"hosts": spec.hosts, "prefixes": spec.prefixes}
        site.hints, site.has_services = spec.hints, spec.has_services
        site.in_registry, site.updated_at = True, now
        session.add(site)
    codes = {s.code for s in registry.sites}
    for code, site in existing.items():
        if code not in codes:
            site.in_registry = False
    session.flush()
    return dict(session.execute(select(Site.code, Site.id)).all())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_stale_runs(session: Session) -> list[int]:
    """Runs left 'running' by a killed process on this host become 'interrupted'."""
    host = socket.gethostname()
    stale = []
    for run in session.scalars(select(Run).where(Run.status == "running")):
        if run.host == host and run.pid and not _pid_alive(run.pid):
            run.status = "interrupted"
            run.note = "进程被终止，可用 govmon crawl --resume 续爬"
            stale.append(run.id)
    return stale


def prune_snapshots(session: Session, keep_runs: int) -> int:
    """Drop page snapshots of all but the newest ``keep_runs`` runs (0 keeps everything).

    Pages, links and findings stay: only the bulky HTML bodies age out.
    """
    if keep_runs <= 0:
        return 0
    newest = select(Run.id).order_by(Run.id.desc()).limit(keep_runs).scalar_subquery()
    count = session.scalar(select(func.count()).select_from(Snapshot)
                           .where(Snapshot.run_id.not_in(newest))) or 0
    if count:
        session.execute(delete(Snapshot).where(Snapshot.run_id.not_in(newest)))
    return count
