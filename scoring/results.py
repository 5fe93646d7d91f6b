"""What scoring a site gives: each indicator's status and points (:class:`IndicatorResult`),
the probe window (:class:`Availability`) and the scorecard (:class:`ScoreResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from indicators.system import IndicatorSystem

PASS, FAIL, OPEN = "合格", "不合格", "待定"

STATUS_LABELS = {
    "passed": "通过",
    "deducted": "扣分",
    "vetoed": "否决",
    "manual_check": "需人工核查",
    "manual_result": "人工核定",
    "incomplete": "数据不完整",
    "few_probes": "探测次数不足",
    "check_error": "检查出错",
    "not_checked": "未检查",
    "not_applicable": "不适用",
    "not_scored": "未计分",
}
# Unknowns caused by missing data, in the order they are reported when several apply.
DATA_GAPS = ("few_probes", "incomplete", "check_error", "not_checked")
SCORED_RUN_STATUSES = ("complete", "partial")


@dataclass
class Availability:
    """Homepage probes of the monitoring window ``(start, end]``."""

    start: datetime
    end: datetime
    probes: int
    failures: int
    required: int  # probe.min_per_day × probe.window_days
    veto_share: Fraction

    @property
    def share(self) -> Fraction:
        return Fraction(self.failures, self.probes) if self.probes else Fraction(0)

    @property
    def sufficient(self) -> bool:
        return self.probes >= self.required

    @property
    def veto(self) -> bool:
        """At least the veto share failed (inclusive), over enough probes."""
        return self.sufficient and self.share >= self.veto_share

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(timespec="seconds"),
                "end": self.end.isoformat(timespec="seconds"), "probes": self.probes,
                "failures": self.failures, "share": round(float(self.share), 4),
                "required": self.required, "sufficient": self.sufficient,
                "veto_share": float(self.veto_share), "veto": self.veto}


@dataclass
class IndicatorResult:
    id: str
    name: str
    kind: str  # veto | deduct | bonus
    category: str | None
    check: str
    cap: Fraction
    status: str = "passed"
    lost: Fraction = Fraction(0)  # deduct: counted points lost (capped); bonus: gained
    raw: Fraction = Fraction(0)  # before the cap
    hit: bool = False  # veto
    findings: list[int] = field(default_factory=list)  # findings that cost points / hit
    evidence: list[int] = field(default_factory=list)  # shown to the person checking
    items: list[dict[str, Any]] = field(default_factory=list)
    needs_person: bool = False  # P / H without a manual result
    manual: dict[str, Any] | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "category": self.category, "check": self.check, "status": self.status,
                "label": self.label, "cap": _num(self.cap), "lost": _num(self.lost),
                "raw": _num(self.raw), "hit": self.hit, "findings": self.findings,
                "evidence": self.evidence, "items": self.items,
                "needs_person": self.needs_person, "manual": self.manual, "note": self.note}


@dataclass
class ScoreResult:
    site_id: int
    site_code: str
    site_name: str
    site_kind: str
    has_services: bool
    system: IndicatorSystem
    run_id: int | None
    period: str
    as_of: date
    crawl_complete: bool
    availability: Availability
    indicators: list[IndicatorResult]
    verdict: str = PASS
    score: Fraction | None = None  # None when a veto hit (nothing else scored)
    deduction_score: Fraction | None = None
    score_floor: Fraction | None = None  # final score if every data gap lost its remaining cap
    bonus_score: Fraction = Fraction(0)
    base: Fraction = Fraction(0)  # points of the categories checked (75 without services)
    unreachable: bool = False  # the crawl could not open the homepage
    crawl_error: str | None = None  # why (RunSite.note), for the reasons below
    pending_reasons: list[str] = field(default_factory=list)  # why 待定, in Chinese

    @property
    def vetoes(self) -> list[str]:
        return [r.id for r in self.indicators if r.kind == "veto" and r.hit]

    @property
    def lost(self) -> dict[str, float]:
        """Points lost per deduction indicator (only those that lost points)."""
        return {r.id: _num(r.lost) for r in self.indicators
                if r.kind == "deduct" and r.lost and r.status != "not_scored"}

    @property
    def data_gaps(self) -> list[str]:
        return [r.id for r in self.indicators if r.status in DATA_GAPS]

    @property
    def needs_person(self) -> list[str]:
        return [r.id for r in self.indicators if r.needs_person]

    def indicator(self, indicator_id: str) -> IndicatorResult:
        return next(r for r in self.indicators if r.id == indicator_id)

    def to_detail(self) -> dict[str, Any]:
        """The explanation stored in ``Scorecard.detail`` (JSON)."""
        return {
            "system_name": self.system.name, "site": self.site_code, "kind": self.site_kind,
            "has_services": self.has_services, "crawl_complete": self.crawl_complete,
            "run_id": self.run_id, "as_of": self.as_of.isoformat(),
            "deduction_score": _num(self.deduction_score),
            "score_floor": _num(self.score_floor), "bonus_score": _num(self.bonus_score),
            "base": _num(self.base), "total": _num(self.system.total),
            "scale": None if self.base in (0, self.system.total)
            else str(self.system.total / self.base),
            "pass_mark": _num(self.system.pass_mark),
            "availability": self.availability.as_dict(),
            "unreachable": self.unreachable, "pending_reasons": self.pending_reasons,
            "lost": self.lost, "data_gaps": self.data_gaps,
            "needs_person": self.needs_person,
            "indicators": [r.as_dict() for r in self.indicators],
            "unconfirmed_values": len(self.system.unconfirmed),
        }


def _num(x: Fraction | None) -> float | None:
    return None if x is None else round(float(x), 2)
