"""Derive a site's page facts from one run's stored pages and store them.

After the crawl and before the rules (``checks/runner.py`` calls :func:`derive_site` for
each site, then runs the rules on what it stored), for every HTML page the page scan read:

* the footer identifiers it shows with their values (``parse.identity``), its own plus
  those of the footer scripts it loads (carrier ``script_file``, stored by the crawl) and
  the footer frames it embeds (``iframe``) — the rules no longer recompute them;
* whether it is a *content page*: a redirect, a crawl-trap page (a path the trap guard cut
  for too many query variants: endless calendars, query explosions), a page reached only
  as a frame, or a page carrying none of the site's template links (popups, print views)
  never makes a site "miss" an identifier;
* its publish date and date source (byline > URL > meta), title and column;

and per site the CMS family and how many content pages show each identifier.

Rows are replaced when a run is derived again (derived data; the crawl data stays).
"""

from __future__ import annotations

import math
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from parse import charset
from parse.identity import ITEMS, PageIdentity, read_page, read_script
from parse.page import PageView, is_document
from store.models import IdentityValue, Link, Page, PageFact, Run, Site, SiteFact, Snapshot

SAMPLE = 5
TEMPLATE_SAMPLE = 40
CODE_PLACES = {"html": "footer", "script": "footer", "script_file": "footer",
               "iframe": "footer", "meta": "meta", "jiucuo": "jiucuo"}


@dataclass
class Derived:
    """What :func:`derive_site` stored, for callers that want numbers (tests, bench)."""

    pages: int = 0
    content_pages: int = 0
    dated_pages: int = 0
    cms: str | None = None
    shown: dict[str, int] = field(default_factory=dict)
    excluded: Counter = field(default_factory=Counter)


def trap_paths(records: list[Any], cap: int, max_depth: int) -> set[str]:
    """host+path of the crawl traps among the pages: paths crawled with ``cap`` query
    variants (where the trap guard stops a query explosion), and chains of query variants
    that reached the depth limit one level per variant (an endless calendar's "next
    month"; a list's own pages stay at the list's depth, articles spread over few depths).
    Article pages never count: ``show.asp?id=N`` articles are content however many there
    are (the guard may have cut them, which makes them fewer, not traps)."""
    variants: dict[str, set[str]] = defaultdict(set)
    depths: dict[str, set[int]] = defaultdict(set)
    for r in records:
        parts = urlsplit(r.url)
        if parts.query and r.kind != "article":
            key = parts.netloc + parts.path
            variants[key].add(parts.query)
            depths[key].add(r.depth)
    out = set()
    for path, queries in variants.items():
        n = len(queries)
        if n >= cap or (n >= 5 and max(depths[path]) >= max_depth
                        and len(depths[path]) >= 0.8 * n):
            out.add(path)
    return out


