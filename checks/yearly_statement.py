"""report.yearly_statement_missing: the homepage does not link the 政府网站工作年度报表 of
the year due (国办函〔2018〕12号: published on the homepage by 31 January,
``thresholds.report.yearly_statement_deadline``).

A homepage link counts when its text (or title) names a 网站工作年度报表 of the due year,
or names one without a year and leads to a page that is the due year's statement. A link
without a year whose page was not read cannot be judged and is given the benefit of the
doubt. Only the homepage is read, so the rule runs on incomplete crawls too.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import annual_documents, due_year, entries, need_deadline
from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    deadline = need_deadline(ctx, "report.yearly_statement_deadline")
    year, due = due_year(ctx.as_of, deadline)
    home = ctx.homepage
    if home is None:
        return
    # statement pages read (``sections`` is [] for a page, None for a link only)
    pages = {r.url: r.year for r in annual_documents(ctx, "statement")
             if r.sections is not None}
    shown: list[int] = []
    for link in entries(ctx, "statement"):
        if not link.on_home:
            continue
        linked_year = link.year or pages.get(link.target) or None
        if linked_year is None or linked_year == year:
            return  # the due year's statement, or one nothing dates: not reported
        shown.append(linked_year)
    what = (f"首页链接的是{'、'.join(str(y) for y in sorted(set(shown)))}年度的报表"
            if shown else "首页未发现网站工作年度报表的链接")
    yield FindingDraft(
        rule="report.yearly_statement_missing", url=home.url, subject=f"statement:{year}",
        message=(f"首页未公开{year}年度政府网站工作年度报表（应于 {due:%Y-%m-%d} 前在首页发布）；"
                 f"{what}"),
        detail={"year": year, "deadline": due.isoformat(),
                "shown": sorted(set(shown)) or None})


RULE = Rule(name="yearly_statement", ids=("report.yearly_statement_missing",), check=check,
            needs_complete=False, derived=("governance",))
