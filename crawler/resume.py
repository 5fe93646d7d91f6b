"""What a resumed crawl starts from: per site, the URLs already fetched, the frontier
(unfetched in-scope pages that fetched pages lead to) and the counters to go on from.

Read from the store of the interrupted run; ``SiteSpider`` takes it as ``resume_state``.
Imported only when a run is resumed (it imports the spider's module, and with it Scrapy).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from crawler import paging
from crawler.spiders.site import FOLLOW_TAGS
from crawler.spiders.site import RESUME_STORED as STORED
from crawler.urls import is_attachment, is_image, is_pager_sibling
from parse import charset
from settings.registry import Registry
from store.models import Link, Page, RunSite, Site, Snapshot


def resume_state(sessions: Any, registry: Registry, run_id: int,
                 codes: list[str]) -> dict[str, Any]:
    """Seen URLs and the frontier per site: the unfetched in-scope pages that fetched
    pages link to, and the script-paging pages they announced (never stored as links:
    without them a resumed crawl would silently lose the rest of those lists).

    Frontier entries are (url, depth, referrer, hidden_paging) with the depths
    ``SiteSpider.parse`` gives: a list's other pages keep its depth (min 1). Under
    ``STORED``, the URLs stored for any site of the run (never to be fetched again)."""
    state: dict[str, Any] = {}
    with sessions() as s:
        ids = dict(s.execute(select(Site.code, Site.id)).all())
        # Every URL the run stored, whichever site it was stored under: a footer .js shared
        # by the sites of one server is stored once, under the site that asked first; a
        # resumed crawl that asked again for it broke the store's one-row-per-URL rule, and
        # the whole batch holding it was lost (pages, links, snapshots).
        state[STORED] = set(s.scalars(select(Page.url).where(Page.run_id == run_id)))
        for code in codes:
            seen = set(s.scalars(select(Page.url).where(
                Page.run_id == run_id, Page.site_id == ids[code])))
            if not seen:
                continue
            best: dict[str, tuple[int, str, bool]] = {}  # target -> depth, referrer, hidden
            for target, depth, src in _paging(s, registry, run_id, ids[code], code, seen):
                _keep_shallowest(best, target, depth, src, True)
            rows = s.execute(
                select(Link.target, Page.depth, Page.url, Page.final_url, Link.tag)
                .join(Page, Page.id == Link.page_id)
                .where(Link.run_id == run_id, Link.site_id == ids[code],
                       Link.kind.in_(("internal", "frame"))))
            for target, depth, src, final, tag in rows:
                if (target in seen or tag not in FOLLOW_TAGS
                        or is_attachment(target) or is_image(target)):
                    continue
                site = registry.site_for(target)
                if site is None or site.code != code:
                    continue
                sibling = is_pager_sibling(final or src, target)
                _keep_shallowest(best, target, max(depth, 1) if sibling else depth + 1,
                                 src, False)
            frontier = sorted(((t, d, src, h) for t, (d, src, h) in best.items()),
                              key=lambda e: e[1])
            state[code] = {"seen": seen, "frontier": frontier,
                           "stats": _counters(s, run_id, ids[code])}
    return state

def _paging(s, registry: Registry, run_id: int, site_id: int, code: str,  # noqa: ANN001
            seen: set[str]) -> Iterator[tuple[str, int, str]]:
    """(url, depth, referrer) of the unfetched script-paging pages (crawler/paging.py)
    that the site's stored in-scope pages announce, found as ``SiteSpider.parse`` does.

    Snapshots are streamed; ``paging.discover`` gives up at once on a page without any
    of its markers, so only list pages cost a parse and a scope check (article pages,
    the bulk of a large run, cost a decompression and a substring search)."""
    site_for = registry.site_for
    rows = s.execute(
        select(Page.url, Page.final_url, Page.depth, Page.encoding, Snapshot.body)
        .join(Snapshot, Snapshot.page_id == Page.id)
        .where(Page.run_id == run_id, Page.site_id == site_id,
               Page.status > 0, Page.status < 400,
               func.coalesce(Page.content_type, "").not_like("%javascript%"))
        .execution_options(yield_per=500))
    for url, final, depth, encoding, body in rows:
        text = charset.decode(snapshot_html(body), encoding)
        final = final or url
        found = [p.url for p in paging.discover(text, final).pages if p.url not in seen]
        if not found:
            continue
        owner = site_for(final)
        if owner is None or owner.code != code:
            continue  # the crawl reads paging on in-scope pages only
        for target in found:
            target_site = site_for(target)
            if target_site is None or target_site.code == code:
                yield target, max(depth, 1), url

def _counters(s, run_id: int, site_id: int) -> dict[str, int]:  # noqa: ANN001
    """RunSite counters a resumed crawl continues from (the workers write absolute
    values). Pages and errors are counted from the store: after a kill the last
    written counters may include pages whose batch was lost. Pages robots.txt refused
    start again from 0: they are never stored, so the frontier holds each of them again
    and the resumed crawl counts it when it is refused again (carried over, each refusal
    was counted twice and the robots rule's message said so)."""
    where = (Page.run_id == run_id, Page.site_id == site_id,
             func.coalesce(Page.content_type, "").not_like("%javascript%"))
    pages = s.scalar(select(func.count()).select_from(Page).where(*where)) or 0
    errors = s.scalar(select(func.count()).select_from(Page).where(
        *where, (Page.status == 0) | (Page.status >= 400))) or 0
    rs = s.scalars(select(RunSite).where(RunSite.run_id == run_id,
                                         RunSite.site_id == site_id)).one()
    return {"pages": pages, "errors": errors, "depth_limited": rs.depth_limited,
            "trap_pruned": rs.trap_pruned, "robots_disallowed": 0}


def _keep_shallowest(best: dict[str, tuple[int, str, bool]], target: str, depth: int,
                     referrer: str, hidden: bool) -> None:
    """Keep the shallowest way into ``target`` for a resumed frontier; on a tie script
    paging, which parse exempts from the trap guard."""
    have = best.get(target)
    if have is None or (depth, not hidden) < (have[0], not have[2]):
        best[target] = (depth, referrer, hidden)


def snapshot_html(body: bytes) -> bytes:
    return zlib.decompress(body)