def _template_counts(session: Session, run_id: int, site_id: int,
                     page_ids: list[int]) -> dict[int, int] | None:
    """page id -> how many of the site's template links (targets on at least half of a
    sample of its pages: menus, footers) the page carries; None when the site has too few
    pages or template links to tell."""
    if len(page_ids) < 10:
        return None
    step = max(1, len(page_ids) // TEMPLATE_SAMPLE)
    sample = page_ids[::step][:TEMPLATE_SAMPLE]
    rows = session.execute(select(Link.page_id, Link.target).where(
        Link.page_id.in_(sample), Link.tag == "a").distinct())
    counts = Counter(target for _, target in rows)
    need = max(3, math.ceil(len(sample) * 0.5))
    template = sorted(t for t, c in counts.items() if c >= need)
    if len(template) < 3:
        return None
    out: dict[int, int] = {}
    for i in range(0, len(template), 400):
        q = (select(Link.page_id, func.count(func.distinct(Link.target)))
             .where(Link.run_id == run_id, Link.site_id == site_id, Link.tag == "a",
                    Link.target.in_(template[i:i + 400]))
             .group_by(Link.page_id))
        for page_id, n in session.execute(q):
            out[page_id] = out.get(page_id, 0) + n
    return out


class _Linked:
    """Identifiers of footer scripts and frames, read once per run and URL."""

    def __init__(self, session: Session, run_id: int, scanned: dict[str, PageIdentity]):
        self.session = session
        self.run_id = run_id
        self.scanned = scanned
        self.cache: dict[tuple[str, bool], PageIdentity | None] = {}

    def _stored(self, url: str) -> tuple[Page, str] | None:
        page = self.session.scalars(select(Page).where(
            Page.run_id == self.run_id, Page.url == url, Page.status >= 200,
            Page.status < 300)).first()
        if page is None:
            return None
        body = self.session.scalar(select(Snapshot.body).where(Snapshot.page_id == page.id))
        if body is None:
            return None
        return page, charset.decode(zlib.decompress(body), page.encoding)

    def get(self, url: str, frame: bool) -> PageIdentity | None:
        key = (url, frame)
        if key in self.cache:
            return self.cache[key]
        self.cache[key] = None  # frames that include each other
        facts = self.scanned.get(url) if frame else None
        if facts is None:
            stored = self._stored(url)
            if stored is not None:
                page, body = stored
                if "html" in (page.content_type or "").lower():
                    if is_document(body) or frame:
                        facts = read_page(PageView(url=url, html=body, page_id=page.id))
                else:
                    facts = read_script(body)
        if facts is not None and frame:
            merged = PageIdentity()
            merged.merge(facts, "iframe")
            for src in facts.script_srcs:
                sub = self.get(src, frame=False)
                if sub is not None:
                    merged.merge(sub, "iframe")
            facts = merged
        self.cache[key] = facts
        return facts


def effective(own: PageIdentity, linked: _Linked) -> tuple[PageIdentity, dict[tuple, str]]:
    """The page's identifiers with its footer scripts and frames; and for values that came
    from a script or frame, the URL they came from."""
    facts = PageIdentity()
    facts.merge(own)
    sources: dict[tuple, str] = {}
    for url, frame in [(u, False) for u in own.script_srcs] + [(u, True) for u in own.frame_srcs]:
        extra = linked.get(url, frame)
        if extra is None:
            continue
        before = set(facts.found)
        facts.merge(extra, "iframe" if frame else "script_file")
        for key in facts.found:
            if key not in before:
                sources.setdefault(key, url)
    return facts, sources


def derive_site(session: Session, run: Run, site: Site, scan: Any) -> Derived | None:
    """Store the page facts, identity values and site facts of ``site`` in ``run`` from
    ``scan`` (``derive.scan.SiteScan``: one parse per page, shared with the rules).
    None when the run's snapshots of the site are gone: earlier facts stay as they were."""
    for family in ("identity", "page"):
        if family in scan.errors:
            raise RuntimeError(scan.errors[family])
    run_id, site_id = run.id, site.id
    if not scan.pages and session.scalar(select(func.count(Page.id)).where(
            Page.run_id == run_id, Page.site_id == site_id, Page.status >= 200,
            Page.status < 300, Page.content_type.ilike("%html%"))):
        return None  # pages without snapshots (aged out): keep what was derived before
    for table in (PageFact, IdentityValue, SiteFact):  # derived data: replaced
        session.execute(delete(table).where(table.run_id == run_id, table.site_id == site_id))
    records = [r for r in scan.pages if "identity" in r.facts]
    options = run.options or {}
    traps = trap_paths(records, int(options.get("max_query_variants") or 100),
                       int(options.get("max_depth") or 8))
    templates = _template_counts(session, run_id, site_id,
                                 [r.page_id for r in records if not r.frame_only])
    linked = _Linked(session, run_id, {r.url: r.facts["identity"] for r in records})
    out = Derived(pages=len(records))
    values: dict[tuple[str, str, str], dict[str, Any]] = {}
    cms_votes: Counter = Counter()
    rows = []
    for r in records:
        info = r.facts["page"]
        excluded = _excluded(r, traps, templates)
        facts, sources = effective(r.facts["identity"], linked)
        shown, codes = _tally(r, facts, sources, excluded is None, values)
        if excluded is None:
            out.content_pages += 1
            for item in shown:
                out.shown[item] = out.shown.get(item, 0) + 1
        else:
            out.excluded[excluded] += 1
        if info.date is not None:
            out.dated_pages += 1
        if info.cms:
            cms_votes[info.cms] += 1
        kind = "home" if r.is_home else (r.kind or "other")
        rows.append({"run_id": run_id, "site_id": site_id, "page_id": r.page_id,
                     "url": r.url, "title": r.title or None, "kind": kind,
                     "content": excluded is None, "excluded": excluded, "date": info.date,
                     "date_source": info.date_source, "column": info.column,
                     "items": shown, "codes": codes or None})
    for i in range(0, len(rows), 1000):
        session.execute(insert(PageFact), rows[i:i + 1000])
    if values:
        session.execute(insert(IdentityValue), [
            {"run_id": run_id, "site_id": site_id, **v} for v in values.values()])
    # the family most pages show, if at least a third of them do; else a plain site
    top = cms_votes.most_common(1)
    out.cms = (top[0][0] if top and top[0][1] * 3 >= len(records)
               else ("static" if records else None))
    session.add(SiteFact(run_id=run_id, site_id=site_id, cms=out.cms, pages=out.pages,
                         content_pages=out.content_pages, dated_pages=out.dated_pages,
                         shown=out.shown, derived_at=datetime.now()))
    session.flush()
    return out


def _excluded(r: Any, traps: set[str], templates: dict[int, int] | None) -> str | None:
    """Why a scanned page is not a content page (None: it is one)."""
    parts = urlsplit(r.url)
    if r.is_home:
        return None
    if r.frame_only:
        return "frame"
    if r.redirected:
        return "redirect"
    if parts.query and r.kind != "article" and parts.netloc + parts.path in traps:
        return "trap"
    if (templates is not None and templates.get(r.page_id, 0) == 0
            and r.kind not in ("article", "column")):
        return "outside"
    return None


def _tally(r: Any, facts: PageIdentity, sources: dict[tuple, str], content: bool,
           values: dict[tuple[str, str, str], dict[str, Any]]
           ) -> tuple[list[str], dict[str, list[str]]]:
    """(items the page shows, site codes by place); a content page's values are counted
    into ``values`` (pages, first page, source, sample)."""
    shown = sorted(facts.shown(), key=ITEMS.index)
    codes: dict[str, list[str]] = {}
    for item, value, carrier in facts.found:
        if item == "site_code":
            place = codes.setdefault(CODE_PLACES[carrier], [])
            if value not in place:
                place.append(value)
        if not content:
            continue
        entry = values.get((item, value, carrier))
        if entry is None:
            entry = values[(item, value, carrier)] = {
                "item": item, "value": value[:200], "carrier": carrier, "pages": 0,
                "page_url": r.url, "source_url": sources.get((item, value, carrier)),
                "sample": []}
        entry["pages"] += 1
        if len(entry["sample"]) < SAMPLE:
            entry["sample"].append(r.url)
    return shown, codes
