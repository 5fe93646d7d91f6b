"""Attachments fetched after the crawl, so the privacy rule can read their text.

The crawl only verifies attachments (a HEAD each); published personal data mostly sits in
them (公示 lists as XLS / PDF / DOCX). After link verification, for each crawled site:

* only attachments linked from the site's pages **on the site's own hosts** (its URL's
  host and its ``hosts`` aliases) are candidates — never another site's files;
* readable formats only (``parse.documents.READABLE``), lists first (an anchor or page
  title with 公示 / 名单 / 名册 / 汇总 / 花名册 / 明细 …), then in the order the crawl met
  them, at most ``attachment_budget`` per site and run (0: none);
* each body is read up to ``attachment_max_bytes`` (larger files are recorded as
  ``too_large``, not stored), through the address guard and robots.txt;
* bodies are stored like page snapshots, zlib-compressed as served, and age out with them
  (``snapshot_runs``). Nothing is parsed here: the derive step reads them.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import zlib
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from crawler.guarded import Fetcher, FetchFailed, session
from crawler.netguard import Guard
from crawler.urls import extension
from parse.documents import READABLE
from store.models import Attachment, AttachmentSnapshot, Link, Page, Site

LIST_WORDS = re.compile(r"公示|名单|名册|花名册|汇总|明细|一览|人员|情况表|登记表|发放|补贴|补助|"
                        r"救助|低保|资助|录取|拟|成绩")
FETCH_AT_ONCE = 8


def own_hosts(spec: Any) -> set[str]:
    """host[:port] values the site itself serves (URL and aliases), lower-cased."""
    return {urlsplit(spec.url).netloc.lower(), *(h.lower() for h in spec.hosts or [])}


def candidates(rows: list[tuple[str, str | None, str, str | None]], hosts: set[str],
               budget: int) -> list[tuple[str, str, str | None]]:
    """(url, page url, anchor) of the attachments to fetch: ``rows`` are (target, anchor,
    page url, page title) in crawl order; own hosts and readable formats only, lists
    first, each URL once, at most ``budget``."""
    seen: dict[str, tuple[int, int, str, str | None]] = {}
    for order, (target, anchor, page_url, title) in enumerate(rows):
        if target in seen or extension(target) not in READABLE:
            continue
        if urlsplit(target).netloc.lower() not in hosts:
            continue
        listy = bool(LIST_WORDS.search(f"{anchor or ''} {title or ''} {target}"))
        seen[target] = (0 if listy else 1, order, page_url, anchor)
    ranked = sorted(seen.items(), key=lambda kv: kv[1][:2])[:max(0, budget)]
    return [(url, page_url, anchor) for url, (_, _, page_url, anchor) in ranked]


async def fetch_all(items: list[tuple[int, str, str, str | None]], guard: Guard,
                    user_agent: str, timeout: float, max_bytes: int, per_ip: int,
                    obey_robots: bool) -> list[dict[str, Any]]:
    """Fetch (site id, url, page url, anchor) items; one result dict per item."""
    fetcher = Fetcher(guard, user_agent, timeout, per_ip=per_ip, obey_robots=obey_robots)
    gate = asyncio.Semaphore(FETCH_AT_ONCE)
    async with session(guard, user_agent) as http:
        async def one(site_id: int, url: str, page_url: str, anchor: str | None
                      ) -> dict[str, Any]:
            out: dict[str, Any] = {"site_id": site_id, "url": url[:2048],
                                   "page_url": page_url[:2048],
                                   "anchor": (anchor or "")[:500] or None,
                                   "fetched_at": datetime.now(), "body": None}
            async with gate:
                try:
                    answer = await fetcher.get(http, url, max_body=max_bytes, ssl_ctx=False,
                                               robots=True)
                except FetchFailed as f:
                    out["error"] = f.error
                    return out
                except Exception:  # noqa: BLE001 - one odd server must not stop the others
                    out["error"] = "other"
                    return out
            out.update(status=answer.status,
                       content_type=answer.headers.get("content-type", "")[:200] or None,
                       size=len(answer.body))
            if answer.status >= 400:
                out["error"] = "http"
            elif "html" in (out["content_type"] or "").lower() and answer.body[:5] not in (
                    b"%PDF-", b"PK\x03\x04"):
                out["error"] = "html"  # an error or login page served in the file's place
            else:
                out["body"] = answer.body
                out["sha1"] = hashlib.sha1(answer.body).hexdigest()
            return out

        return list(await asyncio.gather(*(one(*item) for item in items)))


def collect(registry: Any, settings: Any, sessions: Any, run_id: int, codes: list[str]) -> int:
    """Fetch and store the crawled sites' attachments (see the module docstring); returns
    how many bodies were stored."""
    budget = int(getattr(settings, "attachment_budget", 0) or 0)
    if budget <= 0 or not codes:
        return 0
    items: list[tuple[int, str, str, str | None]] = []
    with sessions() as s:
        ids = dict(s.execute(select(Site.code, Site.id)).all())
        for code in codes:
            spec = registry.by_code(code)
            rows = s.execute(
                select(Link.target, Link.anchor, Page.url, Page.title)
                .join(Page, Page.id == Link.page_id)
                .where(Link.run_id == run_id, Link.site_id == ids[code],
                       Link.kind == "attachment")
                .order_by(Page.depth, Link.id)).all()
            for url, page_url, anchor in candidates([tuple(r) for r in rows], own_hosts(spec),
                                                    budget):
                items.append((ids[code], url, page_url, anchor))
    results = asyncio.run(fetch_all(
        items, Guard.from_registry(registry), settings.user_agent, settings.timeout,
        int(getattr(settings, "attachment_max_bytes", 10 * 1024 * 1024)),
        settings.per_ip_concurrency, settings.obey_robots)) if items else []
    stored = 0
    with sessions.begin() as s:
        site_ids = {ids[c] for c in codes}
        old = select(Attachment.id).where(Attachment.run_id == run_id,
                                          Attachment.site_id.in_(site_ids))
        s.execute(delete(AttachmentSnapshot).where(AttachmentSnapshot.attachment_id.in_(old)))
        s.execute(delete(Attachment).where(Attachment.run_id == run_id,
                                           Attachment.site_id.in_(site_ids)))
        for r in results:
            body = r.pop("body")
            row = Attachment(run_id=run_id, stored=body is not None, **r)
            s.add(row)
            if body is not None:
                s.flush()
                s.add(AttachmentSnapshot(attachment_id=row.id, run_id=run_id,
                                         body=zlib.compress(body, 6)))
                stored += 1
        prune(s, int(getattr(settings, "snapshot_runs", 0) or 0))
    return stored


def prune(s: Any, keep_runs: int) -> int:
    """Drop attachment bodies except each site's newest ``keep_runs`` runs (0 keeps all),
    as ``store.ops.prune_snapshots`` does for pages."""
    if keep_runs <= 0:
        return 0
    stored = (select(Attachment.site_id, Attachment.run_id).distinct()
              .where(Attachment.stored.is_(True)).subquery())
    ranked = select(stored.c.site_id, stored.c.run_id,
                    func.dense_rank().over(partition_by=stored.c.site_id,
                                           order_by=stored.c.run_id.desc()).label("n")
                    ).subquery()
    dropped = 0
    for site_id, run_id in s.execute(select(ranked.c.site_id, ranked.c.run_id)
                                     .where(ranked.c.n > keep_runs)).all():
        ids = select(Attachment.id).where(Attachment.run_id == run_id,
                                          Attachment.site_id == site_id)
        dropped += s.execute(delete(AttachmentSnapshot).where(
            AttachmentSnapshot.attachment_id.in_(ids))).rowcount or 0
        s.execute(Attachment.__table__.update().where(
            Attachment.run_id == run_id, Attachment.site_id == site_id).values(stored=False))
    return dropped
