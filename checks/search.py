"""search.missing: no site search found on any crawled page (F6).

Entrances are read by ``parse.search``: on every page (forms, fields, links, inline
scripts) and in the header scripts the crawl stored. When the only entrances are links and
every one of them is verified broken, search does not work either. Needs a complete crawl:
absence on part of a site proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.search import extract_page, script_has_search


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    records = ctx.page_facts("search")
    if not records:
        return
    links: set[str] = set()
    for _record, facts in records:
        if facts["form"] or facts["script"]:
            return
        links.update(facts["links"])
    if any(found for _url, found in ctx.script_facts("search")):
        return  # a header script writes the search box
    if links:
        checks = ctx.link_checks(links)
        if any(lc.outcome != "broken" for t in links if (lc := checks.get(t)) is not None) or (
                len(checks) < len(links)):
            return  # a search link that works (or could not be verified): not missing
        yield FindingDraft(
            rule="search.missing", url=ctx.site.url, subject="search",
            message=f"站内搜索入口无法访问：{len(links)} 个搜索链接均失效（如 {sorted(links)[0]}）",
            detail={"pages": len(records), "links": sorted(links)[:5], "reason": "broken"},
        )
        return
    yield FindingDraft(
        rule="search.missing", url=ctx.site.url, subject="search",
        message=(f"未发现站内搜索：检查了 {len(records)} 个页面，没有搜索表单、搜索框或搜索链接"),
        detail={"pages": len(records), "reason": "absent"},
    )


RULE = Rule(name="search", ids=("search.missing",), check=check, needs_complete=True,
            page_facts={"search": extract_page}, script_facts={"search": script_has_search})
