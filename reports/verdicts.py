"""A scorecard's findings grouped by the indicators of its system, the verdict in words, and
the cluster's pass rate (合格率) as the supervisors' 通报 compute it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indicators.rules_catalogue import RULES
from reports.common import fmt_num, fmt_rate, system_for
from store.models import Finding, Scorecard


# -- problems grouped by indicator -----------------------------------------------------
@dataclass
class Group:
    """The findings of one indicator of a scorecard."""

    id: str | None
    name: str
    kind: str  # veto | deduct | bonus | other
    status: str = ""
    label: str = ""  # the card's status label (扣分, 否决, 未计分 …)
    lost: float | None = None
    cap: float | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def heading(self) -> str:
        head = f"{self.id} {self.name}" if self.id else self.name
        if self.kind == "veto":
            tail = "单项否决，已触发" if self.status == "vetoed" else "单项否决指标，未触发"
        elif self.kind == "deduct":
            if self.status == "not_scored":
                tail = "扣分指标，因单项否决未计分"
            elif self.lost:
                tail = f"扣 {fmt_num(self.lost)} 分，上限 {fmt_num(self.cap)} 分"
            else:
                tail = f"扣分指标，{self.label or '未扣分'}"
        elif self.kind == "bonus":
            tail = "加分指标参考"
        else:
            tail = "未对应评分指标"
        return f"{head}（{tail}）"


def _rule_index(system: Any) -> dict[str, list[tuple[str, Any]]]:
    """rule → [(indicator id, item or None)] in the order the engine claims findings."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for v in system.vetoes:
        for rule in v.rules:
            out.setdefault(rule, []).append((v.id, None))
    for d in system.deductions:
        for item in d.items:
            if item.rule:
                out.setdefault(item.rule, []).append((d.id, item))
    for ind in system.indicators:
        for rule in ind.evidence:
            out.setdefault(rule, []).append((ind.id, None))
    return out


def group_findings(card: Scorecard | None, findings: list[Finding],
                   systems: dict[str, Any] | None = None) -> list[Group]:
    """Findings grouped under the indicators of the card's system, in the system's order.

    A finding goes to the indicator the card says it cost points for or hit; otherwise
    (a veto stopped the scoring, an info rule) to the indicator the system names for its
    rule; failing that, to the first indicator the rule catalogue says it feeds, or to
    "其他问题"."""
    inds = list((card.detail or {}).get("indicators") or []) if card is not None else []
    by_id = {i["id"]: i for i in inds}
    owner: dict[int, str] = {}
    for ind in inds:
        for fid in ind.get("findings") or []:
            owner.setdefault(fid, ind["id"])
    shown: dict[int, str] = {}
    for ind in inds:
        for fid in ind.get("evidence") or []:
            shown.setdefault(fid, ind["id"])
    system = system_for(card, systems) if card is not None else None
    index = _rule_index(system) if system is not None else {}

    groups: dict[str, Group] = {}
    order = [i["id"] for i in inds]
    for f in findings:
        gid = owner.get(f.id)
        if gid is None:
            for ind_id, item in index.get(f.rule, []):
                if item is None or item.matches(f.detail or {}):
                    gid = ind_id
                    break
        if gid is None:
            gid = shown.get(f.id)
        if gid is None:
            info = RULES.get(f.rule)
            gid = next((x for x in (info.feeds if info else ()) if x in by_id), None)
        key = gid or "_other"
        if key not in groups:
            ind = by_id.get(gid or "")
            if ind is not None:
                groups[key] = Group(id=gid, name=ind["name"], kind=ind["kind"],
                                    status=ind.get("status", ""), label=ind.get("label", ""),
                                    lost=ind.get("lost"), cap=ind.get("cap"))
            elif gid and system is not None and system.indicator(gid) is not None:
                sind = system.indicator(gid)
                groups[key] = Group(id=gid, name=sind.name, kind=sind.kind)
                order.append(gid)
            else:
                groups[key] = Group(id=None, name="其他", kind="other")
        groups[key].findings.append(f)
    rank = {"veto": 0, "deduct": 1, "info": 2}
    for g in groups.values():
        g.findings.sort(key=lambda f: (rank.get(f.severity, 3), f.rule, f.url, f.id))
    ordered = [groups[i] for i in order if i in groups]
    if "_other" in groups:
        ordered.append(groups["_other"])
    return ordered


