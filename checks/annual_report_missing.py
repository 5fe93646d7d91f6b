"""disclosure.annual_report_missing: no 政府信息公开工作年度报告 for the year due
(条例 Art. 49; the deadline per site kind is in the indicator file).

Absence is only known from a complete crawl (``needs_complete``).
A report counts when its page was read or any page links a title naming that year's
report (a PDF attachment, a page outside the crawl). The finding names the column where
the site keeps its other years' reports, when it has one.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import annual_documents, due_year, need_deadline
from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    deadline = need_deadline(ctx, f"disclosure.annual_report_deadline.{ctx.site.kind}")
    year, due = due_year(ctx.as_of, deadline)
    reports = annual_documents(ctx, "report")
    if any(r.year == year for r in reports):
        return
    others = sorted((r for r in reports if r.year < year), key=lambda r: -r.year)
    where = others[0] if others else None
    column = (where.column or None) if where is not None else None
    home = ctx.homepage
    url = (where.source_url or where.url) if where is not None else (
        home.url if home is not None else ctx.site.url)
    seen = f"；网站上最近一份为{others[0].year}年度" if others else ""
    yield FindingDraft(
        rule="disclosure.annual_report_missing", url=url, subject=f"report:{year}",
        message=(f"未发现{year}年政府信息公开工作年度报告（应于 {due:%Y-%m-%d} 前发布）{seen}"),
        detail={"year": year, "deadline": due.isoformat(), "column": column,
                "latest": others[0].year if others else None})


RULE = Rule(name="annual_report_missing", ids=("disclosure.annual_report_missing",),
            check=check, needs_complete=True, derived=("governance",))
