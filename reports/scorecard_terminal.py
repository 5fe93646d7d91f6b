"""Terminal tables (rich) of stored scorecards: one row per site, and one site explained
indicator by indicator. They only read ``Scorecard`` rows; they never recompute a score."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from reports.terminal import KIND_NAMES
from store.models import Scorecard, Site

VERDICT_STYLE = {"合格": "green", "不合格": "bold red", "待定": "yellow"}
STATUS_STYLE = {"vetoed": "bold red", "deducted": "red", "passed": "green",
                "manual_result": "cyan", "not_applicable": "dim", "not_scored": "dim"}


def _pts(x: Any) -> str:
    if x is None:
        return "—"
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def _indicators(card: Scorecard) -> list[dict[str, Any]]:
    return list((card.detail or {}).get("indicators") or [])


def main_deductions(card: Scorecard, n: int = 3) -> str:
    inds = [i for i in _indicators(card) if i["kind"] == "deduct" and i.get("lost")
            and i["status"] != "not_scored"]
    inds.sort(key=lambda i: -i["lost"])
    text = "；".join(f"{i['id']} {i['name']} −{_pts(i['lost'])}" for i in inds[:n])
    if len(inds) > n:
        text += f" 等 {len(inds)} 项"
    return text


def vetoes_text(card: Scorecard) -> str:
    names = {i["id"]: i["name"] for i in _indicators(card)}
    return "；".join(f"{v} {names.get(v, '')}".strip() for v in card.vetoes or [])


def pending_text(card: Scorecard) -> str:
    d = card.detail or {}
    parts = []
    if d.get("data_gaps"):
        parts.append(f"缺数据 {len(d['data_gaps'])}")
    if d.get("needs_person"):
        parts.append(f"人工 {len(d['needs_person'])}")
    return "，".join(parts)


def score_text(card: Scorecard) -> str:
    if card.score is None:
        return "—"
    floor = (card.detail or {}).get("score_floor")
    text = _pts(card.score)
    if card.verdict == "待定" and floor is not None and floor != card.score:
        text += f" (最低 {_pts(floor)})"
    return text


def scorecard_table(rows: list[tuple[Scorecard, Site]], title: str) -> Table:
    """网站 | 类型 | 结论 | 得分 | 单项否决 | 主要扣分 | 待核查."""
    t = Table(title=title)
    for col in ("网站", "类型", "结论", "得分", "单项否决", "主要扣分", "待核查"):
        t.add_column(col, justify="right" if col == "得分" else "left")
    for card, site in rows:
        style = VERDICT_STYLE.get(card.verdict, "")
        t.add_row(escape(f"{site.name} ({site.code})"), KIND_NAMES.get(site.kind, site.kind),
                  f"[{style}]{card.verdict}[/]" if style else card.verdict, score_text(card),
                  vetoes_text(card), main_deductions(card), pending_text(card))
    from reports.verdicts import PassRate

    figures = PassRate.of([card.verdict for card, _ in rows])
    t.caption = (f"{figures.checked} 个网站：{figures.sentence()}。"
                 "待核查: 缺数据 = 抓取不完整/探测不足/规则未运行，人工 = 需人工核查的指标 "
                 "(--manual 补充)")
    return t


def _basis(ind: dict[str, Any]) -> str:
    parts = []
    for item in ind.get("items") or []:
        if "probes" in item:
            parts.append(f"探测 {item['probes']} 次，失败 {item['failures']} 次 "
                         f"({item['share']:.1%})")
        else:
            ids = ", ".join(f"#{i}" for i in item.get("findings", [])[:5])
            more = " …" if len(item.get("findings", [])) > 5 else ""
            parts.append(f"{item['rule']} ×{item['count']} −{_pts(item['lost'])} ({ids}{more})")
    if ind.get("kind") == "veto" and ind.get("findings"):
        parts.append("问题 " + ", ".join(f"#{i}" for i in ind["findings"][:5]))
    if ind.get("evidence"):
        parts.append("线索 " + ", ".join(f"#{i}" for i in ind["evidence"][:5]))
    if ind.get("manual"):
        m = ind["manual"]
        parts.append(f"人工: {m.get('note') or ''} ({m.get('where')})")
    return escape("；".join(parts))


def indicator_table(card: Scorecard, site: Site) -> Table:
    """Every indicator of one scorecard: status, points, and the findings behind them."""
    d = card.detail or {}
    t = Table(title=escape(f"{site.name} ({site.code}) — {d.get('system_name', card.system)} ")
                    + f"— {card.period}：{card.verdict} {score_text(card)}")
    for col in ("指标", "名称", "类别", "方式", "状态", "扣分/上限", "依据", "说明"):
        t.add_column(col)
    for ind in _indicators(card):
        open_ = not ind["lost"] and ind["status"] not in ("passed", "manual_result")
        amount = "?" if open_ else _pts(ind["lost"])
        if ind["kind"] == "veto":
            pts = "否决" if ind["hit"] else ""
        elif ind["status"] in ("not_applicable", "not_scored"):
            pts = ""
        elif ind["kind"] == "bonus":
            pts = f"+{amount}/{_pts(ind['cap'])}"
        else:
            pts = f"−{amount}/{_pts(ind['cap'])}"
        label = ind["label"] + ("，待人工确认" if ind.get("needs_person")
                                and ind["status"] in ("deducted", "vetoed") else "")
        style = STATUS_STYLE.get(ind["status"], "yellow")
        t.add_row(ind["id"], ind["name"], ind.get("category") or
                  {"veto": "单项否决", "bonus": "加分"}.get(ind["kind"], ""), ind["check"],
                  f"[{style}]{label}[/]", pts, _basis(ind), ind.get("note") or "")
    avail = d.get("availability") or {}
    scale = f"；无办事服务功能，按 {_pts(d.get('base'))} 分折算 (× {d['scale']})" \
        if d.get("scale") else ""
    t.caption = (f"扣分得分 {_pts(d.get('deduction_score'))}，加分 {_pts(d.get('bonus_score'))}"
                 f"{scale}；可用性探测 {avail.get('probes', 0)} 次 (需 "
                 f"{avail.get('required', 0)})，失败 {avail.get('failures', 0)} 次")
    return t
