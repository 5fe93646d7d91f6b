"""Link checks that need no request: a crawled page is the check of its URL.

After the crawl phase every distinct link target of the run gets a ``LinkCheck`` row from the
page the crawl fetched for it (``method='crawl'``); what is left goes to the verifier. Also
the per-site counts of verified and broken targets the run summary shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select

from crawler.outcomes import is_transient, status_verdict
from store.bulk import insert_many
from store.models import Link, LinkCheck, Page, Site


def checks_from_pages(sessions: Any, run_id: int) -> list[tuple[str, str]]:
    """Store checks for targets the crawl already fetched; return the rest to verify,
    (target, site code) sorted by target.

    A crawled page is its own verification, except when it failed transiently: those
    go to the verifier to be tried again. Memory stays flat in the run's size: the pages
    that are link targets are picked in SQL and streamed, their checks written every
    ``CHUNK`` rows, and only the targets left are held (all of a 200k-page run's targets
    in a dict and its ~200k check rows in a list made the crawl command the largest
    process of the run, growing 1.6 MB per 1,000 pages).
    """
    now = datetime.now()
    with sessions.begin() as s:
        conn = s.connection()
        linked = exists().where(Link.run_id == run_id, Link.target == Page.url)
        pages = s.execute(select(Page.url, Page.status, Page.error, Page.soft404,
                                 Page.final_url, Page.content_type, Page.elapsed_ms)
                          .where(Page.run_id == run_id, linked)
                          .execution_options(yield_per=CHUNK))
        rows: list[dict[str, Any]] = []
        for url, status, error, soft404, final, ctype, elapsed in pages:
            if status:
                outcome, err = status_verdict(status)
                if outcome == "ok" and soft404:
                    outcome, err = "broken", "soft404"
            elif error == "too_large":  # the page exists, it is only big (as in verify)
                outcome, err = "ok", error
            else:
                outcome, err = ("skipped" if error in ("private", "robots") else "broken",
                                error)
            if is_transient(err):
                continue  # re-verify later in the run
            rows.append({"run_id": run_id, "target": url, "outcome": outcome,
                         "status": status, "error_class": err, "method": "crawl",
                         "redirects": [], "final_url": final, "content_type": ctype,
                         "elapsed_ms": elapsed, "attempts": 1, "checked_at": now})
            if len(rows) >= CHUNK:
                # a target a resumed run checked already keeps its check (ON CONFLICT)
                insert_many(conn, LinkCheck.__table__, rows, ignore_conflicts=True)
                rows = []
        insert_many(conn, LinkCheck.__table__, rows, ignore_conflicts=True)
        # Each distinct target still unchecked, with the site of its first link row,
        # picked in SQL: streaming every link row (25 a page) through Python took most
        # of this step.
        codes = dict(s.execute(select(Site.id, Site.code)).all())
        first = (select(func.min(Link.id)).where(Link.run_id == run_id)
                 .group_by(Link.target).scalar_subquery())
        checked = exists().where(LinkCheck.run_id == run_id, LinkCheck.target == Link.target)
        return [(target, codes[site_id]) for target, site_id in s.execute(
            select(Link.target, Link.site_id).where(Link.id.in_(first), ~checked)
            .order_by(Link.target))]


CHUNK = 5000  # check rows written at a time


def link_counts_by_site(s, run_id: int) -> dict[int, tuple[int, int]]:  # noqa: ANN001
    """site id -> (distinct targets verified, of which broken) among the links on the
    site's pages. One grouped query: one per site scanned all of the run's links each time
    (half a minute for 50,000 pages)."""
    targets = (select(Link.site_id, Link.target).where(Link.run_id == run_id)
               .distinct().subquery())
    rows = s.execute(select(targets.c.site_id, LinkCheck.outcome, func.count())
                     .join(targets, targets.c.target == LinkCheck.target)
                     .where(LinkCheck.run_id == run_id)
                     .group_by(targets.c.site_id, LinkCheck.outcome))
    out: dict[int, tuple[int, int]] = {}
    for site_id, outcome, n in rows:
        verified, broken = out.get(site_id, (0, 0))
        out[site_id] = (verified + n, broken + (n if outcome == "broken" else 0))
    return out
