"""survey.inactive: no survey / consultation (调查征集) within the last year (rules.md).

Fires only when no survey was published within ``survey.window`` (or no survey channel
was found). How many surveys there were (B7 gives its bonus for ``survey.bonus_count``)
is scoring's business: the count is kept in ``MailboxStats.surveys`` and in this
finding's detail, never a finding of its own. Surveys are read on every list family
(static rows, TRS script paging, Hanweb datastores, JSON endpoints: ``derive.boards``).
Needs a complete crawl: a channel not reached is unknown, not absent.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    inter = ctx.boards
    window = ctx.duration("survey.window")
    since = window.before(ctx.as_of)
    boards = inter.surveys
    dates = [r.dates[0] for b in boards for r in b.records
             if r.dates and r.dates[0] <= ctx.as_of]
    count = sum(1 for d in dates if d >= since)
    if count > 0:
        return
    newest = max(dates) if dates else None
    home = ctx.homepage
    url = boards[0].url if boards else (home.url if home else ctx.site.url)
    if not boards:
        message = "未发现调查征集栏目 (网上调查/意见征集)"
    elif not dates and not any(b.empty for b in boards):
        message = "调查征集栏目未能读出带日期的活动列表 (可能由脚本生成)，需人工核对"
    else:
        last = f"，最近一次为 {newest}" if newest else ""
        message = f"调查征集栏目近{window.label}没有开展调查征集{last}"
    yield FindingDraft(rule="survey.inactive", url=url, source=boards[0].source if boards else None,
                       subject="survey", message=message,
                       detail={"newest": newest.isoformat() if newest else None, "count": count})


RULE = Rule(name="survey", ids=("survey.inactive",), check=check, derived=("boards",),
            needs_complete=True)
