"""Indicator systems as data: the model an indicator file is read into.

An :class:`IndicatorSystem` holds single-veto, deduction and bonus indicators, each saying
which rules' findings cost how many points, and the thresholds the rules judge with
(``THRESHOLD_KEYS``). Files are read and validated by :mod:`indicators.system`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from indicators.durations import parse as parse_duration
from indicators.durations import parse_month_day

# The thresholds contract (docs/architecture.md): key -> value type.
THRESHOLD_KEYS: dict[str, str] = {
    "home_stale": "duration",
    "column_stale.news": "duration",
    "column_stale.notice": "duration",
    "column_stale.personnel": "duration",
    "stale_many.news_notice": "count",
    "stale_many.should_update": "count",
    "blank_many": "count",
    "mailbox.unanswered": "duration",
    "mailbox.window": "duration",
    "mailbox.reply_working_days": "count",
    "mailbox.board_stale": "duration",
    "survey.window": "duration",
    "survey.bonus_count": "count",
    "guide.missing_elements": "count",
    "guide.many_count": "count",
    "link.timeout_seconds": "seconds",
    "probe.timeout_seconds": "seconds",
    "probe.veto_share": "share",
    "probe.window_days": "count",
    "probe.min_per_day": "count",
    # Disclosure and cluster duties (indicators.md §5): yearly deadlines and Art. 26's limit.
    "disclosure.annual_report_deadline.portal": "month_day",
    "disclosure.annual_report_deadline.subsite": "month_day",
    "disclosure.annual_report_deadline.department": "month_day",
    "disclosure.timely_working_days": "count",
    "disclosure.window": "duration",
    "report.yearly_statement_deadline": "month_day",
    # Early warnings (预警): a level below each veto line; warnings are never scored.
    "warn.home_stale": "duration",
    "warn.column_margin": "duration",
    "warn.stale_many_news_notice": "count",
    "warn.blank_many": "count",
    "warn.mailbox_unanswered": "duration",
    "warn.probe_share": "share",
    # issue 17; optional (OPTIONAL_THRESHOLDS): files written before them still load
    "security.cert_expiring": "duration",
    "recycled.min_gap": "duration",
    "ipv6.min_link_share": "share",
}
# Thresholds a file may leave out and the value the rules use then (issue 17).
THRESHOLD_DEFAULTS: dict[str, Any] = {"security.cert_expiring": "30d",
                                      "recycled.min_gap": "2w",
                                      "ipv6.min_link_share": 0.9}
# Keys a file may leave out (files written before they existed stay valid): the rules that
# need one are then skipped for every site and say which key is missing.
OPTIONAL_THRESHOLDS = frozenset(k for k in THRESHOLD_KEYS
                                if k.startswith(("disclosure.", "report.", "warn."))
                                or k in THRESHOLD_DEFAULTS)
# Each warning line and the veto line it must stay below (``thresholds.<veto>``).
WARNING_BELOW = {"warn.home_stale": "home_stale",
                 "warn.stale_many_news_notice": "stale_many.news_notice",
                 "warn.blank_many": "blank_many",
                 "warn.mailbox_unanswered": "mailbox.unanswered",
                 "warn.probe_share": "probe.veto_share"}


@dataclass(frozen=True)
class Item:
    """One way an indicator loses points: a rule's findings (or the probe failure share)."""

    rule: str | None  # None for the probe item
    points: Fraction
    per: str = "finding"  # finding | once | detail.<key> | percent
    match: dict[str, Any] = field(default_factory=dict)
    probes: bool = False
    confirmed: bool = True
    note: str | None = None

    def matches(self, detail: dict[str, Any]) -> bool:
        return all(_matches(detail.get(key), cond) for key, cond in self.match.items())

    @property
    def label(self) -> str:
        """Chinese description for tables: '每处扣 0.2 分 (on_homepage=True)'."""
        pts = points_text(self.points)
        if self.probes:
            text = f"探测失败比例每 1% 扣 {pts} 分"
        elif self.per == "once":
            text = f"扣 {pts} 分"
        elif self.per.startswith("detail."):
            text = f"每项 ({self.per[7:]}) 扣 {pts} 分"
        else:
            text = f"每处扣 {pts} 分"
        if self.match:
            text += " (" + ", ".join(f"{k}={v}" for k, v in self.match.items()) + ")"
        return text


