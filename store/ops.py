"""Store operations shared by the CLI and the crawler: registry sync, runs, retention."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import Page, Run, Site, Snapshot


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


def _process_started(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux /proc; None elsewhere or on error)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as f:
            btime = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        ticks = os.sysconf("SC_CLK_TCK")
        return datetime.fromtimestamp(btime + int(fields[19]) / ticks)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _run_owner_alive(run: Run) -> bool:
    """Is the process that owns ``run`` still there?

    A pid reused by an unrelated, newer process (after a reboot, say) does not count. A
    newer govmon/python process does: ``crawl --resume`` takes over an old run.
    """
    if not run.pid or not _pid_alive(run.pid):
        return False
    started = _process_started(run.pid)
    if started is None or started <= run.started_at + timedelta(seconds=5):
        return True
    cmdline = _cmdline(run.pid)
    return cmdline is None or b"python" in cmdline or b"govmon" in cmdline


def mark_stale_runs(session: Session) -> list[int]:
    """Runs left 'running' by a killed process on this host become 'interrupted'."""
    host = socket.gethostname()
    stale = []
    for run in session.scalars(select(Run).where(Run.status == "running")):
        if run.host == host and not _run_owner_alive(run):
            run.status = "interrupted"
            run.note = "进程被终止，可用 govmon crawl --resume 续爬"
            stale.append(run.id)
    return stale


def prune_snapshots(session: Session, keep_runs: int) -> int:
    """Drop page snapshots except each site's newest ``keep_runs`` crawls (0 keeps all).

    Counted per site, so a site crawled rarely (``--site`` runs of other sites in between)
    keeps the HTML of its own latest crawls. Pages, links and findings always stay: only
    the bulky HTML bodies age out. Returns the number of snapshots dropped.
    """
    if keep_runs <= 0:
        return 0
    crawled = (select(Page.site_id, Page.run_id).distinct()
               .join(Snapshot, Snapshot.page_id == Page.id).subquery())
    ranked = select(crawled.c.site_id, crawled.c.run_id,
                    func.dense_rank().over(partition_by=crawled.c.site_id,
                                           order_by=crawled.c.run_id.desc()).label("n")
                    ).subquery()
    old = session.execute(select(ranked.c.site_id, ranked.c.run_id)
                          .where(ranked.c.n > keep_runs)).all()
    dropped = 0
    for site_id, run_id in old:
        pages = select(Page.id).where(Page.run_id == run_id, Page.site_id == site_id)
        result = session.execute(delete(Snapshot).where(Snapshot.run_id == run_id,
                                                        Snapshot.page_id.in_(pages))
                                 .execution_options(synchronize_session=False))
        dropped += result.rowcount or 0
    return dropped
