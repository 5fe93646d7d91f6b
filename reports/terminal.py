"""Terminal tables (rich): registry, crawl summaries, probes, recent runs."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmon.registry import Registry
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