@dataclass(frozen=True)
class Category:
    name: str
    points: Fraction
    services: bool = False  # not checked for sites without service functions
    confirmed: bool = True
    note: str | None = None


@dataclass(frozen=True)
class Indicator:
    """A single-veto, deduction or bonus indicator."""

    id: str
    name: str
    kind: str  # veto | deduct | bonus
    check: str  # A | P | H
    cap: Fraction = Fraction(0)  # deduct: most points lost; bonus: most points gained
    category: str | None = None
    rules: tuple[str, ...] = ()  # veto: rules whose findings hit it
    items: tuple[Item, ...] = ()  # deduct: how points are lost
    evidence: tuple[str, ...] = ()  # shown to the person checking, never scored
    probes: bool = False  # veto decided by the availability probes of the window
    services: bool = False
    confirmed: bool = True
    note: str | None = None

    @property
    def scoring_rules(self) -> tuple[str, ...]:
        """Rules whose findings (or whose absence) decide this indicator."""
        out = list(self.rules)
        out += [i.rule for i in self.items if i.rule and i.rule not in out]
        return tuple(out)

    @property
    def all_rules(self) -> tuple[str, ...]:
        return self.scoring_rules + tuple(r for r in self.evidence if r not in self.scoring_rules)

    @property
    def uses_probes(self) -> bool:
        return self.probes or any(i.probes for i in self.items)


@dataclass
class IndicatorSystem:
    id: str
    name: str
    source: str
    path: Path
    total: Fraction
    pass_mark: Fraction
    bonus_total: Fraction
    bonus_kinds: tuple[str, ...]
    bonus_above: Fraction
    thresholds: dict[str, Any]  # nested, as in the file (what checks.base.CheckContext reads)
    categories: dict[str, Category]
    vetoes: list[Indicator]
    deductions: list[Indicator]  # in file order: the order findings are claimed in
    bonus: list[Indicator]
    unconfirmed: dict[str, str]  # key path -> note

    @property
    def indicators(self) -> list[Indicator]:
        return [*self.vetoes, *self.deductions, *self.bonus]

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def threshold(self, key: str) -> Any:
        """A threshold by dotted key; durations come back as :class:`Duration`, yearly
        deadlines as :class:`~indicators.durations.MonthDay`."""
        if key not in THRESHOLD_KEYS:
            raise KeyError(f"未知阈值 {key}")
        node: Any = self.thresholds
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if key in THRESHOLD_DEFAULTS:  # a file written before the key existed
                    node = THRESHOLD_DEFAULTS[key]
                    break
                raise KeyError(f"指标文件未设阈值 thresholds.{key}")
            node = node[part]
        kind = THRESHOLD_KEYS[key]
        if kind == "month_day":
            return parse_month_day(node)
        if kind == "duration":
            return parse_duration(node)
        if kind == "count":
            return int(node)
        return float(node)

    def rule_severity(self, rule_id: str) -> str:
        """``veto`` when the rule hits a single-veto item, ``deduct`` when it costs points,
        ``warn`` for an early warning (``warn.<rule>``, never scored), else ``info`` — the
        severity findings of this rule carry under this system."""
        if rule_id.startswith("warn."):
            return "warn"
        if any(rule_id in v.rules for v in self.vetoes):
            return "veto"
        if any(i.rule == rule_id and i.points > 0 for d in self.deductions for i in d.items):
            return "deduct"
        return "info"


def points_text(x: Fraction | float) -> str:
    f = float(x)
    return str(int(f)) if f == int(f) else f"{f:g}"


def _matches(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict):
        ok = True
        if "in" in cond:
            ok &= any(_eq(value, c) for c in cond["in"])
        if "not" in cond:
            ok &= not any(_eq(value, c) for c in cond["not"])
        text = "" if value is None else str(value)
        if "contains" in cond:
            ok &= any(str(c) in text for c in cond["contains"])
        if "excludes" in cond:
            ok &= not any(str(c) in text for c in cond["excludes"])
        return ok
    if isinstance(cond, list):
        return any(_eq(value, c) for c in cond)
    return _eq(value, cond)


def _eq(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    if value == expected:
        return True
    return value is not None and str(value) == str(expected)
