"""StorePipeline: batched writes of crawled pages, their links, snapshots and checks.

Writes happen in batches (one transaction each), so the store is not the bottleneck and a
kill between batches leaves only whole batches behind.
"""

from __future__ import annotations

import time
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from store.db import open_store
from store.models import Link, LinkCheck, Page, RunSite, Site, Snapshot

BATCH_PAGES = 200
BATCH_SECONDS = 2.0
RUN_SITE_COUNTERS = ("pages", "errors", "depth_limited", "trap_pruned", "robots_disallowed",
                     "links_verified")


class StorePipeline:
    def __init__(self, db_url: str, crawler=None):  # noqa: ANN001
        self.db_url = db_url
        self.crawler = crawler
        self.pages: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler.settings.get("GOVMON_DB"), crawler)

    def open_spider(self, spider=None) -> None:  # noqa: ANN001
        self.session_factory = open_store(self.db_url, upgrade=False)
        with self.session_factory() as s:
            self.site_ids = dict(s.execute(select(Site.code, Site.id)).all())

    def process_item(self, item: dict[str, Any], spider=None) -> dict[str, Any]:  # noqa: ANN001
        if item["_type"] == "page":
            self.pages.append(item)
        elif item["_type"] == "check":
            self.checks.append(item)
        if (len(self.pages) + len(self.checks) // 20 >= BATCH_PAGES
                or time.monotonic() - self.last_flush > BATCH_SECONDS):
            self.flush(spider)
        return {}

    def close_spider(self, spider=None) -> None:  # noqa: ANN001
        self.flush(spider)

    def flush(self, spider=None) -> None:  # noqa: ANN001
        spider = spider or (self.crawler.spider if self.crawler else None)
        self.last_flush = time.monotonic()
        if not self.pages and not self.checks:
            self._report(spider)
            return
        now = datetime.now()
        pages, self.pages = self.pages, []
        checks, self.checks = self.checks, []
        with self.session_factory.begin() as s:
            if pages:
                rows = [{
                    "run_id": p["run_id"], "site_id": self.site_ids[p["site"]], "url": p["url"],
                    "final_url": p["final_url"], "status": p["status"],
                    "content_type": p["content_type"], "encoding": p["encoding"],
                    "title": p["title"], "size": p["size"], "fetched_at": now,
                    "elapsed_ms": p["elapsed_ms"], "depth": p["depth"],
                    "referrer": p["referrer"], "content_hash": p["content_hash"],
                    "error": p["error"], "soft404": p["soft404"],
                } for p in pages]
                ids = s.scalars(insert(Page).returning(Page.id, sort_by_parameter_order=True),
                                rows).all()
                snaps, links = [], []
                for page_id, p in zip(ids, pages, strict=True):
                    site_id = self.site_ids[p["site"]]
                    if p["body"]:
                        snaps.append({"page_id": page_id, "run_id": p["run_id"],
                                      "body": zlib.compress(p["body"], 6),
                                      "compression": "zlib"})
                    links.extend({
                        "run_id": p["run_id"], "site_id": site_id, "page_id": page_id,
                        "target": t[:2048], "tag": tag, "attr": attr,
                        "anchor": anchor[:500] if anchor else None, "kind": kind,
                    } for t, tag, attr, anchor, kind in p["links"])
                if snaps:
                    s.execute(insert(Snapshot), snaps)
                if links:
                    s.execute(insert(Link), links)
            if checks:
                s.execute(insert(LinkCheck), [
                    {k: v for k, v in c.items() if k not in ("_type", "site")} | {
                        "checked_at": now} for c in checks])
            self._update_run_sites(s, spider)
        self._report(spider)

    def _update_run_sites(self, s, spider) -> None:  # noqa: ANN001
        stats = getattr(spider, "stats_by_site", None)
        if not stats:
            return
        for code, st in stats.items():
            values: dict[str, Any] = {k: st[k] for k in RUN_SITE_COUNTERS if k in st}
            if "budget_exhausted" in st:
                values["budget_exhausted"] = bool(st["budget_exhausted"])
            if not values:
                continue
            s.execute(update(RunSite).where(RunSite.run_id == spider.run_id,
                                            RunSite.site_id == self.site_ids[code])
                      .values(**values))

    def _report(self, spider) -> None:  # noqa: ANN001
        progress = getattr(spider, "progress", None)
        stats = getattr(spider, "stats_by_site", None)
        if progress is None or stats is None:
            return
        try:
            progress.put({code: dict(st) for code, st in stats.items()})
        except (OSError, ValueError):
            pass
