"""cluster.site_unlinked, cluster.wrong_target: a sub-site or department site and its
portal's links (集约化: every site of the cluster reachable from the portal).

A cluster rule (``scope="cluster"``): it runs once the derive step has stored every site
of the run, and judges each running sub-site and department site against its portal's
stored crawl of the same run: the portal is the site's ``parent``, else the registry's
only portal. Its links are the portal's ``<a>`` links (crawl data) and the 部门网站
drop-down's ``<option>`` addresses (``site_entries``, derived).

* ``cluster.site_unlinked`` — no page the portal's crawl reached links into the site's
  scope (its hosts and path prefixes). A portal link named after the site but pointing
  elsewhere is named in the message. Skipped (unknown) while the portal's crawl is
  incomplete or failed: a link may sit on a page it did not reach.
* ``cluster.wrong_target`` — the portal links the site, and the page the link lands on
  (or the site's homepage, when that page was not stored) shows in its footer (else in its
  找错 widget) another 网站标识码 than the site's own: visitors land on a page that answers
  for another site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import select

from checks._governance import entries, quote
from checks.base import CheckContext, ClusterContext, FindingDraft, Rule
from derive.source import site_scopes
from parse.urls import in_scopes
from store.models import Link, Page, PageFact, RunSite, Site

CODE_PLACES = ("footer", "jiucuo")  # what a page shows, in order (a meta tag is not shown)
_WS = re.compile(r"\s+")


def portal_of(ctx: CheckContext) -> Site | None:
    """The site's portal: its parent, else the only running portal in the store."""
    if ctx.site.parent_code:
        parent = ctx.session.scalars(select(Site).where(Site.code == ctx.site.parent_code)
                                     ).first()
        if parent is not None:
            return parent
    portals = list(ctx.session.scalars(select(Site).where(
        Site.kind == "portal", Site.status == "运行", Site.in_registry.is_(True))))
    return portals[0] if len(portals) == 1 else None


def names_site(anchor: str | None, name: str) -> bool:
    """A link text that names the site (示例市统计局 / 市统计局 / 统计局网站)."""
    text = _WS.sub("", anchor or "").removesuffix("网站")
    return bool(text) and (text == name or (len(text) >= 4 and text in name))


def check(cluster: ClusterContext) -> Iterator[FindingDraft]:
    portal_links: dict[int, list] = {}  # a portal's links, read once for all its sites
    for ctx in cluster.sites:
        if ctx.site.kind == "portal":
            continue
        for draft in _check_site(cluster, ctx, portal_links):
            draft.site = ctx.site.code
            yield draft


def _check_site(cluster: ClusterContext, ctx: CheckContext,
                portal_links: dict[int, list]) -> Iterator[FindingDraft]:
    portal = portal_of(ctx)
    if portal is None:
        cluster.skip(ctx.site.code, "未登记上级门户网站 (parent)，且注册表中门户网站不止一个，无法判断")
        return
    rs = ctx.session.scalars(select(RunSite).where(RunSite.run_id == ctx.run.id,
                                                   RunSite.site_id == portal.id)).first()
    if rs is None or rs.status in ("skipped", "pending"):
        cluster.skip(ctx.site.code, f"门户网站“{portal.name}”本次未抓取")
        return
    if portal.id not in portal_links:
        rows = ctx.session.execute(
            select(Link.target, Link.anchor, Page.url).join(Page, Page.id == Link.page_id)
            .where(Link.run_id == ctx.run.id, Link.site_id == portal.id,
                   Link.tag.in_(("a", "area")))).all()
        rows += [(e.target, e.label, e.page_url)
                 for e in entries(ctx, "option", site_id=portal.id)]
        portal_links[portal.id] = rows
    rows = portal_links[portal.id]
    scopes = site_scopes(ctx.site)
    linked = [(target, source) for target, _, source in rows if in_scopes(target, scopes)]
    if not linked:
        if not rs.complete:
            cluster.skip(ctx.site.code, f"门户网站“{portal.name}”本次抓取不完整 "
                                        f"({rs.note or rs.status})，无法判断是否链接本网站")
            return
        yield _unlinked(ctx, portal, rows)
        return
    yield from _wrong_target(ctx, portal, linked)


