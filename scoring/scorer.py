"""Scores one site: an indicator system applied to its findings and probe history.

The 2019 rules, as data-driven as the indicator file allows:
- any single-veto item hit → 不合格, nothing else scored;
- otherwise 100 minus deductions, each indicator capped at its points (and each category at
  its total); under the pass mark → 不合格;
- sites without service functions skip the service category: scored out of the rest
  (75) and scaled to the total (× 4/3);
- bonus only for the site kinds the file names (portals) and only when the deduction score
  is above the file's mark (80).

Nothing unknown is counted as passed. Every indicator ends in one status (see
``STATUS_LABELS``): data gaps (incomplete crawl, too few probes, a rule that did not run)
are unknowns that make the verdict 待定 when they could change it; indicators a crawler
cannot decide (P / H) are "需人工核查" until a manual result is supplied. Every point lost
names the findings (or the probes) that caused it.

A site whose homepage could not be reached in the crawl has no score at all (nothing of
its content was checked, so "100 minus nothing" would be a lie): it is 不合格 when a veto
is proven (V2 over enough probes), otherwise 待定 with the reasons stated in Chinese
(``ScoreResult.pending_reasons``) — for instance that the monitoring window holds no probe.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.rules_catalogue import RULES
from indicators.system import Indicator, IndicatorSystem
from scoring.manual import ManualResult
from scoring.results import (
    DATA_GAPS,
    FAIL,
    OPEN,
    PASS,
    Availability,
    IndicatorResult,
    ScoreResult,
    _num,
)
from store.models import CheckRun, Finding, Probe, Run, RunSite, Site


# -- inputs --------------------------------------------------------------------------
def availability(session: Session, system: IndicatorSystem, site_id: int,
                 as_of: date) -> Availability:
    """Probes of the ``probe.window_days`` days ending with ``as_of`` (the same window the
    ``site.unreachable`` check uses). A probe fails when it failed or took longer than
    ``probe.timeout_seconds``."""
    days = system.threshold("probe.window_days")
    end = datetime.combine(as_of, time.max)
    start = end - timedelta(days=days)
    limit_ms = system.threshold("probe.timeout_seconds") * 1000
    rows = session.execute(select(Probe.ok, Probe.elapsed_ms).where(
        Probe.site_id == site_id, Probe.at > start, Probe.at <= end)).all()
    failures = sum(1 for ok, ms in rows if not ok or (ms is not None and ms > limit_ms))
    return Availability(start=start, end=end, probes=len(rows), failures=failures,
                        required=system.threshold("probe.min_per_day") * days,
                        veto_share=Fraction(str(system.threshold("probe.veto_share"))))


def _rule_states(session: Session, run_id: int, site_id: int) -> dict[str, str]:
    """rule -> ran | skipped | error, from the checks' bookkeeping (``CheckRun``)."""
    rank = {"ran": 0, "error": 1, "skipped": 2}
    out: dict[str, str] = {}
    for rec in session.scalars(select(CheckRun).where(CheckRun.run_id == run_id,
                                                      CheckRun.site_id == site_id)):
        for rule in rec.rules or []:
            if rule not in out or rank.get(rec.status, 3) < rank.get(out[rule], 3):
                out[rule] = rec.status
    return out


def _amount(value: Any) -> Fraction:
    """How many occurrences a detail value stands for (a count or a list)."""
    if isinstance(value, bool) or value is None:
        return Fraction(1)
    if isinstance(value, (list, tuple, set, dict)):
        return Fraction(len(value))
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return Fraction(1)


