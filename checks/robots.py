"""robots.disallowed: pages the crawl skipped because robots.txt forbids them (info)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    count = ctx.run_site.robots_disallowed
    if count:
        yield FindingDraft(
            rule="robots.disallowed", url=ctx.site.url, subject="robots",
            message=f"robots.txt 禁止抓取，跳过了 {count} 个页面；这些页面上的问题未被检查",
            detail={"count": count},
        )


RULE = Rule(name="robots", ids=("robots.disallowed",), check=check, needs_complete=False)