def _unlinked(ctx: CheckContext, portal: Site, rows: list) -> FindingDraft:  # noqa: ANN001
    misdirected = sorted({t for t, anchor, _ in rows if names_site(anchor, ctx.site.name)})
    text = ""
    if misdirected:
        sites = list(ctx.session.scalars(select(Site)))
        owners = []
        for target in misdirected[:3]:
            owner = owner_of(sites, target)
            owners.append(f"{target}" + (f"（属于{owner.name}）" if owner is not None else ""))
        text = f"；门户网站上以本网站名称命名的链接指向 {'、'.join(owners)}"
    return FindingDraft(
        rule="cluster.site_unlinked", url=ctx.site.url, subject="unlinked",
        message=(f"门户网站{quote(portal.name)}（{portal.code}）没有指向本网站的链接"
                 f"（部门网站 / 子站列表或导航中均未找到）{text}"),
        detail={"portal": portal.code, "portal_url": portal.url,
                "misdirected": misdirected or None})


def owner_of(sites: list[Site], url: str) -> Site | None:
    """The registered site a URL belongs to: the longest matching path prefix wins."""
    best, best_len = None, -1
    for site in sites:
        for host, prefix in site_scopes(site):
            if in_scopes(url, [(host, prefix)]) and len(prefix) > best_len:
                best, best_len = site, len(prefix)
    return best


def _landing_codes(ctx: CheckContext, target: str) -> tuple[str, list[str]] | None:
    """(page URL, codes it shows visitors) of the page a portal link lands on: the stored
    page of that URL, else the site's homepage."""
    fact = ctx.session.scalars(select(PageFact).join(Page, Page.id == PageFact.page_id).where(
        Page.run_id == ctx.run.id, Page.site_id == ctx.site.id,
        (Page.url == target) | (Page.final_url == target))).first()
    if fact is None:
        fact = ctx.session.scalars(select(PageFact).where(
            PageFact.run_id == ctx.run.id, PageFact.site_id == ctx.site.id,
            PageFact.kind == "home")).first()
    if fact is None:
        return None
    places = fact.codes or {}
    # the code the page shows visitors: its footer's, else its 找错 widget's
    shown = next((places[p] for p in CODE_PLACES if places.get(p)), [])
    return fact.url, list(dict.fromkeys(shown))


def _wrong_target(ctx: CheckContext, portal: Site,
                  linked: list[tuple[str, str]]) -> Iterator[FindingDraft]:
    expected = ctx.site.code
    for target, source in sorted(set(linked)):
        landing = _landing_codes(ctx, target)
        if landing is None:
            continue
        page_url, codes = landing
        others = [c for c in codes if c != expected]
        if not others or expected in codes:
            continue
        found = others[0]
        owner = ctx.session.scalars(select(Site).where(Site.code == found)).first()
        whose = f"（{owner.name}的网站标识码）" if owner is not None else ""
        yield FindingDraft(
            rule="cluster.wrong_target", url=page_url, source=source, subject="wrong_target",
            message=(f"门户网站{quote(portal.name)}链接的本网站页面显示的网站标识码为 {found}"
                     f"{whose}，应为 {expected}"),
            detail={"found": found, "expected": expected, "portal": portal.code,
                    "target": target})
        return  # one finding per site: the page answers for one other code


# Reads the portal's crawl, whose completeness it judges itself; a dead sub-site must
# still be linked from its portal (hence neither complete nor reachable is required).
RULE = Rule(name="cluster", ids=("cluster.site_unlinked", "cluster.wrong_target"),
            check=check, scope="cluster", needs_complete=False, needs_reachable=False,
            derived=("governance",))