# -- the engine ----------------------------------------------------------------------
class _SiteScorer:
    def __init__(self, session: Session, system: IndicatorSystem, run_id: int | None,
                 site: Site, run_site: RunSite | None, as_of: date,
                 manual: dict[str, ManualResult]):
        self.site = site
        self.complete = bool(run_site and run_site.complete)
        self.manual = manual
        self.avail = availability(session, system, site.id, as_of)
        self.findings: list[Finding] = [] if run_id is None else list(session.scalars(
            select(Finding).where(Finding.run_id == run_id, Finding.site_id == site.id)
            .order_by(Finding.id)))
        self.states = {} if run_id is None else _rule_states(session, run_id, site.id)

    def data_gap(self, ind: Indicator) -> str | None:
        gaps = set()
        if ind.uses_probes and not self.avail.sufficient:
            gaps.add("few_probes")
        for rule in ind.scoring_rules:
            state = self.states.get(rule)
            if state is None:
                gaps.add("not_checked")
            elif state == "skipped":
                gaps.add("incomplete")
            elif state == "error":
                gaps.add("check_error")
            elif not self.complete and RULES[rule].needs_complete:
                gaps.add("incomplete")  # ran, but found only what a partial crawl holds
        return next((g for g in DATA_GAPS if g in gaps), None)

    def result(self, ind: Indicator) -> IndicatorResult:
        r = IndicatorResult(id=ind.id, name=ind.name, kind=ind.kind, category=ind.category,
                            check=ind.check, cap=ind.cap, note=ind.note)
        r.evidence = [f.id for f in self.findings if f.rule in ind.evidence]
        return r

    def applicable(self, ind: Indicator, r: IndicatorResult) -> bool:
        if ind.services and not self.site.has_services:
            r.status, r.note = "not_applicable", "无办事服务功能，不检查"
            return False
        return True

    def apply_manual(self, ind: Indicator, r: IndicatorResult) -> bool:
        m = self.manual.get(ind.id)
        if m is None:
            r.needs_person = ind.check != "A"
            return False
        r.status, r.manual = "manual_result", m.as_dict()
        if ind.kind == "veto":
            r.hit = bool(m.veto)
        else:
            r.lost = min(m.points, ind.cap)
        return True

    def veto(self, ind: Indicator) -> IndicatorResult:
        r = self.result(ind)
        if not self.applicable(ind, r):
            return r
        hits = [f.id for f in self.findings if f.rule in ind.rules]
        if ind.probes:
            # The window decides (≥ share over enough probes); a crawl that failed once
            # is evidence, not a veto.
            r.evidence = sorted(set(r.evidence) | set(hits))
            r.hit = self.avail.veto
            if r.hit:
                r.items.append({"probes": self.avail.probes, "failures": self.avail.failures,
                                "share": round(float(self.avail.share), 4)})
        else:
            r.findings, r.hit = hits, bool(hits)
        if self.apply_manual(ind, r):
            return r
        if r.hit:
            r.status = "vetoed"
        elif gap := self.data_gap(ind):
            r.status = gap
        elif ind.check != "A" or not (ind.rules or ind.probes):
            r.status = "manual_check"
        return r

    def deduction(self, ind: Indicator, claimed: set[int]) -> IndicatorResult:
        r = self.result(ind)
        if not self.applicable(ind, r):
            return r
        raw = Fraction(0)
        for item in ind.items:
            if item.probes:
                if not self.avail.sufficient or not self.avail.failures:
                    continue
                lost = self.avail.share * 100 * item.points
                r.items.append({"probes": self.avail.probes, "failures": self.avail.failures,
                                "share": round(float(self.avail.share), 4),
                                "label": item.label, "lost": _num(lost)})
                raw += lost
                continue
            found = [f for f in self.findings if f.rule == item.rule and f.id not in claimed
                     and item.matches(f.detail or {})]
            if not found:
                continue
            claimed.update(f.id for f in found)
            if item.per == "once":
                lost = item.points
            elif item.per == "finding":
                lost = item.points * len(found)
            else:
                key = item.per.removeprefix("detail.")
                lost = item.points * sum((_amount((f.detail or {}).get(key)) for f in found),
                                         Fraction(0))
            r.items.append({"rule": item.rule, "label": item.label, "count": len(found),
                            "lost": _num(lost), "findings": [f.id for f in found]})
            r.findings += [f.id for f in found]
            raw += lost
        r.raw, r.lost = raw, min(raw, ind.cap)
        if self.apply_manual(ind, r):
            return r
        gap = None if (r.lost >= ind.cap and ind.cap) else self.data_gap(ind)
        if gap:
            r.status = gap
        elif r.lost:
            r.status = "deducted"
        elif ind.check != "A" or not ind.items:
            r.status = "manual_check"
        return r

    def bonus(self, ind: Indicator, eligible: bool, why: str) -> IndicatorResult:
        r = self.result(ind)
        if not eligible:
            r.status, r.note = "not_scored", why
            return r
        if not self.apply_manual(ind, r):
            r.status = "manual_check"  # no rule can award bonus points on its own
            r.needs_person = True
        return r


def score_site(session: Session, system: IndicatorSystem, run_id: int | None, site_id: int,
               *, as_of: date | None = None, period: str | None = None,
               manual: dict[str, ManualResult] | None = None) -> ScoreResult:
    """Score one site on the findings of ``run_id`` and the probes of the window ending
    with ``as_of`` (default: the run's start date). Nothing is stored."""
    site = session.get(Site, site_id)
    run = session.get(Run, run_id) if run_id is not None else None
    run_site = None
    if run is not None:
        run_site = session.scalars(select(RunSite).where(RunSite.run_id == run.id,
                                                         RunSite.site_id == site_id)).first()
    as_of = as_of or (run.started_at.date() if run else date.today())
    scorer = _SiteScorer(session, system, run_id, site, run_site, as_of, manual or {})
    results: list[IndicatorResult] = [scorer.veto(v) for v in system.vetoes]
    claimed: set[int] = set()
    results += [scorer.deduction(d, claimed) for d in system.deductions]
    res = ScoreResult(site_id=site.id, site_code=site.code, site_name=site.name,
                      site_kind=site.kind, has_services=site.has_services, system=system,
                      run_id=run_id, period=period or (f"run:{run_id}" if run_id else "—"),
                      as_of=as_of, crawl_complete=scorer.complete,
                      availability=scorer.avail, indicators=results,
                      unreachable=bool(run_site and run_site.status == "unreachable"),
                      crawl_error=run_site.note if run_site else None)
    if res.vetoes or res.unreachable:
        why = "单项否决，不计分" if res.vetoes else "首页无法访问，未能检查，不计分"
        res.verdict = FAIL if res.vetoes else OPEN
        for r in results:
            if r.kind == "deduct" and r.status != "not_applicable":
                if res.vetoes:
                    r.status, r.needs_person, r.note = "not_scored", False, why
                r.lost, r.raw, r.items, r.findings = Fraction(0), Fraction(0), [], []
        res.indicators += [scorer.bonus(b, False, why) for b in system.bonus]
        if not res.vetoes:
            res.pending_reasons = _unreachable_reasons(res, system)
        return res

    _scores(res, scorer, system, site, results)
    return res


