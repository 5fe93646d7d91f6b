"""Footer identifiers on every content page (F2) and the 找错 entrance (F4).

Reads what the derive step stored (``derive/``: ``page_facts`` and ``identity_values``,
from ``parse.identity``); recomputes nothing and writes nothing. Only *content pages*
count: error pages, redirects, crawl-trap pages, frames and popups outside the site's
templates never make a site miss an identifier.

* ``identity.<item>_missing`` — no content page of the site shows the item (site-level);
* ``identity.pages_missing`` — some content pages lack an item other pages show
  (page-level: ``item``, ``pages``, ``share``, ``sample``), one finding per item;
* ``identity.site_code_mismatch`` — the footer, the ``SiteIDCode`` meta or the 找错
  widget's ``sitecode`` differs from the registry, one finding per place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from derive.read import content_pages, site_facts
from parse.identity import ITEMS

NAMES = {
    "site_code": "网站标识码", "icp": "ICP备案编号", "psb": "公安机关备案标识",
    "conac": "党政机关网站标识", "sponsor": "网站主办单位", "contact": "联系方式（电话、地址或电子邮箱）",
    "jiucuo": "“我为政府网站找错”入口",
}
WHERE_NAMES = {"footer": "页脚显示的网站标识码", "meta": "SiteIDCode 元标签",
               "jiucuo": "“我为政府网站找错”入口的 sitecode"}
SAMPLE = 5


class FactsMissing(RuntimeError):
    """The derive step stored nothing for this site and run (it failed or did not run)."""


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    if site_facts(ctx.session, ctx.run.id, ctx.site.id) is None:
        raise FactsMissing("没有页面事实（页面快照已清理，或 derive 未运行/失败），无法判断标识")
    # Examples: the homepage, then by URL — not in the order pages reached the store,
    # which depends on answer times and, in an incremental run, on which pages were
    # copies (depths too depend on answer order): the same site gives the same message.
    pages = content_pages(ctx.session, ctx.run.id, ctx.site.id)
    if not pages:
        return
    checked = len(pages)
    home_url = ctx.site.url
    for item in ITEMS:
        lacking = [(p.url, p.kind == "home") for p in pages if item not in (p.items or ())]
        if not lacking:
            continue
        on_home = any(home for _, home in lacking)
        sample = [url for url, _ in lacking[:SAMPLE]]
        detail = {"pages": len(lacking), "checked": checked, "sample": sample,
                  "on_homepage": on_home}
        if len(lacking) == checked:  # no content page shows it: the site lacks it
            where = "，含首页" if on_home else ""
            yield FindingDraft(
                rule=f"identity.{item}_missing", url=home_url, source=sample[0], subject=item,
                message=(f"网站未显示{NAMES[item]}：检查的 {checked} 个内容页面均没有{where}，"
                         f"如 {sample[0]}"),
                detail=detail)
            continue
        share = len(lacking) / checked
        where = "，含首页" if on_home else ""
        if item == "jiucuo":
            where = "，首页页脚也没有" if on_home else "，首页有"
        yield FindingDraft(
            rule="identity.pages_missing", url=home_url, source=sample[0],
            subject=f"pages:{item}",
            message=(f"{len(lacking)} 个内容页面（占 {share:.0%}）未显示{NAMES[item]}，其余 "
                     f"{checked - len(lacking)} 个页面显示了（共检查 {checked} 个内容页面"
                     f"{where}），如 {sample[0]}"),
            detail={**detail, "item": item, "share": round(share, 4)})
    yield from _mismatches(ctx, pages)


def _mismatches(ctx: CheckContext, pages: list) -> Iterator[FindingDraft]:
    expected = ctx.site.code.lower()
    wrong: dict[str, Counter] = {"footer": Counter(), "meta": Counter(), "jiucuo": Counter()}
    where_pages: dict[str, list[str]] = {"footer": [], "meta": [], "jiucuo": []}
    footer_ok_on_meta_pages = True
    for p in pages:
        codes = p.codes or {}
        for where in wrong:
            bad = {c for c in codes.get(where, ()) if c != expected}
            if bad:
                wrong[where].update(bad)
                where_pages[where].append(p.url)
                if where == "meta" and expected not in codes.get("footer", ()):
                    footer_ok_on_meta_pages = False
    footer_top = wrong["footer"].most_common(1)[0][0] if wrong["footer"] else None
    jiucuo_top = wrong["jiucuo"].most_common(1)[0][0] if wrong["jiucuo"] else None
    for where, counter in wrong.items():
        if not counter:
            continue
        found = counter.most_common(1)[0][0]
        sample = where_pages[where][:SAMPLE]
        note = ""
        if where == "meta" and footer_ok_on_meta_pages:
            note = f"；页脚显示的 {ctx.site.code} 正确，元标签有误"
        if where in ("footer", "jiucuo") and footer_top and footer_top == jiucuo_top:
            note = f"；页脚与找错入口的标识码一致（{footer_top}），请同时核对注册表"
        yield FindingDraft(
            rule="identity.site_code_mismatch", url=ctx.site.url, source=sample[0],
            subject=where,
            message=(f"{WHERE_NAMES[where]}为 {found}，与注册的网站标识码 {ctx.site.code} 不一致"
                     f"（{len(where_pages[where])} 个页面，如 {sample[0]}）{note}"),
            detail={"found": found, "expected": ctx.site.code, "where": where,
                    "all_found": sorted(counter), "pages": len(where_pages[where]),
                    "sample": sample},
        )


RULE = Rule(name="identity", ids=(
    "identity.site_code_missing", "identity.site_code_mismatch", "identity.icp_missing",
    "identity.psb_missing", "identity.conac_missing", "identity.sponsor_missing",
    "identity.contact_missing", "identity.jiucuo_missing", "identity.pages_missing"),
    check=check, derived=("identity",),
    needs_complete=False)  # a page seen without its footer item lacks it, however far we got
