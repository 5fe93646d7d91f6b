"""The quarterly scorecard comparison as XLSX: ranking, 合格率, most common problems,
failing sites, and openpyxl charts (:mod:`reports.scorecard` builds the report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.common import quarter_label
from reports.verdicts import RATE_DEFINITION
from reports.xlsx import PERCENT_FORMAT, add_table, new_workbook


def write_xlsx(report: Any, path: Path) -> Path:
    """``report`` (a ``reports.scorecard.QuarterReport``) as sheets 得分排名, 合格率 (numbers and percentages as numbers), 主要问题, 不合格网站,
    and 图表 (openpyxl charts over the ranking and the quarters' scores)."""
    r = report
    wb = new_workbook()
    prev = quarter_label(r.compare) if r.compare else "上季度"
    ranking = add_table(
        wb, "得分排名", (("排名", 6), ("网站名称", 30), ("网站标识码", 13), ("类型", 10),
                     ("得分", 8), ("最低可能得分", 10), ("结论", 8), ("单项否决", 26),
                     ("主要扣分", 40), ("说明", 40), (f"{prev}得分", 12), (f"{prev}结论", 12),
                     ("变化", 16)),
        [[row.rank, row.site.name, row.site.code, row.kind_name, row.score, row.floor,
          row.card.verdict, row.vetoes or None, row.deductions or None,
          row.reason if row.card.verdict != "合格" else None, row.prev_score,
          row.prev.verdict if row.prev else None, row.change] for row in r.rows],
        wrap=("单项否决", "主要扣分", "说明"), formats={"得分": "0.##", "最低可能得分": "0.##"})
    add_table(wb, "合格率", (("范围", 12), ("运行网站数", 11), ("检查网站数", 11), ("抽查比例", 10),
                          ("合格", 8), ("不合格", 8), ("待定", 8), ("合格率", 10),
                          ("最终结论合格率", 14), (f"{prev}合格率", 14), ("变化", 14)),
              [[x.scope, x.operating, x.checked, x.sampling, x.passed, x.failed, x.open,
                x.rate, x.final_rate, x.prev_rate, x.change] for x in r.rates],
              formats={k: PERCENT_FORMAT for k in ("抽查比例", "合格率", "最终结论合格率",
                                                   f"{prev}合格率")})
    ws = wb["合格率"]
    ws.cell(row=len(r.rates) + 3, column=1, value=RATE_DEFINITION)
    ws.cell(row=len(r.rates) + 4, column=1, value=r.total.figures.sentence() + "。")
    add_table(wb, "主要问题", (("序号", 6), ("问题类型", 22), ("检查规则编号", 26), ("问题数", 9),
                           ("涉及网站数", 11), ("涉及网站", 60)),
              [[i, p.title, p.rule, p.count, len(p.sites), "、".join(p.sites)]
               for i, p in enumerate(r.problems, start=1)], wrap=("涉及网站",))
    add_table(wb, "不合格网站", (("序号", 6), ("网站名称", 30), ("网站标识码", 13), ("类型", 10),
                            ("原因", 60)),
              [[i, row.site.name, row.site.code, row.kind_name, row.reason]
               for i, row in enumerate(r.failing, start=1)], wrap=("原因",))
    _charts(wb, r, ranking)
    wb.properties.title = r.title
    wb.properties.creator = "govmon"
    wb.save(str(path))
    return path


def _charts(wb: Any, r: Any, ranking: Any) -> None:
    """图表: scores by site (bar chart over 得分排名) and every stored quarter per site
    (line chart over a small table of its own)."""
    from openpyxl.chart import BarChart, LineChart, Reference

    ws = wb.create_sheet("图表")
    bar = BarChart()
    bar.type = "bar"
    bar.title = f"{quarter_label(r.quarter)}各网站得分"
    bar.y_axis.title = "得分"
    bar.y_axis.scaling.min, bar.y_axis.scaling.max = 0, 100
    n = len(r.rows)
    bar.add_data(Reference(ranking, min_col=5, min_row=1, max_row=n + 1), titles_from_data=True)
    bar.set_categories(Reference(ranking, min_col=2, min_row=2, max_row=n + 1))
    bar.height, bar.width = max(7.5, 1.2 * n), 18
    bar.legend = None
    ws.add_chart(bar, "A1")
    # the trend table: quarters down, sites across (openpyxl charts read sheet cells)
    periods = r.trend_periods
    start = int(max(16, 2.4 * n)) + 2
    ws.cell(row=start, column=1, value="季度")
    by_site = {row.site.id: row for row in r.rows}
    for j, row in enumerate(by_site.values(), start=2):
        ws.cell(row=start, column=j, value=row.site.name)
    for i, period in enumerate(periods, start=1):
        ws.cell(row=start + i, column=1, value=quarter_label(period))
        for j, row in enumerate(by_site.values(), start=2):
            score = r.trend_scores.get((row.site.id, period))
            ws.cell(row=start + i, column=j, value=score)
    line = LineChart()
    line.title = "各网站季度得分趋势（单项否决不计分，无点）"
    line.y_axis.title = "得分"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 100
    line.add_data(Reference(ws, min_col=2, max_col=len(by_site) + 1, min_row=start,
                            max_row=start + len(periods)), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=start + 1,
                                  max_row=start + len(periods)))
    line.height, line.width = 9, 18
    ws.add_chart(line, f"J{1}")
