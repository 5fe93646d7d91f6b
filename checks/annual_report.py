"""disclosure.annual_report_late, disclosure.annual_report_incomplete: the 政府信息公开工作
年度报告 due most recently (条例 Art. 49, 50).

The report due is the one whose deadline passed most recently (``thresholds.disclosure.
annual_report_deadline.<site kind>``: 31 March for the portal's people's government, 31
January for departments): in February a department's report for last year, a portal's
for the year before. Its publish date is its page's (byline > URL > meta), else the date
of the list row that links it; where several copies are seen (the page and a PDF), the
earliest date counts. Sections are those of the report's template (reports for years
before 2019 in the older headings, ``parse.governance``); a report published only as an
attachment is not judged (its text is not on the page). A report seen is seen however far
the crawl got; its absence is ``annual_report_missing.py``'s, on complete crawls only.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import annual_documents, due_year, need_deadline, quote
from checks.base import CheckContext, FindingDraft, Rule
from parse.governance import TEMPLATE_CHANGED, missing_sections


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    deadline = need_deadline(ctx, f"disclosure.annual_report_deadline.{ctx.site.kind}")
    year, due = due_year(ctx.as_of, deadline)
    found = annual_documents(ctx, "report", year)
    if not found:
        return
    pages = sorted((r for r in found if r.sections is not None),
                   key=lambda r: (r.attachment, -len(r.sections or []), r.id))
    report = pages[0] if pages else found[0]
    dated = [r for r in found if r.published is not None]
    first = min(dated, key=lambda r: (r.published, r.id)) if dated else None
    if first is not None and first.published > due:
        late = (first.published - due).days
        yield FindingDraft(
            rule="disclosure.annual_report_late", url=first.url, subject=f"report:{year}",
            source=first.source_url,
            message=(f"{year}年度政府信息公开工作年度报告{quote(first.title)}于 "
                     f"{first.published:%Y-%m-%d} 发布，比 {due:%Y-%m-%d} 的期限晚 {late} 天"),
            detail={"year": year, "published": first.published.isoformat(),
                    "deadline": due.isoformat(), "days_late": late,
                    "date_source": first.date_source})
    if not pages or report.attachment:
        return  # only a link or an attachment: its headings are not on a page we read
    missing = missing_sections(year, report.sections or [])
    if not missing:
        return
    form = "2019 年起的格式" if year >= TEMPLATE_CHANGED else "2019 年以前的格式"
    yield FindingDraft(
        rule="disclosure.annual_report_incomplete", url=report.url, subject=f"report:{year}",
        source=report.source_url,
        message=(f"{year}年度政府信息公开工作年度报告{quote(report.title)}缺少"
                 + "、".join(f"“{m}”" for m in missing) + f"部分（按{form}）"),
        detail={"year": year, "missing": missing, "column": report.column})


RULE = Rule(name="annual_report",
            ids=("disclosure.annual_report_late", "disclosure.annual_report_incomplete"),
            check=check, needs_complete=False, derived=("governance",))
