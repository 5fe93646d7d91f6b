"""Terminal tables (rich): registry, crawl summaries, probes, recent runs."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from settings.registry import Registry
from store.models import Run, RunSite, Site

KIND_NAMES = {"portal": "门户网站", "subsite": "子站", "department": "部门网站"}
SITE_STATUS = {"complete": "完成", "incomplete": "不完整", "unreachable": "无法访问",
               "skipped": "未抓取", "pending": "等待", "crawling": "抓取中"}
RUN_STATUS = {"complete": "完成", "partial": "部分完成", "interrupted": "已中断",
              "running": "运行中", "failed": "失败"}


def sites_table(registry: Registry) -> Table:
    t = Table(title=f"网站注册表 ({len(registry.sites)} 个网站)")
    for col in ("网站标识码", "网站名称", "类型", "上级", "状态", "首页网址"):
        t.add_column(col)
    for s in registry.sites:
        t.add_row(s.code, s.name, KIND_NAMES.get(s.kind, s.kind), s.parent or "", s.status, s.url)
    return t


def summary_table(result: Any) -> Table:
    t = Table(title=f"抓取任务 {result.run_id}: {RUN_STATUS.get(result.status, result.status)}")
    for col in ("网站标识码", "网站名称", "状态", "页面", "错误", "已校验链接", "失效链接", "说明"):
        t.add_column(col, justify="right" if col in ("页面", "错误", "已校验链接", "失效链接")
                     else "left")
    for row in result.sites:
        style = "red" if row["status"] == "unreachable" else (
            "yellow" if row["status"] != "complete" else None)
        t.add_row(row["code"], row["name"], SITE_STATUS.get(row["status"], row["status"]),
                  str(row["pages"]), str(row["errors"]), str(row["links_verified"]),
                  str(row.get("broken", 0)), row["note"] or "", style=style)
    return t


def probe_table(registry: Registry, results: list[Any]) -> Table:
    t = Table(title="首页可用性探测")
    for col in ("网站标识码", "网站名称", "结果", "HTTP", "耗时(ms)", "错误"):
        t.add_column(col)
    for r in results:
        site = registry.by_code(r.code)
        t.add_row(r.code, site.name if site else "", "[green]正常[/]" if r.ok else "[red]失败[/]",
                  str(r.status or ""), str(r.elapsed_ms), r.error or "")
    return t


def runs_table(session: Session, limit: int = 10) -> Table:
    t = Table(title="最近的抓取任务")
    for col in ("任务", "开始", "结束", "状态", "网站", "完整", "页面", "说明"):
        t.add_column(col)
    runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)).all()
    for run in runs:
        rows = session.scalars(select(RunSite).where(RunSite.run_id == run.id,
                                                     RunSite.status != "skipped")).all()
        complete = sum(1 for r in rows if r.complete)
        incomplete = [session.get(Site, r.site_id).code for r in rows if not r.complete]
        t.add_row(str(run.id), f"{run.started_at:%Y-%m-%d %H:%M}",
                  f"{run.finished_at:%H:%M}" if run.finished_at else "",
                  RUN_STATUS.get(run.status, run.status), str(len(rows)),
                  f"{complete}/{len(rows)}", str(sum(r.pages for r in rows)),
                  (run.note or "") + (f" 不完整: {', '.join(incomplete)}" if incomplete else ""))
    if not runs:
        t.caption = "还没有抓取任务: 运行 govmon crawl"
    return t


def workers_table(workers: list[dict[str, Any]], queued: int) -> Table:
    """The `govmon worker`s alive on the cluster's Redis, as each last described itself
    (crawler/cluster.py)."""
    t = Table(title=f"在线 worker ({len(workers)} 个；队列中 {queued} 个任务)")
    for col in ("worker", "主机", "进程", "启动", "当前任务", "已完成", "心跳"):
        t.add_column(col, justify="right" if col in ("进程", "已完成") else "left")
    for w in workers:
        t.add_row(w["id"], w["host"], str(w["pid"]), w["started"].replace("T", " "),
                  w["job"] or "空闲", str(w["jobs_done"]), w["beat"].split("T")[-1])
    if not workers:
        t.caption = "没有在线的 worker: 在各机器上运行 govmon worker --redis URL --db URL"
    return t


def check_summary_table(session: Session, summary: Any) -> Table:
    """Findings per site and rule after ``govmon check``."""
    from collections import Counter

    from store.models import Finding

    t = Table(title=f"检查结果 (抓取任务 {summary.run_id}): {summary.findings} 个问题 — "
                    f"新增 {summary.new}，持续 {summary.persisting}，复现 {summary.regressed}，"
                    f"已整改 {summary.fixed}")
    for col in ("网站标识码", "网站名称", "预警", "否决项", "扣分项", "提示", "主要问题"):
        t.add_column(col)
    rows = session.execute(select(Site.code, Site.name, Finding.rule, Finding.severity)
                           .join(Finding, Finding.site_id == Site.id)
                           .where(Finding.run_id == summary.run_id)).all()
    per_site: dict[tuple[str, str], Counter] = {}
    sev: dict[tuple[str, str], Counter] = {}
    for code, name, rule, severity in rows:
        per_site.setdefault((code, name), Counter())[rule] += 1
        sev.setdefault((code, name), Counter())[severity] += 1
    for (code, name), rules in sorted(per_site.items()):
        s = sev[(code, name)]
        top = "，".join(f"{r}×{n}" for r, n in rules.most_common(3))
        t.add_row(code, name, str(s["warn"]), str(s["veto"]), str(s["deduct"]), str(s["info"]),
                  top, style="red" if s["veto"] else None)
    if summary.skipped:
        t.caption = (f"{len(summary.skipped)} 项检查因抓取不完整、首页无法访问或缺少所需数据而跳过 "
                     "(结果未知)")
    return t


def verdicts_table(session: Session, system: str | None = None) -> Table | None:
    """Each site's latest verdict (the scorecard of its newest scored run) with the change
    against the card before it, open problems and flags; None when nothing is scored."""
    from rich.markup import escape

    from indicators.system import DEFAULT_SYSTEM
    from reports.common import fmt_delta, fmt_num, is_problem, site_findings
    from reports.verdicts import vetoes_text
    from store.models import Scorecard

    system = system or DEFAULT_SYSTEM

    rows = session.execute(select(Scorecard, Run).join(Run, Run.id == Scorecard.run_id)
                           .where(Scorecard.system == system,
                                  Scorecard.period.like("run:%"))).all()
    if not rows:
        return None
    per_site: dict[int, list[tuple[Any, Run]]] = {}
    for card, run in sorted(rows, key=lambda cr: (cr[1].started_at, cr[1].id)):
        per_site.setdefault(card.site_id, []).append((card, run))
    t = Table(title=f"各网站最新结论 ({system})")
    for col in ("网站标识码", "网站名称", "检查日期", "结论", "得分", "较上次", "单项否决",
                "待整改问题", "状态"):
        t.add_column(col, justify="right" if col in ("得分", "待整改问题") else "left")
    styles = {"合格": "green", "不合格": "bold red", "待定": "yellow"}
    for site in session.scalars(select(Site).where(Site.id.in_(list(per_site)))
                                .order_by(Site.code)):
        history = per_site[site.id]
        card, run = history[-1]
        prev = history[-2][0] if len(history) > 1 else None
        if prev is None:
            change = "首次"
        elif card.score is not None and prev.score is not None:
            change = fmt_delta(round(card.score - prev.score, 2))
        else:
            change = "—" if prev.verdict == card.verdict else f"{prev.verdict}→{card.verdict}"
        rs = session.scalars(select(RunSite).where(RunSite.run_id == run.id,
                                                   RunSite.site_id == site.id)).first()
        flags = []
        if rs is not None and rs.status == "unreachable":
            flags.append("[red]无法访问[/]")
        elif rs is not None and not rs.complete:
            flags.append("[yellow]抓取不完整[/]")
        if (run.options or {}).get("sample_history"):
            flags.append("[magenta]样例数据[/]")
        problems = sum(1 for f in site_findings(session, run.id, site.id) if is_problem(f))
        style = styles.get(card.verdict, "")
        t.add_row(site.code, escape(site.name), f"{run.started_at:%Y-%m-%d}",
                  f"[{style}]{card.verdict}[/]" if style else card.verdict,
                  fmt_num(card.score), change, escape(vetoes_text(card)) or "—",
                  str(problems), " ".join(flags))
    return t
