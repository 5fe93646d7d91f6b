"""StorePipeline: batched writes of crawled pages, their links, snapshots and checks.

Writes happen in batches (one transaction each), so the store is not the bottleneck and a
kill between batches leaves only whole batches behind.
"""

from __future__ import annotations

import logging
import time
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select, update

from parse.privacy import redact  # personal numbers never stored in clear (issue 17)
from store.bulk import insert_many
from store.db import open_store
from store.models import Link, LinkCheck, Page, RunSite, Site, Snapshot

log = logging.getLogger(__name__)

# Two crawl workers write to one SQLite file: every transaction after the other worker's
# commit starts with a cold page cache. A fast crawl writes up to 1,000 pages a batch
# (was 200): insert CPU 0.72 -> 0.44 ms/page with two writers on a 50k-page store. A slow
# one (under SMALL_BATCH pages in BATCH_SECONDS) still writes every 2 s: progress shows,
# and a kill loses little.
BATCH_PAGES = 1000
SMALL_BATCH = 200
SNAPSHOT_LEVEL = 6  # zlib level of stored page bodies
PAGES, LINKS, SNAPSHOTS, CHECKS = (Page.__table__, Link.__table__, Snapshot.__table__,
                                   LinkCheck.__table__)
RUN_SITES = RunSite.__table__
BATCH_SECONDS = 2.0
MAX_BATCH_SECONDS = 10.0
REPORT_SECONDS = 1.0  # progress for the live display, between batches
RUN_SITE_COUNTERS = ("pages", "errors", "depth_limited", "trap_pruned", "robots_disallowed",
                     "links_verified")


