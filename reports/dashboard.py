"""A static dashboard: ``index.html`` (every site's latest verdict, score, open problems,
flags) and ``sites/<code>.html`` (history of scores, open problems with evidence, problems
fixed). Plain files with relative links, inline CSS and SVG: it opens from disk, needs no
server, fetches nothing and runs no script.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.findings import fixed_findings
from reports import charts
from reports.common import (
    KIND_NAMES,
    KIND_ORDER,
    fmt_delta,
    is_problem,
    quarter_periods,
    render,
    rule_label,
    run_site,
    safe_href,
    sample_runs,
    site_findings,
    svg,
)
from reports.verdicts import (
    RATE_DEFINITION,
    Group,
    PassRate,
    group_findings,
    indicator_names,
    verdict_reason,
    vetoes_text,
)
from store.models import Finding, Run, RunSite, Scorecard, Site


@dataclass
class HistoryEntry:
    card: Scorecard
    run: Run | None
    problems: int
    sample: bool

    @property
    def label(self) -> str:
        return self.run.started_at.strftime("%Y-%m-%d") if self.run else self.card.period


@dataclass
class SiteView:
    site: Site
    card: Scorecard | None
    run: Run | None
    run_site: RunSite | None
    problems: list[Finding]
    hints: list[Finding]
    groups: list[Group]
    fixed: list[Finding]
    previous: HistoryEntry | None
    history: list[HistoryEntry]
    quarters: list[Scorecard]
    sample_note: str | None = None
    chart: str = ""
    notice: str | None = None  # the site's notice, relative to the dashboard directory
    others: list[tuple[str, Scorecard]] = field(default_factory=list)  # (system, card)

    @property
    def slug(self) -> str:
        return re.sub(r"[^0-9A-Za-z_-]", "_", self.site.code)

    @property
    def href(self) -> str:
        return f"sites/{self.slug}.html"

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.site.kind, self.site.kind)

    @property
    def verdict(self) -> str:
        return self.card.verdict if self.card else "未评分"

    @property
    def unreachable(self) -> bool:
        if self.run_site is not None and self.run_site.status == "unreachable":
            return True
        return bool(self.card and "V2" in (self.card.vetoes or []))

    @property
    def incomplete(self) -> bool:
        return bool(self.run_site is not None and not self.run_site.complete
                    and not self.unreachable)

    @property
    def closed(self) -> bool:
        return self.site.status != "运行"

    @property
    def reason(self) -> str:
        return verdict_reason(self.card) if self.card else "尚无评分"

    @property
    def vetoes(self) -> str:
        return vetoes_text(self.card) if self.card else ""

    @property
    def delta(self) -> str:
        if not self.card or not self.previous:
            return "—"
        a, b = self.previous.card.score, self.card.score
        if a is not None and b is not None:
            return fmt_delta(round(b - a, 2))
        if self.previous.card.verdict != self.card.verdict:
            return f"{self.previous.card.verdict}→{self.card.verdict}"
        return "—"

    @property
    def url_href(self) -> str | None:
        return safe_href(self.site.url)

    @property
    def needs_person(self) -> list[str]:
        return indicator_names(self.card, list((self.card.detail or {}).get("needs_person")
                                               or [])) if self.card else []

    @property
    def data_gaps(self) -> list[str]:
        return indicator_names(self.card, list((self.card.detail or {}).get("data_gaps")
                                               or [])) if self.card else []


@dataclass
class Dashboard:
    system_id: str
    system_name: str
    sites: list[SiteView]
    generated: datetime = field(default_factory=datetime.now)
    quarter_chart: str = ""
    scorecard: str | None = None  # the quarter's scorecard, relative to the dashboard
    other_systems: list[str] = field(default_factory=list)  # names, in column order

    @property
    def running(self) -> list[SiteView]:
        return [v for v in self.sites if not v.closed]

    @property
    def sample_note(self) -> str | None:
        return next((v.sample_note for v in self.sites if v.sample_note), None)

    @property
    def scored(self) -> list[SiteView]:
        return [v for v in self.sites if v.card is not None]

    @property
    def counts(self) -> Counter:
        return Counter(v.verdict for v in self.scored)

    @property
    def open_problems(self) -> int:
        return sum(len(v.problems) for v in self.sites)

    @property
    def unreachable(self) -> int:
        return sum(1 for v in self.sites if v.unreachable)

    @property
    def figures(self) -> PassRate:
        return PassRate.of([v.verdict for v in self.scored])

    @property
    def pass_rate(self) -> float | None:
        return self.figures.rate

    @property
    def latest_check(self) -> datetime | None:
        runs = [v.run.started_at for v in self.sites if v.run is not None]
        return max(runs) if runs else None


def _run_cards(session: Session, system_id: str) -> dict[int, list[tuple[Scorecard, Run]]]:
    out: dict[int, list[tuple[Scorecard, Run]]] = {}
    rows = session.execute(select(Scorecard, Run).join(Run, Run.id == Scorecard.run_id)
                           .where(Scorecard.system == system_id,
                                  Scorecard.period.like("run:%"))).all()
    for card, run in rows:
        out.setdefault(card.site_id, []).append((card, run))
    for cards in out.values():
        cards.sort(key=lambda cr: (cr[1].started_at, cr[1].id))
    return out


def _problem_count(session: Session, run_id: int | None, site_id: int) -> int:
    return sum(1 for f in site_findings(session, run_id, site_id) if is_problem(f))


def _short(name: str) -> str:
    return re.sub(r"（\d{4}）$", "", name)


def build_dashboard(session: Session, *, system: Any, others: list[Any] | None = None
                    ) -> Dashboard:
    """Every site's latest card under ``system``; ``others`` (more indicator systems) are
    shown beside it where the same run was scored under them. (Long: one site view is
    gathered field by field, in the order the page shows them.)"""
    samples = sample_runs(session)
    cards = _run_cards(session, system.id)
    other_cards = {o.id: _run_cards(session, o.id) for o in others or []}
    quarters = quarter_periods(session, system.id)
    sites = list(session.scalars(select(Site).order_by(Site.code)))
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    views = []
    for site in sites:
        mine = cards.get(site.id, [])
        if not site.in_registry and not mine:
            continue
        history = [HistoryEntry(card=c, run=r, problems=_problem_count(session, r.id, site.id),
                                sample=r.id in samples) for c, r in mine]
        latest = history[-1] if history else None
        card = latest.card if latest else None
        run = latest.run if latest else None
        findings = site_findings(session, run.id if run else None, site.id)
        scored = {fid for ind in ((card.detail or {}).get("indicators") or [] if card else [])
                  for fid in ind.get("findings") or []}
        problems = [f for f in findings if is_problem(f) or f.id in scored]
        hints = [f for f in findings if f not in problems]
        groups = group_findings(card, problems, {system.id: system}) if card else []
        q_cards = list(session.scalars(select(Scorecard).where(
            Scorecard.site_id == site.id, Scorecard.system == system.id,
            Scorecard.period.in_(quarters)).order_by(Scorecard.period)))
        view = SiteView(site=site, card=card, run=run,
                        run_site=run_site(session, run.id if run else None, site.id),
                        problems=problems, hints=hints, groups=groups,
                        fixed=fixed_findings(session, run.id, site.id) if run else [],
                        previous=history[-2] if len(history) > 1 else None,
                        history=history, quarters=q_cards,
                        sample_note=next((samples[h.run.id] for h in history if h.sample), None))
        for o in others or []:
            same = [c for c, r in other_cards[o.id].get(site.id, []) if run and r.id == run.id]
            if same:
                view.others.append((_short(o.name), same[0]))
        if history:
            pass_mark = float((card.detail or {}).get("pass_mark", 60))
            view.chart = charts.line_chart(
                [h.label for h in history],
                [charts.Series(site.name, [charts.Point(h.card.score, h.card.verdict)
                                           for h in history])],
                "历次检查得分", legend=False, pass_mark=pass_mark, width=760, height=280)
        views.append(view)
    views.sort(key=lambda v: (v.closed, kind_rank.get(v.site.kind, 9), v.site.code))
    board = Dashboard(system_id=system.id, system_name=system.name, sites=views,
                      other_systems=[_short(o.name) for o in others or []])
    if quarters:
        by_site = {v.site.id: {c.period: c for c in v.quarters} for v in views}
        series = [charts.Series(v.site.name, [
            charts.Point(by_site[v.site.id][p].score, by_site[v.site.id][p].verdict)
            if p in by_site[v.site.id] else charts.Point(None, None) for p in quarters])
            for v in views if v.quarters]
        from reports.common import quarter_label

        board.quarter_chart = charts.line_chart([quarter_label(p) for p in quarters], series,
                                                "各网站季度得分", width=860,
                                                height=max(300, 90 + 18 * len(series)))
    return board


def write_dashboard(board: Dashboard, out_dir: Path) -> list[Path]:
    """Write index.html and one page per site; returns the paths written."""
    (out_dir / "sites").mkdir(parents=True, exist_ok=True)
    paths = []
    index = out_dir / "index.html"
    index.write_text(render("dashboard_index.html.j2", d=board, svg=svg,
                                 rate_definition=RATE_DEFINITION), encoding="utf-8")
    paths.append(index)
    for view in board.sites:
        path = out_dir / view.href
        path.write_text(render("dashboard_site.html.j2", d=board, v=view, svg=svg,
                               rule_label=rule_label), encoding="utf-8")
        paths.append(path)
    return paths


def _newest(folder: Path, pattern: str) -> Path | None:
    found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime) if folder.is_dir() \
        else []
    return found[-1] if found else None


def link_documents(board: Dashboard, out_dir: Path, *, notices: Path | None = None,
                   scorecard: Path | None = None) -> None:
    """Link each site to its notice and the board to the scorecard: the files given, or
    the newest ones next to the dashboard (``../notices/``, ``../scorecard-*.html``)."""
    import os

    notices = notices or out_dir.parent / "notices"
    for view in board.sites:
        found = _newest(notices, f"notice-{view.site.code}-*.html")
        if found is not None:
            view.notice = os.path.relpath(found, out_dir)
    found = scorecard or _newest(out_dir.parent, "scorecard-*.html")
    if found is not None and found.exists():
        board.scorecard = os.path.relpath(found, out_dir)


def generate_dashboard(session: Session, out_dir: Path, *, system: Any,
                       others: list[Any] | None = None, notices: Path | None = None,
                       scorecard: Path | None = None) -> tuple[Dashboard, list[Path]]:
    board = build_dashboard(session, system=system, others=others)
    link_documents(board, out_dir, notices=notices, scorecard=scorecard)
    return board, write_dashboard(board, out_dir)
