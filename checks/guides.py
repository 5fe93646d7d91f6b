"""guide.incomplete / guide.incomplete_many: 办事指南 lacking key elements (V6, S4).

Guides and the element classes they show are read by ``parse.guides`` (classes and labels
are data: ``parse/data/guide_elements.yaml``). Sites registered with
``has_services: false`` are not checked (V6 does not apply to them).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.guides import elements, extract_page

SAMPLE = 5


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    if not ctx.site.has_services:
        return
    spec = elements()
    limit = int(ctx.threshold("guide.missing_elements"))
    many = int(ctx.threshold("guide.many_count"))
    guides = [(r, f) for r, f in ctx.page_facts("guides") if f is not None]
    bad: list[str] = []
    for record, facts in guides:
        missing = [c for c in spec.classes if c not in facts["present"]]
        if not missing:
            continue
        if len(missing) >= limit:
            bad.append(record.url)
        yield FindingDraft(
            rule="guide.incomplete", url=record.url, source=record.url, subject=record.url,
            message=(f"办事指南“{facts['name']}”缺少 {len(missing)} 类要素："
                     f"{'、'.join(missing)}"),
            detail={"missing": missing, "missing_count": len(missing),
                    "present": facts["present"], "name": facts["name"]},
        )
    total = len(guides)
    all_of_few = (ctx.run_site.complete and 0 < total < many and len(bad) == total)
    if len(bad) >= many or all_of_few:
        why = (f"{len(bad)} 个办事指南各缺少 {limit} 类及以上要素（达到 {many} 个）" if not all_of_few
               else f"办事指南共 {total} 个（少于 {many} 个），每个都缺少 {limit} 类及以上要素")
        yield FindingDraft(
            rule="guide.incomplete_many", url=ctx.site.url, source=bad[0], subject="guides",
            message=f"服务不实用：{why}，如 {bad[0]}",
            detail={"count": len(bad), "guides": total, "limit": limit, "many": many,
                    "sample": bad[:SAMPLE]},
        )


RULE = Rule(name="guides", ids=("guide.incomplete", "guide.incomplete_many"), check=check,
            # per-guide findings hold on any crawl; "all of fewer than 5" needs all
            needs_complete=False, page_facts={"guides": extract_page})
