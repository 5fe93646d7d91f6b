"""media.mobile_broken, media.entry_broken: the 手机版 and the 政务新媒体 entries (微博 /
微信 / 客户端) the homepage announces, and whether their links work.

The entries are what the derive step read on the homepage (``site_entries``: link text,
title or image alt naming 手机版 / 移动版 / 微博 / 微信 / 客户端, and QR images shown
without a link); whether one works is its target's link check of the same run (HEAD, GET,
redirects followed, soft 404s seen). The accounts' own content (updated within two weeks,
as 通报 ask) is out of a crawler's reach: notices list the entries for a manual check.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import KIND_LABELS, entries, quote
from checks.base import CheckContext, FindingDraft, Rule

ENTRY_KINDS = tuple(KIND_LABELS)


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    announced = [e for e in entries(ctx, *ENTRY_KINDS) if e.on_home]
    checks = ctx.link_checks({e.target for e in announced})
    for e in announced:
        lc = checks.get(e.target)
        if lc is None or lc.outcome != "broken":
            continue  # working, blocked by a firewall (403/429) or not verified: not broken
        why = f"HTTP {lc.status}" if lc.status else {
            "soft404": "页面显示“页面不存在”", "refused": "连接被拒绝", "timeout": "访问超时",
            "dns": "域名无法解析", "tls": "证书错误"}.get(lc.error_class or "", "无法访问")
        what = KIND_LABELS[e.kind]
        rule = "media.mobile_broken" if e.kind == "mobile" else "media.entry_broken"
        yield FindingDraft(
            rule=rule, url=e.target, source=e.page_url, subject=e.target,
            message=f"首页的{what}入口{quote(e.label, 20)}无法访问（{why}）",
            detail={"target": e.target, "kind": e.kind, "status": lc.status or None,
                    "anchor": e.label, "error": lc.error_class})


RULE = Rule(name="media", ids=("media.mobile_broken", "media.entry_broken"), check=check,
            needs_complete=False, derived=("governance",))
