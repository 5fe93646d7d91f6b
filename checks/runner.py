"""Runs every rule module on a run's stored data and keeps findings' history.

Findings are derived data: re-checking a run replaces that run's findings (the crawl data
they come from stays untouched). Each finding's fingerprint (site + rule + subject) links
it to earlier runs, so it is ``new``, ``persisting`` (with the ``first_seen`` of the
episode) or ``regressed`` (seen before, then fixed, now back).

A subject that is a URL of a registered site is fingerprinted relative to that site
(``SubjectKeys``): ``http://www.x.gov.cn:8080/a/b.html`` of site 5101000001 becomes
``site:a/b.html``, and a URL of another registered site ``site[<code>]:…``. A site that
moves to another port, scheme or host alias (listed in its ``hosts``) keeps its open
problems. Stored fingerprints were rewritten once by the 0006b migration where the stored
finding proves its subject (see there).
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

import checks
from checks._pageview import ScanPool, scan, scanning_ahead
from checks.base import DEFAULT_SYSTEM, CheckContext, FindingDraft, load_thresholds
from derive import derive_site
from store.models import CheckRun, Finding, Run, RunSite, Site

FRAMEWORK_MODULES = {"base", "runner", "severity", "textutil"}


def rule_modules() -> list[ModuleType]:
    """Every module of the ``checks`` package that declares RULES and check()."""
    found = []
    for info in pkgutil.iter_modules(checks.__path__):
        if info.name in FRAMEWORK_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"checks.{info.name}")
        if hasattr(module, "RULES") and hasattr(module, "check"):
            found.append(module)
    return sorted(found, key=lambda m: m.__name__)


def fingerprint(site_code: str, rule: str, subject: str) -> str:
    """The identity of a problem across runs; ``subject`` as ``SubjectKeys.key`` made it."""
    return hashlib.sha1(f"{site_code}\x1f{rule}\x1f{subject}".encode()).hexdigest()


class SubjectKeys:
    """Subjects with the address of the registered site they belong to taken out.

    A URL belongs to the site whose host names (its homepage's and its ``hosts``
    aliases; ports and schemes ignored) and path prefix match it, longest prefix first,
    as the registry assigns pages to sites. Anything else (external URLs, words) is kept
    as it is.
    """

    def __init__(self, sites: list[Site]):
        by_host: dict[str, list[tuple[str, str]]] = {}
        for site in sites:
            home = urlsplit(site.url or "")
            scope = site.scope or {}
            prefixes = scope.get("prefixes") or [_dir_of(home.path)]
            hosts = {home.hostname or ""} | {urlsplit(f"//{h}").hostname or ""
                                             for h in scope.get("hosts") or []}
            for host in hosts - {""}:
                by_host.setdefault(host, []).extend((p, site.code) for p in prefixes)
        self.by_host = {h: sorted(v, key=lambda e: -len(e[0])) for h, v in by_host.items()}

    def key(self, site_code: str, subject: str) -> str:
        if not subject.startswith(("http://", "https://")):
            return subject
        try:
            parts = urlsplit(subject)
            host = parts.hostname or ""
        except ValueError:
            return subject
        path = parts.path or "/"
        for prefix, code in self.by_host.get(host, ()):
            if path.startswith(prefix):
                rest = path[len(prefix):]
                rest += f"?{parts.query}" if parts.query else ""
                rest += f"#{parts.fragment}" if parts.fragment else ""
                return f"site:{rest}" if code == site_code else f"site[{code}]:{rest}"
        return subject

    @classmethod
    def of_store(cls, session: Session) -> SubjectKeys:
        return cls(list(session.scalars(select(Site))))


def _dir_of(path: str) -> str:
    return path if path.endswith("/") else (path.rsplit("/", 1)[0] + "/" if path else "/")


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


def _default_severity(rule: str) -> str:
    from checks.severity import severity_of

    return severity_of(rule)


def latest_run(session: Session) -> Run | None:
    return session.scalars(select(Run).where(Run.status.in_(("complete", "partial")))
                           .order_by(Run.started_at.desc(), Run.id.desc())).first()


def _skip_reason(module: ModuleType, rs: RunSite) -> str | None:
    """Why ``module`` does not run on this site's crawl (None: it runs)."""
    if rs.status == "unreachable" and not getattr(module, "RUNS_ON_UNREACHABLE", False):
        return "首页无法访问，无法检查"
    if getattr(module, "NEEDS_COMPLETE", True) and not rs.complete:
        return f"抓取不完整 ({rs.note or rs.status})，结果未知"
    return None