class StorePipeline:
    def __init__(self, db_url: str, crawler=None):  # noqa: ANN001
        self.db_url = db_url
        self.crawler = crawler
        self.pages: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.reuses: list[dict[str, Any]] = []  # copies of stored pages (incremental runs)
        self.written: dict[str, dict[str, Any]] = {}  # RunSite counters as last stored
        self.last_flush = self.last_report = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        db_url = crawler.settings.get("GOVMON_DB")
        if not db_url:  # `scrapy crawl site` (crawler/workspace.py): pages go to feed exports
            from scrapy.exceptions import NotConfigured  # (verify workers do without Scrapy)

            raise NotConfigured("no GOVMON_DB")
        return cls(db_url, crawler)

    def open_spider(self, spider=None) -> None:  # noqa: ANN001
        self.session_factory = open_store(self.db_url, upgrade=False)
        owner = spider or (self.crawler.spider if self.crawler else None)
        if owner is not None and hasattr(owner, "store_pipeline"):
            owner.store_pipeline = self  # carried-over pages come from the spider's idle time
        with self.session_factory() as s:
            self.site_ids = dict(s.execute(select(Site.code, Site.id)).all())

    def process_item(self, item: dict[str, Any], spider=None) -> dict[str, Any]:  # noqa: ANN001
        if item["_type"] == "page":
            self.pages.append(item)
        elif item["_type"] == "check":
            self.checks.append(item)
        elif item["_type"] == "reuse":
            self.reuses.append(item)
        now = time.monotonic()
        size = len(self.pages) + len(self.checks) // 20 + len(self.reuses) // 4
        waited = now - self.last_flush
        if (size >= BATCH_PAGES or waited > MAX_BATCH_SECONDS
                or (waited > BATCH_SECONDS and size < SMALL_BATCH)):
            self.flush(spider)
        elif now - self.last_report > REPORT_SECONDS:
            self._report(spider)
        return {}

    def close_spider(self, spider=None) -> None:  # noqa: ANN001
        self.flush(spider)

    def flush(self, spider=None) -> None:  # noqa: ANN001
        spider = spider or (self.crawler.spider if self.crawler else None)
        self.last_flush = time.monotonic()
        if not self.pages and not self.checks and not self.reuses:
            self._report(spider)
            return
        now = datetime.now()
        pages, self.pages = self.pages, []
        checks, self.checks = self.checks, []
        reuses, self.reuses = self.reuses, []
        # Rows are built (and snapshots compressed) before the transaction: with SQLite the
        # other workers wait for the write lock while it is held. Core inserts, not the
        # ORM's bulk path: the ORM spent more time per row than SQLite did.
        rows, snaps, links = [], [], []
        for p in pages:
            site_id = self.site_ids[p["site"]]
            rows.append({
                "run_id": p["run_id"], "site_id": site_id, "url": p["url"],
                "final_url": _cut(p["final_url"]), "status": p["status"],
                "content_type": p["content_type"], "encoding": p["encoding"],
                "title": redact(p["title"]), "size": p["size"], "fetched_at": now,
                "elapsed_ms": p["elapsed_ms"], "depth": p["depth"],
                "referrer": _cut(p["referrer"]), "content_hash": p["content_hash"],
                "error": p["error"], "soft404": p["soft404"],
                "etag": p.get("etag"), "last_modified": p.get("last_modified"),
            })
            snaps.append({"page_id": None, "run_id": p["run_id"],
                          "body": zlib.compress(p["body"], SNAPSHOT_LEVEL),
                          "compression": "zlib"} if p["body"] else None)
            links.append([{
                "run_id": p["run_id"], "site_id": site_id, "page_id": None,
                "target": t[:2048], "tag": tag, "attr": attr,
                "anchor": redact(anchor)[:500] if anchor else None, "kind": kind,
            } for t, tag, attr, anchor, kind in p["links"]])
        check_rows = []
        for c in checks:
            row = {k: v for k, v in c.items() if k not in ("_type", "site")}
            row["checked_at"] = now
            if row.get("title"):
                row["title"] = redact(row["title"])
            check_rows.append(row)
        with self.session_factory.begin() as s:
            conn = s.connection()
            if rows:
                rows, snaps, links = _new_pages(conn, rows, snaps, links)
            if rows:
                ids = conn.execute(insert(PAGES).returning(PAGES.c.id,
                                                           sort_by_parameter_order=True),
                                   rows).scalars().all()
                snap_rows, link_rows = [], []
                for page_id, snap, page_links in zip(ids, snaps, links, strict=True):
                    if snap is not None:
                        snap["page_id"] = page_id
                        snap_rows.append(snap)
                    for link in page_links:
                        link["page_id"] = page_id
                    link_rows.extend(page_links)
                insert_many(conn, SNAPSHOTS, snap_rows)
                insert_many(conn, LINKS, link_rows)
            if reuses:
                reuses = [reuses[i] for i in _not_stored(conn, reuses)]
            if reuses:
                _copy_pages(conn, reuses, now)
            if check_rows:
                _insert_new_checks(conn, check_rows)
            self._update_run_sites(conn, spider)
        self._report(spider)

    def _update_run_sites(self, conn, spider) -> None:  # noqa: ANN001
        stats = getattr(spider, "stats_by_site", None)
        if not stats:
            return
        for code, st in stats.items():
            values: dict[str, Any] = {k: st[k] for k in RUN_SITE_COUNTERS if k in st}
            if "budget_exhausted" in st:
                values["budget_exhausted"] = bool(st["budget_exhausted"])
            if not values or self.written.get(code) == values:
                continue  # nothing new for this site since the last batch
            conn.execute(update(RUN_SITES).where(RUN_SITES.c.run_id == spider.run_id,
                                                 RUN_SITES.c.site_id == self.site_ids[code])
                         .values(**values))
            self.written[code] = values

    def _report(self, spider) -> None:  # noqa: ANN001
        self.last_report = time.monotonic()
        progress = getattr(spider, "progress", None)
        stats = getattr(spider, "stats_by_site", None)
        if progress is None or stats is None:
            return
        try:
            progress.put({code: dict(st) for code, st in stats.items()})
        except (OSError, ValueError):
            pass


# Copies of a stored page's snapshot and links under a new page id (one statement per page,
# executed as one batch): the bytes stay compressed, nothing is parsed again.
_COPY_SNAPSHOT = insert(SNAPSHOTS).from_select(
    ["page_id", "run_id", "body", "compression"],
    select(bindparam("new", type_=Integer), bindparam("run", type_=Integer),
           SNAPSHOTS.c.body, SNAPSHOTS.c.compression)
    .where(SNAPSHOTS.c.page_id == bindparam("old", type_=Integer)))
