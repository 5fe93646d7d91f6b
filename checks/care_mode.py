"""access.care_mode_missing: the homepage offers no care / accessible mode (适老化 and
无障碍 改造: a 关怀版 / 适老化 / 无障碍 / 长者模式 link, or one of the common accessibility
toolbar scripts). Informational unless the indicator file maps it.

Reads what the derive step found on the homepage (``site_posture.care``); a run without a
readable homepage is skipped (unknown), not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from checks.page_security import posture


def skip_reason(ctx: CheckContext) -> str | None:
    if "posture" in ctx.facts.errors:
        return None  # check() reports the derive step's failure
    row = posture(ctx)
    if row is None or not row.care_checked:
        return "没有可读取的首页，无法判断适老化/无障碍入口"
    return None


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    ctx.facts.get("posture")  # the derive step's failure, if any
    row = posture(ctx)
    if row is None or not row.care_checked or row.care:
        return
    yield FindingDraft(
        rule="access.care_mode_missing", url=ctx.site.url, source=ctx.site.url,
        subject="care_mode",
        message="网站首页未提供关怀版（适老化）或无障碍浏览入口",
        detail={})


RULE = Rule(name="care_mode", ids=("access.care_mode_missing",), check=check,
            unknown=skip_reason, needs_complete=False,  # the homepage alone decides
            derived=("posture",))
