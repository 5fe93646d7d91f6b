"""``govmon report``: rectification notices, the quarterly scorecard comparison and a
static dashboard, written from stored scorecards and findings (a report never scores)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from govmon.context import warn_line
from reports.formats import NOTICE_FORMATS as FORMATS
from reports.formats import SCORECARD_FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="生成报告: 整改通知、季度评分对比、监测看板")
    rs = p.add_subparsers(dest="report_cmd", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--system", metavar="FILE|NAME",
                       help="指标体系文件或内置名称 (默认 national-2019)")
        q.add_argument("--output", "-o", metavar="DIR", help="输出目录 (默认: 工作目录下 reports/)")

    n = rs.add_parser("notices", help="每个网站一份整改通知 (HTML / DOCX / XLSX 问题清单)")
    n.add_argument("--site", action="append", metavar="CODE", help="只生成该网站的通知 (可重复)")
    n.add_argument("--period", metavar="run:12|2026Q4",
                   help="依据的评分周期 (默认: 最近一次评分的抓取任务)")
    n.add_argument("--format", default=",".join(FORMATS), metavar="html,docx,xlsx,pdf",
                   help="输出格式，逗号分隔 (默认全部；pdf 需要 Chromium)")
    n.add_argument("--no-screenshots", action="store_true",
                   help="不附问题截图 (截图由 Chromium 从已保存的页面快照生成)")
    n.add_argument("--deadline-days", type=int, metavar="N",
                   help="整改期限: 通知日期后 N 个工作日 (默认 govmon.yaml 的 "
                        "rectify_working_days，15)")
    n.add_argument("--date", metavar="YYYY-MM-DD", help="通知日期 (默认今天)")
    n.add_argument("--sender", help="发文单位 (默认: 门户网站所属政府办公室)")
    common(n)
    n.set_defaults(func=cmd_notices)

    s = rs.add_parser("scorecard", help="季度评分对比: 排名、合格率、主要问题、图表 (HTML + XLSX)")
    s.add_argument("--quarter", required=True, metavar="2026Q4", help="季度")
    s.add_argument("--compare", metavar="2026Q3", help="对比的季度 (默认: 上一季度，如有评分)")
    s.add_argument("--sender", default="", help="检查单位 (写入总体情况)")
    s.add_argument("--format", default=",".join(SCORECARD_FORMATS), metavar="html,xlsx,pdf",
                   help="输出格式，逗号分隔 (默认全部；pdf 需要 Chromium)")
    common(s)
    s.set_defaults(func=cmd_scorecard)

    d = rs.add_parser("dashboard", help="静态监测看板 (可直接用浏览器从磁盘打开)")
    common(d)
    d.set_defaults(func=cmd_dashboard)


def _system(ctx: Any) -> Any:
    from govmon.context import CliError
    from indicators.system import DEFAULT_SYSTEM, IndicatorFileError, load_system

    try:
        return load_system(ctx.args.system or DEFAULT_SYSTEM)
    except IndicatorFileError as exc:
        raise CliError(str(exc)) from None


def _output(ctx: Any, *parts: str) -> Path:
    base = Path(ctx.args.output) if ctx.args.output else ctx.workspace / "reports"
    path = base.joinpath(*parts)
    if path.exists() and not path.is_dir():
        from govmon.context import CliError

        raise CliError(f"--output: {path} 已存在且不是目录")
    return path


def _print_paths(console: Console, title: str, paths: list[Path]) -> None:
    console.print(f"[bold]{escape(title)}[/] ({len(paths)} 个文件)", soft_wrap=True)
    for p in paths:
        console.print(f"  {escape(str(p))}", highlight=False, soft_wrap=True)


def _formats(text: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    from govmon.context import CliError

    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise CliError(f"--format: 未知格式 {', '.join(bad) or '(空)'} (可选 {','.join(allowed)})")
    return formats


def cmd_notices(ctx: Any) -> int:
    from govmon.context import CliError
    from reports.browser import optional_browser
    from reports.notices import ReportError, generate_notices

    args = ctx.args
    formats = _formats(args.format, FORMATS)
    days = args.deadline_days if args.deadline_days is not None else \
        ctx.settings.rectify_working_days
    if days < 1 or days > 250:
        raise CliError(f"--deadline-days: 应为 1 到 250 个工作日，而不是 {days}")
    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise CliError(f"--date: 日期格式错误 '{args.date}' (应如 2026-12-01)") from None
    system = _system(ctx)
    out = _output(ctx, "notices")
    wanted = "pdf" in formats or not args.no_screenshots
    with ctx.store().begin() as s, optional_browser(warn_line, wanted=wanted) as browser:
        try:
            notices, paths = generate_notices(s, out, system=system, period=args.period,
                                              codes=args.site, formats=formats,
                                              deadline_days=days, notice_date=day,
                                              sender=args.sender, browser=browser,
                                              shots=not args.no_screenshots)
        except ReportError as exc:
            raise CliError(str(exc)) from None
    console = Console()
    problems = sum(len(n.problems) for n in notices)
    _print_paths(console, f"整改通知: {len(notices)} 个网站，{problems} 个问题，"
                          f"整改期限 {notices[0].deadline.isoformat()}", paths)
    return 0


def cmd_scorecard(ctx: Any) -> int:
    from govmon.context import CliError
    from reports.browser import optional_browser
    from reports.notices import ReportError
    from reports.scorecard import generate_scorecard

    formats = _formats(ctx.args.format, SCORECARD_FORMATS)
    system = _system(ctx)
    out = _output(ctx)
    with ctx.store()() as s, optional_browser(warn_line, wanted="pdf" in formats) as browser:
        try:
            report, paths = generate_scorecard(s, out, ctx.args.quarter, system=system,
                                               compare=ctx.args.compare,
                                               sender=ctx.args.sender, formats=formats,
                                               browser=browser)
        except ReportError as exc:
            raise CliError(str(exc)) from None
    t = report.total
    head = f"{report.quarter} 季度评分对比"
    if report.compare:
        head += f" (对比 {report.compare})"
    head += f": {t.checked} 个网站，合格 {t.passed}，不合格 {t.failed}，待定 {t.open}"
    _print_paths(Console(), head, paths)
    return 0


def cmd_dashboard(ctx: Any) -> int:
    from reports.dashboard import generate_dashboard

    system = _system(ctx)
    out = _output(ctx, "dashboard")
    with ctx.store()() as s:
        board, paths = generate_dashboard(s, out, system=system)
    if not board.scored:
        Console(stderr=True).print("[yellow]提示[/]: 还没有评分，看板只列出网站 "
                                   "(先运行 govmon crawl、check、score)")
    _print_paths(Console(), f"监测看板: {len(board.sites)} 个网站 (用浏览器打开 index.html，"
                            f"共 {len(paths)} 个页面)", paths[:1])
    return 0
