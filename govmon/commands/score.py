"""``govmon score``: scorecards per site under one or more indicator systems.

Without ``--quarter`` it scores the latest checked run (or ``--run N``; ``--as-of DATE``
picks the latest run started by that date and ends the probe window there). With
``--quarter 2026Q4`` it derives the quarter's cards as scoring/README.md describes.
Cards are stored (one per site, period and system) and shown; ``--explain CODE`` shows one
site indicator by indicator.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from rich.console import Console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="按指标体系评分 (合格/不合格)，保存并显示评分表")
    p.add_argument("--system", action="append", metavar="FILE|NAME",
                   help="指标体系文件或内置名称 (national-2019、census-2015；可重复；"
                        "默认 national-2019)")
    p.add_argument("--run", type=int, help="评分的抓取任务 (默认: 最近一次抓取任务)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD",
                   help="评分日期: 取该日及以前最近的任务，可用性探测窗口截止到该日")
    p.add_argument("--quarter", metavar="2026Q4", help="计算季度评分表")
    p.add_argument("--manual", metavar="FILE", help="人工核查结果 (YAML / CSV)")
    p.add_argument("--explain", metavar="CODE", help="逐项列出该网站的评分依据")
    p.set_defaults(func=cmd_score)


def _date(text: str | None) -> date | None:
    from govmon.context import CliError

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of: 日期格式错误 '{text}' (应如 2026-12-31)") from None


def cmd_score(ctx: Any) -> int:
    from sqlalchemy import select

    from govmon.context import CliError
    from indicators.system import DEFAULT_SYSTEM, IndicatorFileError, load_system
    from reports.scorecard_terminal import indicator_table, scorecard_table
    from scoring.manual import ManualFileError, load_manual
    from store.models import Scorecard, Site

    args = ctx.args
    console = Console()  # created per call: honours COLUMNS / the terminal of this run
    try:
        systems = [load_system(name) for name in (args.system or [DEFAULT_SYSTEM])]
        manual = load_manual(args.manual) if args.manual else None
    except (IndicatorFileError, ManualFileError) as exc:
        raise CliError(str(exc)) from None
    as_of = _date(args.as_of)

    with ctx.store().begin() as s:
        codes = set(s.scalars(select(Site.code)))
        if manual:
            try:
                manual.validate(systems, codes)
            except ManualFileError as exc:
                raise CliError(str(exc)) from None
        if args.explain and args.explain not in codes:
            raise CliError(f"--explain: 数据库中没有网站标识码 {args.explain}")
        if args.quarter:
            period, heading = _score_quarter(s, args, systems, manual, as_of)
        else:
            period, heading = _score_run(s, args, systems, manual, as_of)

        for system in systems:
            rows = s.execute(select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
                             .where(Scorecard.period == period, Scorecard.system == system.id)
                             .order_by(Site.code)).all()
            table = scorecard_table(list(rows), f"{heading} — {system.name}")
            if system.unconfirmed:
                table.caption += (f"\n本指标体系有 {len(system.unconfirmed)} 处数值未经证实 "
                                  f"(见 {system.path.name} 的 confirmed: false / unconfirmed)")
            console.print(table)
            if args.explain:
                for card, site in rows:
                    if site.code == args.explain:
                        console.print(indicator_table(card, site))
    return 0


def _score_quarter(s: Any, args: Any, systems: list[Any], manual: Any, as_of: Any
                   ) -> tuple[str, str]:
    """Score the quarter ``--quarter`` names under each system: (period, heading)."""
    from govmon.context import CliError
    from scoring import engine

    try:
        period = engine.normalize_quarter(args.quarter)
        day = engine.quarter_as_of(period, as_of)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for system in systems:
        results = engine.score_quarter(s, system, period, as_of=day, manual=manual)
    if not results:
        raise CliError(f"季度 {period} 内 (截至 {day}) 没有抓取任务")
    return period, f"{period} 季度评分 (截至 {day})"


def _score_run(s: Any, args: Any, systems: list[Any], manual: Any, as_of: Any
               ) -> tuple[str, str]:
    """Score ``--run`` (default: the latest checked run) under each system."""
    from govmon.context import CliError
    from scoring import engine
    from store.models import Run

    run = s.get(Run, args.run) if args.run else engine.latest_run(s, as_of)
    if run is None:
        raise CliError("没有可评分的抓取任务" + (f" (任务 {args.run} 不存在)" if args.run
                                          else ": 先运行 govmon crawl 和 govmon check"))
    if run.status not in engine.SCORED_RUN_STATUSES:
        raise CliError(f"任务 {run.id} 状态为 {run.status}，不能评分")
    if not engine.was_checked(s, run.id):
        raise CliError(f"任务 {run.id} 尚未运行检查规则: 先运行 govmon check --run {run.id}")
    for system in systems:
        engine.score_run(s, system, run.id, as_of=as_of, manual=manual)
    return f"run:{run.id}", f"抓取任务 {run.id} 评分 (评分日期 {as_of or run.started_at.date()})"
