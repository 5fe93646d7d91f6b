"""``govmon check``: run the rules on the latest crawl (or ``--run N``)."""

from __future__ import annotations

import argparse
from typing import Any

from govmon.console import console
from reports.terminal import check_summary_table


def register(sub: argparse._SubParsersAction) -> None:
    from govmon.context import positive_int

    p = sub.add_parser("check", help="对最近一次抓取运行检查规则，生成问题清单")
    p.add_argument("--run", type=int, help="检查指定的抓取任务 (默认: 最近一次)")
    p.add_argument("--system", help="指标体系文件 (默认: indicators/systems/national-2019.yaml)")
    p.add_argument("--workers", type=positive_int, help="并行解析页面的进程数 (默认: 设置中的 workers)")
    p.set_defaults(func=cmd_check)


def cmd_check(ctx: Any) -> int:
    from checks.findings import latest_run
    from checks.registry import all_rules
    from checks.runner import run_checks
    from govmon.context import CliError
    from indicators.system import IndicatorFileError, load_system
    from store.models import Run

    registry = ctx.registry() if ctx.registry_path.exists() else None
    try:  # the files first: a bad one is named whatever the store holds
        system = load_system(ctx.args.system or "national-2019")
    except IndicatorFileError as exc:
        raise CliError(str(exc)) from None
    rules = all_rules()  # a plugin that cannot be loaded is named before any work
    with ctx.store().begin() as s:
        run = s.get(Run, ctx.args.run) if ctx.args.run else latest_run(s)
        if run is None:
            raise CliError("没有可检查的抓取任务: 先运行 govmon crawl")
        summary = run_checks(s, run, registry=registry, system_path=system.path,
                             severity=system.rule_severity, rules=rules,
                             workers=ctx.args.workers or ctx.settings.workers)
        console.print(check_summary_table(s, summary))
    return 0