def run_checks(session: Session, run: Run, *, registry: Any = None,
               system_path: Path = DEFAULT_SYSTEM,
               severity: Callable[[str], str] | None = None,
               modules: list[ModuleType] | None = None, workers: int = 1) -> CheckSummary:
    """Check every crawled site of ``run``; stores findings and returns a summary.

    With ``workers`` > 1 the page scans of the next sites run in that many worker
    processes while this one runs the other rules (same results, less wall time); the
    crawl data must then be committed, as it is after ``govmon crawl``.
    """
    started = time.monotonic()
    thresholds = load_thresholds(system_path)
    severity = severity or _default_severity
    modules = modules if modules is not None else rule_modules()
    summary = CheckSummary(run_id=run.id)
    session.execute(delete(Finding).where(Finding.run_id == run.id))
    session.execute(delete(CheckRun).where(CheckRun.run_id == run.id))
    run_sites = session.scalars(select(RunSite).where(RunSite.run_id == run.id,
                                                      RunSite.status != "skipped")).all()
    # every site is scanned: the derive step stores its page facts before the rules run
    scanned = [rs.site_id for rs in run_sites]
    url = session.get_bind().url.render_as_string(hide_password=False)
    with scanning_ahead(url, run.id, scanned, workers) as pool:
        _check_sites(session, run, run_sites, modules, registry, thresholds, severity,
                     summary, pool)
        summary.scans_ahead = pool.used if pool is not None else 0
    session.flush()
    summary.elapsed = time.monotonic() - started
    return summary


def _check_sites(session: Session, run: Run, run_sites: list[RunSite],
                 modules: list[ModuleType], registry: Any, thresholds: dict[str, Any],
                 severity: Callable[[str], str], summary: CheckSummary,
                 pool: ScanPool | None) -> None:
    as_of = run.started_at.date()
    keys = SubjectKeys.of_store(session)
    for rs in run_sites:
        site = session.get(Site, rs.site_id)
        spec = registry.by_code(site.code) if registry is not None else None
        ctx = CheckContext(session=session, run=run, site=site, run_site=rs,
                           thresholds=thresholds, as_of=as_of, spec=spec)
        _derive(ctx, summary)
        drafts: list[FindingDraft] = []
        for module in modules:
            name = module.__name__.rsplit(".", 1)[-1]
            record = CheckRun(run_id=run.id, site_id=site.id, module=name,
                              rules=list(module.RULES), status="ran",
                              checked_at=datetime.now())
            t0 = time.monotonic()
            reason = _skip_reason(module, rs)
            if reason is not None:
                record.status = "skipped"
                record.reason = reason
                summary.skipped.append((site.code, name, record.reason))
            else:
                try:
                    found = list(module.check(ctx))
                except Exception as exc:  # noqa: BLE001 - one rule must not stop the others
                    record.status = "error"
                    record.reason = f"{type(exc).__name__}: {exc}"[:500]
                    summary.errors.append((site.code, name, record.reason))
                    found = []
                record.findings = len(found)
                drafts.extend(found)
            record.elapsed_ms = int((time.monotonic() - t0) * 1000)
            session.add(record)
        _store(session, run, site, drafts, severity, summary, keys)
        summary.sites += 1
        if pool is not None:
            pool.release(site.id)


def _derive(ctx: CheckContext, summary: CheckSummary) -> None:
    """The derive step for one site (``derive/``): page facts, identity values and site
    facts from the same page scan the content rules use, stored before any rule runs. A
    failure is the summary's to report; the rules reading those facts then say so."""
    try:
        derive_site(ctx.session, ctx.run, ctx.site, scan(ctx))
    except Exception as exc:  # noqa: BLE001 - one site's facts must not stop the others
        summary.errors.append((ctx.site.code, "derive", f"{type(exc).__name__}: {exc}"[:500]))


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


def _store(session: Session, run: Run, site: Site, drafts: list[FindingDraft],
           severity: Callable[[str], str], summary: CheckSummary,
           keys: SubjectKeys | None = None) -> None:
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
