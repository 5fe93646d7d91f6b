"""Incremental runs: what an earlier crawl of each site lets tonight's crawl skip.

A run is ``full`` (every page fetched and read) or ``incremental``. In an incremental run
the homepage, list pages (paging, JSON lists, boards) and every page the previous crawl
did not read as an article are fetched and read as in a full crawl. An article the
previous crawl stored (fetched fine, snapshot kept) is instead

* revalidated when a page that changed links to it anew: a conditional request
  (``If-None-Match`` / ``If-Modified-Since``); a 304, or a 200 whose body has the stored
  content hash, makes it a copy of the stored page (row, links, snapshot: no parse, no
  compression) and its stored links are followed;
* carried over without a request when only unchanged links lead to it — on pages with
  the stored content, or with the anchor text some page of the base run gave it (a list
  that only shifted by a new item) — and its last real fetch is at most
  ``carry_max_days`` old (``pages.reused = 'carried'``, ``fetched_at`` of that fetch).
  Carried pages are taken up once nothing else is left to download, so a changed page
  that also links to one anew still has it revalidated.

An article edited without a new title on any list is therefore seen when its carry-over
age runs out or by the next full crawl, not the same night: the price of not asking for
every article every night. ``carry_max_days: 0`` revalidates every stored article.

The base of a site is its newest complete crawl that was checked (its page facts say
which pages are articles); a site without one is crawled in full. The nightly job crawls
in full when the last full crawl is ``full_crawl_every_days`` old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Link, Page, PageFact, Run, RunSite, Site, SiteFact, Snapshot

MODES = ("full", "incremental")
FINISHED = ("complete", "partial")


@dataclass(frozen=True, slots=True)
class PrevPage:
    """A page of the base run, as much as tonight's crawl needs of it."""

    page_id: int
    depth: int
    final_url: str | None
    content_hash: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: float  # POSIX seconds of its last real fetch
    eligible: bool  # an article stored whole: may be revalidated or carried over

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def base_runs(session: Session, codes: list[str]) -> dict[str, int]:
    """Per site code: the newest finished run that crawled the site completely and was
    checked (its page facts exist). Sites without one are absent (crawled in full)."""
    ids = dict(session.execute(select(Site.code, Site.id).where(Site.code.in_(codes))).all())
    by_id = {v: k for k, v in ids.items()}
    rows = session.execute(
        select(RunSite.site_id, RunSite.run_id)
        .join(Run, Run.id == RunSite.run_id)
        .join(SiteFact, (SiteFact.run_id == RunSite.run_id)
              & (SiteFact.site_id == RunSite.site_id))
        .where(RunSite.site_id.in_(list(by_id)), RunSite.complete.is_(True),
               Run.status.in_(FINISHED))
        .order_by(RunSite.run_id))
    return {by_id[site_id]: run_id for site_id, run_id in rows}  # the newest one wins


def load_previous(session: Session, base: dict[str, int]
                  ) -> tuple[dict[str, PrevPage], set[tuple[str, str | None]]]:
    """URL -> PrevPage of every page of the base runs of ``base`` (site code -> run), and
    the (target, anchor text) pairs of their links to articles that may be carried."""
    ids = dict(session.execute(select(Site.code, Site.id)).all())
    out: dict[str, PrevPage] = {}
    anchors: set[tuple[str, str | None]] = set()
    for code, run_id in base.items():
        rows = session.execute(
            select(Page.id, Page.url, Page.depth, Page.final_url, Page.status,
                   Page.content_hash, Page.etag, Page.last_modified, Page.fetched_at,
                   Page.soft404, PageFact.kind, Snapshot.page_id)
            .outerjoin(PageFact, PageFact.page_id == Page.id)
            .outerjoin(Snapshot, Snapshot.page_id == Page.id)
            .where(Page.run_id == run_id, Page.site_id == ids[code]))
        for (pid, url, depth, final, status, digest, etag, modified, fetched, soft404,
             kind, snap) in rows:
            eligible = (200 <= status < 300 and snap is not None and kind == "article"
                        and digest is not None and not soft404)
            out[url] = PrevPage(pid, depth, final, digest, etag, modified,
                                fetched.timestamp(), eligible)
        # Through the site's pages (then links by page): SQLite without statistics read
        # links by (run_id, target) instead, scanning the whole run's links once per site
        # (4.2 s CPU for the 10k bench store's 20 sites; this way 0.5 s).
        for target, anchor in session.execute(
                select(Link.target, Link.anchor).distinct()
                .join(Page, Page.id == Link.page_id)
                .where(Page.run_id == run_id, Page.site_id == ids[code],
                       Link.tag.in_(("a", "area")))):
            known = out.get(target)
            if known is not None and known.eligible:
                anchors.add((target, anchor))
    return out, anchors


def choose_mode(session: Session, full_every_days: int, now: datetime | None = None) -> str:
    """The nightly job's mode: full when no full crawl finished within
    ``full_every_days`` (0: always), incremental otherwise."""
    if full_every_days <= 0:
        return "full"
    since = (now or datetime.now()) - timedelta(days=full_every_days)
    for options in session.scalars(select(Run.options).where(
            Run.status.in_(FINISHED), Run.started_at >= since)):
        if (options or {}).get("mode", "full") == "full":
            return "incremental"
    return "full"


def spider_options(mode: str, base: dict[str, int], codes: list[str],
                   carry_max_days: float) -> dict[str, Any] | None:
    """What a crawl worker's spider needs of an incremental run (None: a full run)."""
    if mode != "incremental":
        return None
    return {"base_runs": {c: base[c] for c in codes if c in base},
            "carry_max_days": carry_max_days}