def indicator_names(card: Scorecard, ids: list[str]) -> list[str]:
    names = {i["id"]: i["name"] for i in (card.detail or {}).get("indicators") or []}
    return [f"{i} {names.get(i, '')}".strip() for i in ids]


def vetoes_text(card: Scorecard) -> str:
    return "、".join(indicator_names(card, list(card.vetoes or [])))


def verdict_reason(card: Scorecard) -> str:
    """Why the card has its verdict, in one Chinese phrase."""
    d = card.detail or {}
    pass_mark = d.get("pass_mark", 60)
    pending = list(d.get("pending_reasons") or [])
    if card.vetoes:
        return f"触发单项否决指标：{vetoes_text(card)}"
    if card.score is None:
        return "；".join(pending) if pending else "未评分"
    text = f"得分 {fmt_num(card.score)} 分"
    if d.get("bonus_score"):
        text += f"（含加分 {fmt_num(d.get('bonus_score'))} 分）"
    if card.verdict == "不合格":
        text += f"，低于合格线 {fmt_num(pass_mark)} 分"
    elif card.verdict == "待定":
        if pending:
            return text + "（暂定）；" + "；".join(pending)
        floor = d.get("score_floor")
        text += "；部分指标数据不完整" + (f"，最低可能得分 {fmt_num(floor)} 分"
                                      if floor is not None and floor != card.score else "")
    return text


@dataclass
class PassRate:
    """合格率 as the supervisors' 通报 compute it, and what it counts a 待定 site as.

    通报口径 (indicators.md §4): (checked − 不合格) ÷ checked — a 待定 site is not 不合格,
    so it counts as not failing. Beside it the rate over final verdicts only,
    合格 ÷ (合格 + 不合格), so that "合格 0" never stands next to a rate above zero unexplained.
    """

    checked: int
    passed: int
    failed: int
    pending: int

    @property
    def rate(self) -> float | None:
        return (self.checked - self.failed) / self.checked if self.checked else None

    @property
    def final(self) -> int:
        return self.passed + self.failed

    @property
    def final_rate(self) -> float | None:
        return self.passed / self.final if self.final else None

    @classmethod
    def of(cls, verdicts: list[str]) -> PassRate:
        return cls(checked=len(verdicts), passed=verdicts.count("合格"),
                   failed=verdicts.count("不合格"), pending=verdicts.count("待定"))

    def counts_text(self) -> str:
        return (f"合格 {self.passed} 个，不合格 {self.failed} 个"
                + (f"，待定 {self.pending} 个" if self.pending else ""))

    def sentence(self) -> str:
        """One line: the counts, the 通报 rate, what it counts 待定 as, the final rate."""
        if not self.checked:
            return "没有已评分的网站，合格率无法计算"
        text = f"{self.counts_text()}；合格率 {fmt_rate(self.rate)}"
        if self.pending:
            text += (f"（{self.pending} 个待定网站按“未不合格”计入）；按已有最终结论的 "
                     f"{self.final} 个网站计算，合格率为 {fmt_rate(self.final_rate)}")
        return text


RATE_DEFINITION = ("合格率按通报口径计算：合格率 =（检查网站数 − 不合格网站数）÷ 检查网站数；"
                   "“待定”指因首页无法访问、抓取不完整或可用性探测次数不足等原因，部分指标暂无法"
                   "判定的网站，不计为不合格，但另列按已有最终结论（合格、不合格）计算的合格率，"
                   "即 合格数 ÷（合格数 + 不合格数）。")
