"""The rule interface: what a rule is (:class:`Rule`), gets (:class:`CheckContext`) and
gives (:class:`FindingDraft`).

A rule is one object, registered in ``checks.registry`` (a module of this package with a
``RULE``, or a province's package through the ``govmon.rules`` entry-point group). It says
which rule IDs it emits, what it needs (a complete crawl, a reachable homepage, derived
facts), where its findings' severity comes from, and ``check(ctx) -> findings``. Rules
read stored and derived facts only: they never fetch, parse a page or write a table
(docs/architecture.md, "How to write a rule").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from derive.boards import Interaction
from derive.columns import ColumnsUnavailable, SiteColumns
from derive.mailbox import MailboxFacts
from derive.scan import PageExtractor, PageRecord, SiteScan
from derive.source import SiteSource, cluster_scopes
from derive.steps import Facts
from indicators.durations import Duration
from indicators.thresholds import ThresholdError, Thresholds  # noqa: F401 - for the rules
from store.models import Probe, Run, RunSite, Site

SEVERITIES = ("veto", "deduct", "info", "warn")


class Skip(Exception):  # noqa: N818 - a verdict, not an error
    """A rule cannot judge this site in this run (the indicator file lacks a threshold it
    needs, the portal whose links it reads was crawled incompletely …): the runner records
    the module as skipped with this reason — unknown, never "no problem"."""


@dataclass
class FindingDraft:
    """A problem as a rule reports it; the runner adds fingerprint, state and dates."""

    rule: str
    url: str
    message: str
    subject: str  # what identifies this problem across runs (column URL, link target ...)
    source: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    site: str | None = None  # a cluster rule's finding: the code of the site it is about


@dataclass(frozen=True)
class Rule:
    """One rule: the IDs it emits, what it needs, and ``check``.

    ``check`` gets a :class:`CheckContext` (one site) or, for ``scope="cluster"``, a
    :class:`ClusterContext` (every checked site of the run) and yields
    :class:`FindingDraft`s.
    """

    name: str  # stable; each site's CheckRun records it (was the module name)
    ids: tuple[str, ...]  # rule IDs (docs/rules.md) it may emit
    check: Callable[[Any], Iterable[FindingDraft]]
    # Absence of findings proves nothing on an incomplete crawl: skip (and say so) there.
    needs_complete: bool = True
    # Skip sites whose homepage failed in the crawl (site.unreachable is the one that
    # does not: judging that failure is its job).
    needs_reachable: bool = True
    # Derived facts read through the context (``derive.steps.STEPS``): "identity",
    # "columns", "boards", "mailbox". Built only for sites where a rule needing them runs.
    derived: tuple[str, ...] = ()
    # The rule's own extractors, run by the derive step (module-level functions: the page
    # scan may run in worker processes). Read back by the same name through
    # ``ctx.page_facts`` / ``script_facts`` / ``attachment_facts``.
    page_facts: Mapping[str, PageExtractor] = field(default_factory=dict)
    script_facts: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    attachment_facts: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    # None: the indicator system in force decides (veto / deduct / info); a fixed value
    # (e.g. "warn" for early warnings no indicator scores) overrides it.
    severity: str | None = None
    scope: Literal["site", "cluster"] = "site"
    # Runs on the sites registered 关停 — probed at the end of a crawl, never crawled —
    # and only on them (their ``CheckContext`` has no pages and no derived facts).
    closed_sites: bool = False
    # Why the stored facts cannot answer on this site (no earlier check to compare with, a
    # probe that did not run): ``fn(ctx) -> reason | None``. The rule is then recorded as
    # skipped with that reason — its result is unknown, not "no problem".
    unknown: Callable[[Any], str | None] | None = None

    def __post_init__(self) -> None:
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"规则 {self.name}: severity 应为 {'/'.join(SEVERITIES)}")
        if self.scope not in ("site", "cluster"):
            raise ValueError(f"规则 {self.name}: scope 应为 site 或 cluster")

    def skip_reason(self, rs: RunSite) -> str | None:
        """Why this rule does not run on a site's crawl (None: it runs)."""
        if rs.status == "unreachable" and self.needs_reachable:
            return "首页无法访问，无法检查"
        if self.needs_complete and not rs.complete:
            return f"抓取不完整 ({rs.note or rs.status})，结果未知"
        return None


