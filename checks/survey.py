"""survey.inactive: too few surveys / consultations (调查征集) in the last year (B7).

B7 gives its bonus to a survey channel with at least ``survey.bonus_count`` activities in
the ``survey.window``; fewer (or no channel at all) is reported with the count, so scoring
can tell "none" (provincial systems deduct) from "not enough for the bonus".
Needs a complete crawl: a channel not reached is unknown, not absent.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft
from checks.messages import discover

RULES = ("survey.inactive",)
NEEDS_COMPLETE = True


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    inter = discover(ctx)
    window = ctx.duration("survey.window")
    wanted = int(ctx.threshold("survey.bonus_count"))
    since = window.before(ctx.as_of)
    boards = inter.surveys
    dates = [r.dates[0] for b in boards for r in b.records
             if r.dates and r.dates[0] <= ctx.as_of]
    count = sum(1 for d in dates if d >= since)
    if count >= wanted:
        return
    newest = max(dates) if dates else None
    home = ctx.homepage
    url = boards[0].url if boards else (home.url if home else ctx.site.url)
    if not boards:
        message = "未发现调查征集栏目 (网上调查/意见征集)"
    elif not dates and not any(b.empty for b in boards):
        message = "调查征集栏目未能读出带日期的活动列表 (可能由脚本生成)，需人工核对"
    elif count == 0:
        last = f"，最近一次为 {newest}" if newest else ""
        message = f"调查征集栏目近{window.label}没有开展调查征集{last}"
    else:
        message = (f"调查征集栏目近{window.label}仅开展 {count} 次调查征集"
                   f" (加分项要求不少于 {wanted} 次)")
    yield FindingDraft(rule="survey.inactive", url=url, source=boards[0].source if boards else None,
                       subject="survey", message=message,
                       detail={"newest": newest.isoformat() if newest else None, "count": count})
