"""disclosure.request_channel_missing: no 依申请公开 channel (条例: applications for
disclosure must have a way in).

A channel is any link on any page of the site whose text names 依申请公开 / 政府信息公开
申请 / 信息公开申请 (``site_entries`` kind request; a link to the cluster's shared platform
counts). Absence needs a complete crawl: ``needs_complete``.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import entries
from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    if entries(ctx, "request"):
        return
    home = ctx.homepage
    yield FindingDraft(
        rule="disclosure.request_channel_missing", url=home.url if home else ctx.site.url,
        subject="request_channel",
        message="网站上未发现依申请公开渠道（“依申请公开”或“政府信息公开申请”的入口）",
        detail={})


RULE = Rule(name="disclosure_channel", ids=("disclosure.request_channel_missing",),
            check=check, needs_complete=True, derived=("governance",))
