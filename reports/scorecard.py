"""Quarterly scorecard comparison: ranking, 合格率 of the cluster and per kind, the most
common problems, the failing sites, and charts — as self-contained HTML and as XLSX.

Everything comes from stored quarter cards (period ``2026Q4``, see scoring/README.md for how
a quarter's card is derived) and the findings of the runs behind them. 合格率 follows the
supervisors' notices: (checked − 不合格) / checked; a 待定 card is not 不合格, and the
report says how many there are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.rules_catalogue import rule_title
from reports import charts
from reports.common import (
    KIND_NAMES,
    KIND_ORDER,
    Markup,
    fmt_delta,
    is_problem,
    period_cards,
    previous_quarter,
    quarter_label,
    quarter_periods,
    render,
    sample_runs,
    svg,
)
from reports.notices import ReportError
from reports.scorecard_terminal import main_deductions
from reports.scorecard_xlsx import write_xlsx
from reports.verdicts import RATE_DEFINITION, PassRate, verdict_reason, vetoes_text
from store.models import Finding, Scorecard, Site


@dataclass
class RankRow:
    rank: int | None
    site: Site
    card: Scorecard
    prev: Scorecard | None

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.site.kind, self.site.kind)

    @property
    def score(self) -> float | None:
        return self.card.score

    @property
    def floor(self) -> float | None:
        """For a 待定 card: the lowest score the unknowns could leave."""
        floor = (self.card.detail or {}).get("score_floor")
        return floor if self.card.verdict == "待定" and floor != self.score else None

    @property
    def unreachable(self) -> bool:
        return bool((self.card.detail or {}).get("unreachable"))

    @property
    def prev_score(self) -> float | None:
        return self.prev.score if self.prev is not None else None

    @property
    def delta(self) -> float | None:
        if self.score is None or self.prev_score is None:
            return None
        return round(self.score - self.prev_score, 2)

    @property
    def change(self) -> str:
        """Score change, or the verdict change when a score is missing (veto)."""
        if self.prev is None:
            return "新纳入检查"
        parts = []
        if self.delta is not None:
            parts.append(fmt_delta(self.delta))
        if self.prev.verdict != self.card.verdict:
            parts.append(f"{self.prev.verdict}→{self.card.verdict}")
        elif self.delta is None:
            parts.append("结论未变")
        return "，".join(parts)

    @property
    def trend(self) -> str:
        """up / down / same / "" for CSS."""
        order = {"不合格": 0, "待定": 1, "合格": 2}
        if self.prev is None:
            return ""
        if self.delta is not None and abs(self.delta) >= 0.005:
            return "up" if self.delta > 0 else "down"
        a, b = order.get(self.prev.verdict, 1), order.get(self.card.verdict, 1)
        return "up" if b > a else "down" if b < a else "same"

    @property
    def vetoes(self) -> str:
        return vetoes_text(self.card)

    @property
    def reason(self) -> str:
        return verdict_reason(self.card)

    @property
    def deductions(self) -> str:
        return main_deductions(self.card)


@dataclass
class RateRow:
    scope: str
    operating: int
    checked: int
    passed: int
    failed: int
    open: int
    prev_checked: int | None = None
    prev_failed: int | None = None

    @property
    def figures(self) -> PassRate:
        return PassRate(checked=self.checked, passed=self.passed, failed=self.failed,
                        pending=self.open)

    @property
    def rate(self) -> float | None:
        return self.figures.rate

    @property
    def final_rate(self) -> float | None:
        return self.figures.final_rate

    @property
    def prev_rate(self) -> float | None:
        if not self.prev_checked:
            return None
        return (self.prev_checked - (self.prev_failed or 0)) / self.prev_checked

    @property
    def sampling(self) -> float | None:
        return self.checked / self.operating if self.operating else None

    @property
    def change(self) -> str:
        if self.rate is None or self.prev_rate is None:
            return "—"
        diff = (self.rate - self.prev_rate) * 100
        return "持平" if abs(diff) < 0.05 else f"{diff:+.1f} 个百分点"


@dataclass
class ProblemRow:
    rule: str
    title: str
    count: int
    sites: list[str]


@dataclass
class QuarterReport:
    quarter: str
    compare: str | None
    system_id: str
    system_name: str
    as_of: date | None
    rows: list[RankRow]
    rates: list[RateRow]
    problems: list[ProblemRow]
    trend_periods: list[str]
    histogram_svg: str
    trend_svg: str
    prev_histogram_svg: str | None
    sample_notes: dict[str, str] = field(default_factory=dict)  # period -> note
    trend_scores: dict[tuple[int, str], float | None] = field(default_factory=dict)
    sender: str = ""
    generated: datetime = field(default_factory=datetime.now)

    @property
    def title(self) -> str:
        return f"{quarter_label(self.quarter)}政府网站检查情况"

    @property
    def failing(self) -> list[RankRow]:
        return [r for r in self.rows if r.card.verdict == "不合格"]

    @property
    def pending(self) -> list[RankRow]:
        return [r for r in self.rows if r.card.verdict == "待定"]

    @property
    def total(self) -> RateRow:
        return self.rates[0]


VERDICT_GROUP = {"合格": 0, "待定": 1, "不合格": 2}


def _rank(rows: list[RankRow]) -> list[RankRow]:
    """Every site gets a rank: 合格 sites by score, then 待定 sites (by their provisional
    score; those without any score after them), then 不合格 sites (under the pass mark by
    score, single vetoes — no score — last). Equal verdict and score share a rank."""
    def key(r: RankRow) -> tuple[int, int, float]:
        group = VERDICT_GROUP.get(r.card.verdict, 3)
        return (group, r.score is None, -(r.score or 0.0))

    ordered = sorted(rows, key=lambda r: (*key(r), r.site.code))
    rank, last = 0, None
    for i, r in enumerate(ordered, start=1):
        if key(r) != last:
            rank, last = i, key(r)
        r.rank = rank
    return ordered


def _rates(session: Session, cards: list[tuple[Scorecard, Site]],
           prev: dict[int, Scorecard] | None) -> list[RateRow]:
    operating = Counter(s.kind for s in session.scalars(
        select(Site).where(Site.in_registry.is_(True), Site.status == "运行")))
    out = []
    for scope, kinds in [("全部网站", KIND_ORDER)] + [(KIND_NAMES[k], (k,)) for k in KIND_ORDER]:
        mine = [c for c, s in cards if s.kind in kinds]
        if scope != "全部网站" and not mine and not sum(operating[k] for k in kinds):
            continue
        row = RateRow(scope=scope, operating=sum(operating[k] for k in kinds),
                      checked=len(mine), passed=sum(c.verdict == "合格" for c in mine),
                      failed=sum(c.verdict == "不合格" for c in mine),
                      open=sum(c.verdict == "待定" for c in mine))
        if prev is not None:
            kinds_of = {s.id: s.kind for _, s in cards}
            kinds_of.update({s.id: s.kind for s in session.scalars(
                select(Site).where(Site.id.in_(list(prev))))})
            theirs = [c for sid, c in prev.items() if kinds_of.get(sid) in kinds]
            row.prev_checked = len(theirs)
            row.prev_failed = sum(c.verdict == "不合格" for c in theirs)
        out.append(row)
    return out


def _problems(session: Session, cards: list[tuple[Scorecard, Site]],
              limit: int = 12) -> list[ProblemRow]:
    """Rules with the most sites affected (then findings), over the runs behind the cards."""
    count: Counter[str] = Counter()
    sites: dict[str, set[str]] = defaultdict(set)
    for card, site in cards:
        if card.run_id is None:
            continue
        for f in session.scalars(select(Finding).where(Finding.run_id == card.run_id,
                                                       Finding.site_id == site.id)):
            if not is_problem(f):
                continue
            count[f.rule] += 1
            sites[f.rule].add(site.name)
    ranked = sorted(count, key=lambda r: (-len(sites[r]), -count[r], r))
    return [ProblemRow(rule=r, title=rule_title(r), count=count[r], sites=sorted(sites[r]))
            for r in ranked[:limit]]


def build_report(session: Session, quarter: str, *, system: Any, compare: str | None = None,
                 auto_compare: bool = True, sender: str = "") -> QuarterReport:
    """The comparison of ``quarter`` with ``compare`` (default: the previous quarter when
    it has stored cards)."""
    cards = period_cards(session, quarter, system.id)
    if not cards:
        raise ReportError(f"没有 {quarter} 季度的评分表 ({system.id})：先运行 "
                          f"govmon score --quarter {quarter}")
    if compare is None and auto_compare:
        candidate = previous_quarter(quarter)
        if period_cards(session, candidate, system.id):
            compare = candidate
    prev_cards: list[tuple[Scorecard, Site]] = []
    if compare:
        prev_cards = period_cards(session, compare, system.id)
        if not prev_cards:
            raise ReportError(f"没有 {compare} 季度的评分表 ({system.id})，无法对比：先运行 "
                              f"govmon score --quarter {compare} --as-of <该季度最后一天>")
    prev = {s.id: c for c, s in prev_cards} if compare else None
    rows = _rank([RankRow(rank=None, site=s, card=c, prev=(prev or {}).get(s.id))
                  for c, s in cards])

    periods = quarter_periods(session, system.id)
    by_site: dict[int, dict[str, Scorecard]] = defaultdict(dict)
    for period in periods:
        for c, s in period_cards(session, period, system.id):
            by_site[s.id][period] = c
    series = [charts.Series(name=r.site.name, points=[
        charts.Point(score=by_site[r.site.id][p].score, verdict=by_site[r.site.id][p].verdict)
        if p in by_site[r.site.id] else charts.Point(None, None) for p in periods])
        for r in sorted(rows, key=lambda r: r.site.code)]
    pass_mark = float((cards[0][0].detail or {}).get("pass_mark", 60))
    trend = charts.line_chart([quarter_label(p) for p in periods],
                              series, "各网站季度得分趋势", pass_mark=pass_mark,
                              width=860, height=max(320, 90 + 18 * len(series)))
    hist = charts.histogram(charts.score_bins([(c.score, c.verdict) for c, _ in cards]),
                            f"{quarter_label(quarter)}得分分布")
    prev_hist = (charts.histogram(charts.score_bins([(c.score, c.verdict)
                                                     for c, _ in prev_cards]),
                                  f"{quarter_label(compare)}得分分布") if compare else None)

    samples = sample_runs(session)
    notes = {}
    for period in periods:
        runs = {c.run_id for c in (by_site[s][period] for s in by_site if period in by_site[s])}
        hit = [samples[r] for r in runs if r in samples]
        if hit:
            notes[period] = hit[0]
    as_of = cards[0][0].as_of.date() if cards[0][0].as_of else None
    return QuarterReport(
        quarter=quarter, compare=compare, system_id=system.id, system_name=system.name,
        as_of=as_of, rows=rows, rates=_rates(session, cards, prev),
        problems=_problems(session, cards), trend_periods=periods, histogram_svg=hist,
        trend_svg=trend, prev_histogram_svg=prev_hist, sample_notes=notes, sender=sender,
        trend_scores={(sid, p): c.score for sid, cards_ in by_site.items()
                      for p, c in cards_.items()})


def write_html(report: QuarterReport, path: Path) -> Path:
    path.write_text(render("scorecard.html.j2", r=report, svg=svg, Markup=Markup,
                           rate_definition=RATE_DEFINITION), encoding="utf-8")
    return path


def generate_scorecard(session: Session, out_dir: Path, quarter: str, *, system: Any,
                       compare: str | None = None, sender: str = "",
                       formats: tuple[str, ...] = ("html", "xlsx", "pdf"), browser: Any = None
                       ) -> tuple[QuarterReport, list[Path]]:
    """Write the comparison as HTML, XLSX and (with a ``browser``) PDF."""
    from scoring.engine import normalize_quarter

    try:
        quarter = normalize_quarter(quarter)
        compare = normalize_quarter(compare) if compare else None
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if compare == quarter:
        raise ReportError(f"--compare 与 --quarter 相同 ({quarter})")
    report = build_report(session, quarter, system=system, compare=compare, sender=sender)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"scorecard-{quarter}" + (f"-vs-{report.compare}" if report.compare else "")
    paths: list[Path] = []
    if "html" in formats or "pdf" in formats:
        html = write_html(report, out_dir / f"{stem}.html")
        if "html" in formats:
            paths.append(html)
        if "pdf" in formats and browser is not None:
            from reports.browser import print_pdf

            paths.append(print_pdf(browser, html, out_dir / f"{stem}.pdf"))
        if "html" not in formats:
            html.unlink()
    if "xlsx" in formats:
        paths.append(write_xlsx(report, out_dir / f"{stem}.xlsx"))
    return report, paths

