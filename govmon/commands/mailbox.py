"""``govmon mailbox``: reply statistics of the consultation boards (computed by ``govmon check``)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from govmon.console import console  # noqa: E402

STATUS_NAMES = {"answered": "已答复", "pending": "未答复", "unknown": "未知"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mailbox", help="政务咨询留言统计: 答复率、答复用时 (工作日)、最久未答复留言")
    p.add_argument("--run", type=int, help="抓取任务 (默认: 最近一次)")
    p.add_argument("--site", metavar="CODE", help="只看该网站，并列出其留言")
    p.set_defaults(func=cmd_mailbox)


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else str(int(value))


def stats_table(rows: list[dict[str, Any]], run_id: int) -> Table:
    """The statistics of ``derive.read.site_stats`` as a terminal table."""
    as_of = rows[0]["as_of"] if rows else None
    t = Table(title=f"政务咨询留言统计 (任务 {run_id}" + (f"，截至 {as_of}" if as_of else "") + ")")
    for col, right in (("网站标识码", False), ("网站名称", False), ("咨询栏目", True),
                       ("留言数", True), ("近一年", True), ("已答复", True), ("未答复", True),
                       ("答复率", True), ("用时中位数(工作日)", True), ("90%分位(工作日)", True),
                       ("最久未答复", False), ("调查征集(近一年)", True), ("说明", False)):
        t.add_column(col, justify="right" if right else "left")
    for r in rows:
        rate = f"{r['reply_rate']:.0%}" if r["reply_rate"] is not None else "-"
        oldest = str(r["oldest_unanswered"]) if r["oldest_unanswered"] else "-"
        notes = "；".join(r["notes"] + (["节假日按周末推算"] if r["calendar_fallback"]
                                          and not r["notes"] else []))
        style = "red" if r["unanswered"] else None
        t.add_row(r["site"], r["name"], str(r["boards"]), str(r["messages"]), str(r["in_window"]),
                  str(r["answered"]), str(r["unanswered"]), rate,
                  _fmt(r["median_working_days"]), _fmt(r["p90_working_days"]), oldest,
                  "-" if r["surveys"] is None else str(r["surveys"]), notes, style=style)
    return t


def messages_table(messages: list[Any], title: str) -> Table:
    t = Table(title=title)
    for col in ("标题", "提交", "答复", "状态", "工作日", "答复单位", "网址"):
        t.add_column(col)
    for m in messages:
        t.add_row(m.title[:30], str(m.submitted or "-"), str(m.replied or "-"),
                  m.raw_status or STATUS_NAMES.get(m.status, m.status),
                  "-" if m.working_days is None else str(m.working_days),
                  m.reply_unit or "-", m.url or m.board_url,
                  style="red" if m.status == "pending" else None)
    return t


def cmd_mailbox(ctx: Any) -> int:
    from checks.findings import latest_run
    from derive.read import site_messages, site_stats
    from govmon.context import CliError
    from store.models import Run

    with ctx.store()() as s:
        run = s.get(Run, ctx.args.run) if ctx.args.run else latest_run(s)
        if run is None:
            raise CliError("没有抓取任务: 先运行 govmon crawl 和 govmon check")
        rows = site_stats(s, run.id, ctx.args.site)
        if not rows:
            what = f"网站 {ctx.args.site} 在" if ctx.args.site else ""
            raise CliError(f"{what}任务 {run.id} 没有留言统计: 先运行 govmon check")
        console.print(stats_table(rows, run.id))
        if ctx.args.site:
            msgs = site_messages(s, run.id, ctx.args.site)
            console.print(messages_table(msgs, f"{rows[0]['name']} 的留言 ({len(msgs)} 条)"))
    return 0
