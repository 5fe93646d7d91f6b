"""mailbox.missing: the site offers no working online consultation channel (V5 (1)).

Absence can only be concluded from a complete crawl (the runner skips this module for
incomplete sites), which is why it is separate from ``checks/mailbox.py``: unanswered
messages seen on an incomplete crawl are still reported there. 信访 and 纪检举报 channels
do not count; a registry hint (``hints: {mailbox: URL}``) names the channel explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    inter = ctx.boards
    channels = inter.consultation
    if any(b.working is not False for b in channels):
        return
    if channels:
        names = "、".join(f"“{b.name}” ({b.url})" for b in channels[:3])
        message = f"政务咨询渠道无法访问: {names}"
    elif inter.excluded:
        names = "、".join(sorted({b.kind_name for b in inter.excluded}))
        message = f"未发现政务咨询渠道 (信箱/咨询/留言)；仅有{names}渠道，不计为政务咨询"
    else:
        message = "未发现政务咨询渠道 (信箱/咨询/留言)"
    home = ctx.homepage
    yield FindingDraft(rule="mailbox.missing", url=home.url if home else ctx.site.url,
                       subject="mailbox", message=message, detail={})


RULE = Rule(name="mailbox_channel", ids=("mailbox.missing",), check=check, derived=("boards",),
            needs_complete=True)
