"""``govmon export``: findings (and, from scoring, scorecards) as JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import Any

# Each exporter: name -> (help, function(ctx) -> list of flat-or-nested records).
EXPORTERS: dict[str, tuple[str, Any]] = {}


def exporter(name: str, help_text: str):  # noqa: ANN201
    def wrap(fn):  # noqa: ANN001, ANN202
        EXPORTERS[name] = (help_text, fn)
        return fn
    return wrap


@exporter("findings", "问题清单 (rules.md 规定的格式)")
def export_findings(ctx: Any) -> list[dict[str, Any]]:
    from checks.findings import export_records, latest_run
    from govmon.context import CliError
    from store.models import Run

    with ctx.store()() as s:
        run = s.get(Run, ctx.args.run) if ctx.args.run else latest_run(s)
        if run is None:
            raise CliError("没有抓取任务: 先运行 govmon crawl 和 govmon check")
        return export_records(s, run.id)


@exporter("scorecards", "评分表: 每个网站每个周期一条 (结论、得分、单项否决、各指标扣分)")
def export_scorecards(ctx: Any) -> list[dict[str, Any]]:
    from indicators.system import IndicatorFileError, load_system
    from scoring.engine import scorecard_records

    system = None
    if ctx.args.system:
        from govmon.context import CliError

        try:  # a file or bundled name: cards are stored under the system's id
            system = load_system(ctx.args.system).id
        except IndicatorFileError as exc:
            raise CliError(str(exc)) from None
    period = ctx.args.period or (f"run:{ctx.args.run}" if ctx.args.run else None)
    with ctx.store()() as s:
        return scorecard_records(s, period=period, system=system)


def _run(ctx: Any, s: Any) -> Any:
    from checks.findings import latest_run
    from govmon.context import CliError
    from store.models import Run

    run = s.get(Run, ctx.args.run) if ctx.args.run else latest_run(s)
    if run is None:
        raise CliError("没有抓取任务: 先运行 govmon crawl 和 govmon check")
    return run


@exporter("identity", "网站标识: 每个网站一条 (各标识的值、载体、显示该标识的内容页面比例)")
def export_identity(ctx: Any) -> list[dict[str, Any]]:
    from derive.read import identity_records

    with ctx.store()() as s:
        return identity_records(s, _run(ctx, s).id, detail=ctx.args.format == "json")


@exporter("pages", "页面: 每个页面一条 (网址、标题、发布日期、日期来源、栏目)")
def export_pages(ctx: Any) -> list[dict[str, Any]]:
    from derive.read import page_records

    with ctx.store()() as s:
        return page_records(s, _run(ctx, s).id)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="导出数据 (JSON / CSV)")
    p.add_argument("what", choices=sorted(EXPORTERS), help="导出内容")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--output", "-o", help="输出文件 (默认: 标准输出)")
    p.add_argument("--run", type=int, help="抓取任务 (默认: 最近一次)")
    p.add_argument("--period", help="scorecards: 只导出该周期 (如 2026Q4 或 run:12)")
    p.add_argument("--system", help="scorecards: 只导出该指标体系 (文件或内置名称)")
    p.set_defaults(func=cmd_export)


def to_csv(records: list[dict[str, Any]]) -> str:
    """Flat CSV: nested values as JSON; every cell neutralised as in the XLSX reports
    (a text a spreadsheet would run as a formula gets a leading quote)."""
    from reports.common import neutralise

    buf = io.StringIO()
    if not records:
        return ""
    fields = list(records[0])
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for rec in records:
        row = {}
        for k in fields:
            v = rec.get(k)
            if isinstance(v, (dict, list)):
                v = json.dumps(v, ensure_ascii=False)
            row[k] = neutralise("" if v is None else str(v))
        writer.writerow(row)
    return buf.getvalue()


def cmd_export(ctx: Any) -> int:
    records = EXPORTERS[ctx.args.what][1](ctx)
    text = (json.dumps(records, ensure_ascii=False, indent=2) if ctx.args.format == "json"
            else to_csv(records))
    if ctx.args.format == "csv" and not ctx.args.output and text:
        # UTF-8 with BOM, as the file output: Excel on Chinese Windows reads a CSV without
        # one as GBK (mojibake), and `govmon export … > file.csv` is how people save it
        text = "\ufeff" + text
    if ctx.args.output:
        with open(ctx.args.output, "w", encoding="utf-8-sig" if ctx.args.format == "csv"
                  else "utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text + ("\n" if text and not text.endswith("\n") else ""))
    return 0
