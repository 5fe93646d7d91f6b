"""Runs the registered rules on a run's stored data: derive, check, store findings.

For each crawled site of the run: the derive step first (``derive/``: the page scan and
identity facts for every site, then the facts the rules that run on the site need), then
each site rule (``checks.registry``) on a :class:`~checks.base.CheckContext`; a rule that
does not run on the site (incomplete crawl, unreachable homepage) is recorded as skipped
with the reason, one that raises as an error — one rule never stops the others. Cluster
rules run once all sites are checked. Findings are then stored per site with their history
(``checks.findings``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from checks.base import CheckContext, ClusterContext, FindingDraft, Rule, Skip
from checks.findings import (  # noqa: F401 - the history API, importable with the runner
    CheckSummary,
    SubjectKeys,
    export_records,
    fingerprint,
    fixed_findings,
    latest_run,
    store_findings,
)
from checks.registry import all_rules
from derive.pool import ScanPool, scanning_ahead
from derive.scan import PageExtractor
from derive.steps import Extractors, Facts, derive_needed, scan_site
from indicators.thresholds import DEFAULT_SYSTEM_PATH, Thresholds, load_thresholds
from store.models import CheckRun, Finding, Run, RunSite, Site


def _default_severity(rule: str) -> str:
    from checks.severity import severity_of

    return severity_of(rule)


def run_checks(session: Session, run: Run, *, registry: Any = None,
               system_path: Path = DEFAULT_SYSTEM_PATH,
               severity: Callable[[str], str] | None = None,
               rules: list[Rule] | None = None, workers: int = 1) -> CheckSummary:
    """Check every crawled site of ``run`` with ``rules`` (default: every registered rule);
    stores findings and returns a summary.

    With ``workers`` > 1 the page scans of the next sites run in that many worker
    processes while this one runs the other rules (same results, less wall time); the
    crawl data must then be committed, as it is after ``govmon crawl``.
    """
    started = time.monotonic()
    thresholds = load_thresholds(system_path)
    rules = rules if rules is not None else all_rules()
    summary = CheckSummary(run_id=run.id)
    session.execute(delete(Finding).where(Finding.run_id == run.id))
    session.execute(delete(CheckRun).where(CheckRun.run_id == run.id))
    # crawled sites, and the sites registered 关停 (probed at the end of the crawl, not
    # crawled: only rules with ``closed_sites`` run on them)
    closed = set(session.scalars(select(Site.id).where(Site.status == "关停")))
    run_sites = [rs for rs in session.scalars(select(RunSite).where(RunSite.run_id == run.id)
                                              .order_by(RunSite.id))
                 if rs.status != "skipped" or rs.site_id in closed]
    crawled = [rs for rs in run_sites if rs.status != "skipped"]
    checker = _Checker(session, run, registry, thresholds, rules, summary)
    # every site is scanned: the derive step stores its page facts before the rules run
    url = session.get_bind().url.render_as_string(hide_password=False)
    with scanning_ahead(url, run.id, [rs.site_id for rs in crawled], workers,
                        checker.extractors.pages) as pool:
        for rs in crawled:
            checker.check_site(rs, pool)
        summary.scans_ahead = pool.used if pool is not None else 0
    for rs in run_sites:
        if rs.status == "skipped":
            checker.check_closed(rs)
    checker.check_cluster(crawled)
    # a rule's own severity (``Rule.severity``), else the indicator system's
    by_rule = {rule_id: r.severity for r in rules if r.severity for rule_id in r.ids}
    base = severity or _default_severity
    keys = SubjectKeys.of_store(session)
    for rs in run_sites:
        site = session.get(Site, rs.site_id)
        store_findings(session, run, site, checker.drafts.get(site.id, []),
                       lambda rule_id: by_rule.get(rule_id) or base(rule_id), summary, keys)
        summary.sites += 1
    session.flush()
    summary.elapsed = time.monotonic() - started
    return summary


class _Checker:
    """The rules of one check run, applied site by site and then to the cluster."""

    def __init__(self, session: Session, run: Run, registry: Any, thresholds: dict[str, Any],
                 rules: list[Rule], summary: CheckSummary):
        self.session, self.run, self.registry = session, run, registry
        self.thresholds, self.summary = thresholds, summary
        self.as_of = run.started_at.date()
        self.site_rules = [r for r in rules if r.scope == "site" and not r.closed_sites]
        self.closed_rules = [r for r in rules if r.closed_sites]
        self.cluster_rules = [r for r in rules if r.scope == "cluster"]
        self.extractors = _extractors(rules)
        self.drafts: dict[int, list[FindingDraft]] = {}

    def context(self, rs: RunSite) -> CheckContext:
        site = self.session.get(Site, rs.site_id)
        spec = self.registry.by_code(site.code) if self.registry is not None else None
        return CheckContext(self.session, self.run, site, rs, self.thresholds, self.as_of,
                            spec=spec)

    def check_site(self, rs: RunSite, pool: ScanPool | None) -> None:
        ctx = self.context(rs)
        self._derive(ctx, pool)
        # a cluster rule reads each site's derived facts too (the portal's links)
        running = [r for r in self.site_rules + self.cluster_rules
                   if r.skip_reason(rs) is None]
        derive_needed(ctx, ctx.facts, {n for r in running for n in r.derived},
                      Thresholds(self.thresholds), _extractors(running, pages=False))
        drafts = self.drafts.setdefault(ctx.site.id, [])
        for rule in self.site_rules:
            drafts.extend(self._run(rule, ctx, rs))
        if pool is not None:
            pool.release(ctx.site.id)

    def check_closed(self, rs: RunSite) -> None:
        """A site registered 关停: nothing was crawled, nothing is derived; only the rules
        judging closed sites (their stored probe) run."""
        ctx = self.context(rs)
        drafts = self.drafts.setdefault(ctx.site.id, [])
        for rule in self.closed_rules:
            drafts.extend(self._run(rule, ctx, rs))

    def _derive(self, ctx: CheckContext, pool: ScanPool | None) -> None:
        """The page scan and the identity facts (``derive/``), stored before any rule
        runs. A failure is the summary's to report; the rules reading those facts then
        say so."""
        try:
            scan_site(ctx, ctx.facts, self.extractors, pool)
        except Exception as exc:  # noqa: BLE001 - one site's facts must not stop the others
            if "pages" not in ctx.facts.values:
                ctx.facts.errors["pages"] = exc
            self.summary.errors.append(
                (ctx.site.code, "derive", f"{type(exc).__name__}: {exc}"[:500]))

    def _run(self, rule: Rule, ctx: Any, rs: RunSite) -> list[FindingDraft]:
        """One rule on one site (``ctx``: its context, or the cluster's), recorded."""
        record = CheckRun(run_id=self.run.id, site_id=rs.site_id, module=rule.name,
                          rules=list(rule.ids), status="ran", checked_at=datetime.now())
        t0 = time.monotonic()
        found: list[FindingDraft] = []
        reason = None if rule.closed_sites else rule.skip_reason(rs)
        if reason is None and rule.unknown is not None and rule.scope == "site":
            try:
                reason = rule.unknown(ctx)
            except Exception:  # noqa: BLE001 - check() meets the same failure and says so
                reason = None
        site_code = self.session.get(Site, rs.site_id).code
        if reason is not None:
            record.status, record.reason = "skipped", reason
            self.summary.skipped.append((site_code, rule.name, reason))
        else:
            try:
                found = list(rule.check(ctx))
            except Skip as exc:  # the rule cannot judge this site now: unknown
                record.status, record.reason = "skipped", str(exc)[:500]
                self.summary.skipped.append((site_code, rule.name, record.reason))
            except Exception as exc:  # noqa: BLE001 - one rule must not stop the others
                record.status = "error"
                record.reason = f"{type(exc).__name__}: {exc}"[:500]
                self.summary.errors.append((site_code, rule.name, record.reason))
            record.findings = len(found)
        record.elapsed_ms = int((time.monotonic() - t0) * 1000)
        self.session.add(record)
        return found

    def check_cluster(self, run_sites: list[RunSite]) -> None:
        """Each cluster rule once, over the sites it runs on; its findings go to the site
        they name, and each site records the rule as ran, skipped or failed."""
        for rule in self.cluster_rules:
            runs_on = [rs for rs in run_sites if rule.skip_reason(rs) is None]
            ctx = ClusterContext(self.session, self.run, self.thresholds, self.as_of,
                                 [self.context(rs) for rs in runs_on])
            t0 = time.monotonic()
            error = everywhere = None
            try:
                found = list(rule.check(ctx)) if runs_on else []
            except Skip as exc:  # the rule cannot judge this run (a threshold is missing)
                found, everywhere = [], str(exc)[:500]
            except Exception as exc:  # noqa: BLE001 - one rule must not stop the others
                found, error = [], f"{type(exc).__name__}: {exc}"[:500]
            codes = {c.site.id: c.site.code for c in ctx.sites}
            stray = [d for d in found if d.site is None or d.site not in codes.values()]
            if stray:  # a cluster finding belongs to a site it ran on, or it is a bug
                self.summary.errors.append(("-", rule.name, f"{len(stray)} 条发现未指明它"
                                            "所在的站点 (FindingDraft.site)"))
            for rs in run_sites:
                # codes.get is None for a site the rule skipped: a site-less finding
                # must not land there
                code = codes.get(rs.site_id)
                mine = [d for d in found if d.site is not None and d.site == code]
                skipped = everywhere or (ctx.skipped.get(code) if code else None)
                record = self._cluster_record(rule, rs, mine, error, t0, skipped)
                if record.status == "ran":
                    self.drafts.setdefault(rs.site_id, []).extend(mine)

    def _cluster_record(self, rule: Rule, rs: RunSite, found: list[FindingDraft],
                        error: str | None, t0: float, skipped: str | None = None) -> CheckRun:
        code = self.session.get(Site, rs.site_id).code
        record = CheckRun(run_id=self.run.id, site_id=rs.site_id, module=rule.name,
                          rules=list(rule.ids), status="ran", checked_at=datetime.now(),
                          findings=len(found),
                          elapsed_ms=int((time.monotonic() - t0) * 1000))
        reason = rule.skip_reason(rs) or skipped  # the runner's, else the rule's own
        if reason is not None:
            record.status, record.reason, record.findings = "skipped", reason, 0
            self.summary.skipped.append((code, rule.name, reason))
        elif error is not None:
            record.status, record.reason, record.findings = "error", error, 0
            self.summary.errors.append((code, rule.name, error))
        self.session.add(record)
        return record


def _extractors(rules: list[Rule], pages: bool = True) -> Extractors:
    """The extractors ``rules`` declare, by fact name (the page ones only with ``pages``:
    the page scan runs them for every site, the others run per site where needed)."""
    page: dict[str, PageExtractor] = {}
    scripts: dict[str, Callable[[str], Any]] = {}
    attachments: dict[str, Callable[[str], Any]] = {}
    for rule in rules:
        if pages:
            page.update(rule.page_facts)
        scripts.update(rule.script_facts)
        attachments.update(rule.attachment_facts)
    return Extractors(pages=page, scripts=scripts, attachments=attachments)


__all__ = ["CheckSummary", "Facts", "export_records", "fixed_findings", "latest_run",
           "run_checks"]