def _scores(res: ScoreResult, scorer: _SiteScorer, system: IndicatorSystem, site: Site,
            results: list[IndicatorResult]) -> None:
    """Deduction score, bonus, final score and verdict of a reachable site without a veto
    (the lowest score the unknowns allow decides between 合格 and 待定)."""
    deductions = [r for r in results if r.kind == "deduct" and r.status != "not_applicable"]
    cats = {c.name: c for c in system.categories.values()
            if not (c.services and not site.has_services)}
    res.base = sum((c.points for c in cats.values()), Fraction(0))
    lost = worst = Fraction(0)
    for name, cat in cats.items():
        in_cat = [r for r in deductions if r.category == name]
        cat_lost = sum((r.lost for r in in_cat), Fraction(0))
        gap = sum((r.cap - r.lost for r in in_cat if r.status in DATA_GAPS), Fraction(0))
        lost += min(cat_lost, cat.points)
        worst += min(cat_lost + gap, cat.points)
    scale = system.total / res.base if res.base else Fraction(1)
    res.deduction_score = (res.base - lost) * scale if res.base else system.total
    floor = (res.base - worst) * scale if res.base else system.total

    eligible = site.kind in system.bonus_kinds and res.deduction_score > system.bonus_above
    why = (f"{site.kind} 类网站不加分" if site.kind not in system.bonus_kinds
           else f"扣分后得分未超过 {_num(system.bonus_above):g} 分")
    bonus = [scorer.bonus(b, eligible, why) for b in system.bonus]
    res.indicators += bonus
    res.bonus_score = min(sum((b.lost for b in bonus), Fraction(0)), system.bonus_total)
    res.score = res.deduction_score + res.bonus_score
    # the lowest final score the unknowns allow (bonus only counts above its mark)
    res.score_floor = floor + (res.bonus_score if floor > system.bonus_above else 0)

    veto_gaps = [r for r in results if r.kind == "veto" and r.status in DATA_GAPS]
    if res.deduction_score < system.pass_mark:
        res.verdict = FAIL
    elif veto_gaps or floor < system.pass_mark:
        res.verdict = OPEN
        if veto_gaps:
            res.pending_reasons.append(
                "单项否决指标" + "、".join(f"{r.id} {r.name}（{r.label}）" for r in veto_gaps)
                + "暂无法判定")
        if floor < system.pass_mark:
            res.pending_reasons.append(
                f"数据不完整的指标若全部扣分，得分最低为 {_num(floor):g} 分，"
                f"低于合格线 {_num(system.pass_mark):g} 分")
    else:
        res.verdict = PASS


CRAWL_ERRORS = {"refused": "连接被拒绝", "timeout": "连接超时", "dns": "域名无法解析",
                "tls": "证书错误", "reset": "连接被重置", "http": "服务器返回错误状态",
                "redirect_loop": "循环跳转", "private": "地址不允许访问"}


def crawl_error_text(note: str | None) -> str:
    """``首页无法访问 (refused)`` → 连接被拒绝: the crawler's note in plain Chinese."""
    text = (note or "").strip()
    for key, label in CRAWL_ERRORS.items():
        if f"({key})" in text or text == key:
            return label
    return text.removeprefix("首页无法访问").strip(" ()（）:：") if text else ""


def _unreachable_reasons(res: ScoreResult, system: IndicatorSystem) -> list[str]:
    """Why a site the crawl could not reach is 待定 rather than scored or failed."""
    cause = crawl_error_text(res.crawl_error)
    out = [f"本次抓取时首页无法访问{f'（{cause}）' if cause else ''}，网站内容未能检查，不计分"]
    a = res.availability
    days = system.threshold("probe.window_days")
    share = f"{float(a.veto_share) * 100:g}%"
    if a.probes == 0:
        out.append(f"监测期（{days} 天）内没有首页可用性探测记录，无法判定是否达到“站点无法访问”"
                   f"单项否决标准（每天至少 {system.threshold('probe.min_per_day')} 次探测、"
                   f"失败比例不低于 {share}）")
    elif not a.sufficient:
        out.append(f"监测期内首页探测 {a.probes} 次（失败 {a.failures} 次），少于判定所需的 "
                   f"{a.required} 次，暂无法判定是否达到“站点无法访问”单项否决标准")
    else:
        out.append(f"监测期内首页探测 {a.probes} 次，失败 {a.failures} 次"
                   f"（{float(a.share) * 100:.1f}%），未达到单项否决标准 {share}；"
                   "须待下次抓取成功后评分")
    return out