_COPY_LINKS = insert(LINKS).from_select(
    ["run_id", "site_id", "page_id", "target", "tag", "attr", "anchor", "kind", "hidden"],
    select(bindparam("run", type_=Integer), LINKS.c.site_id, bindparam("new", type_=Integer),
           LINKS.c.target, LINKS.c.tag, LINKS.c.attr, LINKS.c.anchor, LINKS.c.kind,
           LINKS.c.hidden)
    .where(LINKS.c.page_id == bindparam("old", type_=Integer)).order_by(LINKS.c.id))
_KEPT = [c.name for c in PAGES.c if c.name != "id"]


def _copy_pages(conn, reuses: list[dict[str, Any]], now: datetime) -> None:  # noqa: ANN001
    """Pages of an incremental run that are the stored ones (304, same content hash,
    carried over): their rows, snapshots and links copied from the stored page."""
    source = {}
    ids = sorted({r["from_page"] for r in reuses})
    for i in range(0, len(ids), 500):
        for row in conn.execute(select(PAGES).where(PAGES.c.id.in_(ids[i:i + 500]))):
            source[row.id] = row._mapping
    rows = []
    for r in reuses:
        old = source[r["from_page"]]
        row = {name: old[name] for name in _KEPT}
        row.update(run_id=r["run_id"], depth=r["depth"], referrer=_cut(r["referrer"]),
                   reused=r["mode"], reused_from=r["from_page"])
        if r["mode"] != "carried":  # asked tonight: answered now, in this time
            row.update(fetched_at=now, elapsed_ms=r["elapsed_ms"],
                       etag=r["etag"] or old["etag"],
                       last_modified=r["last_modified"] or old["last_modified"])
        rows.append(row)
    new_ids = conn.execute(insert(PAGES).returning(PAGES.c.id, sort_by_parameter_order=True),
                           rows).scalars().all()
    params = [{"new": new, "run": r["run_id"], "old": r["from_page"]}
              for new, r in zip(new_ids, reuses, strict=True)]
    conn.execute(_COPY_SNAPSHOT, params)
    conn.execute(_COPY_LINKS, params)


def _new_pages(conn, rows: list[dict[str, Any]], snaps: list[Any],  # noqa: ANN001
               links: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """The batch's pages less those the run has stored already (UNIQUE(run, url)), with
    their snapshots and links: one page asked for twice (a resumed crawl, a job taken over
    from a worker that died after its write) must not take the whole batch down with it,
    as one duplicate check must not (``_insert_new_checks``). One indexed query a batch."""
    keep = _not_stored(conn, rows)
    if len(keep) == len(rows):
        return rows, snaps, links
    return [rows[i] for i in keep], [snaps[i] for i in keep], [links[i] for i in keep]


def _not_stored(conn, items: list[dict[str, Any]]) -> list[int]:  # noqa: ANN001
    """Indexes of the items (pages or reused pages: ``run_id``, ``url``) whose URL the
    run has not stored yet, the first of two in one batch included."""
    by_run: dict[int, list[str]] = {}
    for r in items:
        by_run.setdefault(r["run_id"], []).append(r["url"])
    stored: set[tuple[int, str]] = set()
    for run_id, urls in by_run.items():
        stored.update((run_id, u) for u in conn.execute(
            select(PAGES.c.url).where(PAGES.c.run_id == run_id,
                                      PAGES.c.url.in_(urls))).scalars())
    if not stored and len({(r["run_id"], r["url"]) for r in items}) == len(items):
        return list(range(len(items)))
    keep: list[int] = []
    for i, r in enumerate(items):
        key = (r["run_id"], r["url"])
        if key not in stored:
            stored.add(key)
            keep.append(i)
    log.warning("%d page(s) already stored in the run were not written again",
                len(items) - len(keep))
    return keep


def _insert_new_checks(conn, rows: list[dict[str, Any]]) -> None:  # noqa: ANN001
    """INSERT of link checks that skips a target already checked in the run: one check
    per target is the rule (UNIQUE(run, target)), and one duplicate — e.g. a worker killed
    between its write and its report — must not take the whole batch (pages included)
    down with it (on SQLite and PostgreSQL; see store.bulk)."""
    insert_many(conn, CHECKS, rows, ignore_conflicts=True)


def _cut(url: str | None, limit: int = 2048) -> str | None:
    """URL columns hold 2,048 characters; PostgreSQL refuses longer ones (and with
    them the whole batch), so a monstrous redirect target is cut, not fatal."""
    return url[:limit] if url else url