class CheckContext(SiteSource):
    """One site of one run, as a rule sees it: its stored crawl (``SiteSource``: pages,
    links, link checks), the facts the derive step built for it, the thresholds of the
    indicator system in force and the crawl date (``as_of``)."""

    def __init__(self, session: Session, run: Run, site: Site, run_site: RunSite | None,
                 thresholds: dict[str, Any], as_of: date, spec: Any = None,
                 facts: Facts | None = None):
        super().__init__(session, run, site, as_of=as_of, spec=spec, run_site=run_site)
        self.thresholds = thresholds
        self.facts = facts if facts is not None else Facts()

    # -- the indicator file ---------------------------------------------------------------
    def threshold(self, key: str) -> Any:
        return Thresholds(self.thresholds).get(key)

    def duration(self, key: str) -> Duration:
        return Thresholds(self.thresholds).duration(key)

    # -- derived facts --------------------------------------------------------------------
    @property
    def scan(self) -> SiteScan:
        """The site's page scan (one parse per page; ``scan.scopes``: the cluster's URLs)."""
        return self.facts.get("pages")

    def page_facts(self, name: str) -> list[tuple[PageRecord, Any]]:
        """(page, value) of the rule's page extractor ``name`` on every scanned page."""
        return self.scan.facts(name)

    def script_facts(self, name: str) -> list[tuple[str, Any]]:
        """(script URL, value) of the rule's script extractor ``name``."""
        return self.facts.get(f"scripts:{name}")

    def attachment_facts(self, name: str) -> list[tuple[str, Any]]:
        """(attachment URL, value) of the rule's attachment extractor ``name``."""
        return self.facts.get(f"attachments:{name}")

    @property
    def columns(self) -> SiteColumns:
        """The site's columns; raises ColumnsUnavailable when the run's snapshots are gone
        (the rule is then recorded as not run: earlier findings stay open)."""
        data = self.facts.get("columns")
        if not data.available:
            raise ColumnsUnavailable(data.reason or "无法识别栏目")
        return data

    @property
    def boards(self) -> Interaction:
        return self.facts.get("boards")

    @property
    def mailbox(self) -> MailboxFacts:
        return self.facts.get("mailbox")

    # -- other stored facts ---------------------------------------------------------------
    def probes(self, days: int) -> list[Probe]:
        """The site's availability probes of the ``days`` days ending with the crawl date."""
        end = datetime.combine(self.as_of, time.max)
        start = end - timedelta(days=days)
        return list(self.session.scalars(select(Probe).where(
            Probe.site_id == self.site.id, Probe.at > start, Probe.at <= end)))

    def cluster_scopes(self) -> list[tuple[str, str]]:
        """(host, path prefix) of every registered site: the cluster's own URLs."""
        return cluster_scopes(self.session)


@dataclass
class ClusterContext:
    """The whole run, as a cluster rule sees it: every checked site on which the rule runs
    (``sites``: its context, with the stored facts; the portal's links through
    ``site(code).links()``), the thresholds and the crawl date. Findings name their site
    (``FindingDraft.site``); a finding about a site not in ``sites`` is dropped."""

    session: Session
    run: Run
    thresholds: dict[str, Any]
    as_of: date
    sites: list[CheckContext]
    # code -> why the rule could not judge that site (recorded as skipped, not "no problem")
    skipped: dict[str, str] = field(default_factory=dict)

    def skip(self, code: str, reason: str) -> None:
        """The rule cannot judge site ``code`` in this run (the data it reads is missing)."""
        self.skipped[code] = reason

    def site(self, code: str) -> CheckContext | None:
        return next((c for c in self.sites if c.site.code == code), None)

    def threshold(self, key: str) -> Any:
        return Thresholds(self.thresholds).get(key)

    def duration(self, key: str) -> Duration:
        return Thresholds(self.thresholds).duration(key)
