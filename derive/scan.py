"""One parse per page: the derive step's page facts and the rules' page extractors.

The derive step (footer identifiers, page dates: :data:`EXTRACTORS`) and the page-content
rules (meta tags, search, typos, secret markings, guides, hidden links: each rule's
``page_facts``) all read every crawled HTML page of a site. Parsing each page once per
reader would cost seven or eight lxml parses per page; instead :func:`scan_pages` parses
each page once (``parse.page.PageView``), hands it to every extractor and keeps only their
small results, per page (:class:`PageRecord`). ``derive.pool`` runs the scans of the next
sites in worker processes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from derive.posture import extract as posture_extract
from derive.source import SiteSource, cluster_scopes, site_scopes
from parse import charset, governance, identity, pageinfo, privacy
from parse.page import HOME_ALIAS, PageView, is_document
from parse.urls import in_scopes
from store.models import Link, Page, Snapshot

PageExtractor = Callable[[PageView], Any]  # a rule's page_facts: module-level (pickled)

# Page understanding the derive step stores: name -> extractor(view, record).
EXTRACTORS: dict[str, Callable[[PageView, Any], Any]] = {
    "identity": lambda view, record: identity.read_page(view),
    "page": lambda view, record: pageinfo.read(view, "home" if record.is_home else record.kind),
    # annual reports, catalogue headers, announced entries (``derive.governance``)
    "governance": lambda view, record: governance.read(view, record.is_home),
    # issue 17 (derive/posture.py): personal numbers, scripts, private addresses, articles
    "privacy": lambda view, record: privacy.page_hits(view),
    "posture": lambda view, record: posture_extract(view, record),
}


@dataclass
class PageRecord:
    page_id: int
    url: str
    depth: int
    title: str
    kind: str | None
    frame_only: bool  # reached only as an iframe/frame (a footer or counter), not a page
    is_home: bool = False  # the homepage, also under another URL (/index.html)
    redirected: bool = False  # reached by a redirect to another URL of the site
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class SiteScan:
    pages: list[PageRecord]
    errors: dict[str, str] = field(default_factory=dict)
    scopes: list[tuple[str, str]] = field(default_factory=list)  # cluster (host, prefix)

    def facts(self, family: str) -> list[tuple[PageRecord, Any]]:
        """(page, what extractor ``family`` found on it) for every scanned page; raises
        when that extractor failed on a page (its rule is then recorded as an error)."""
        if family in self.errors:
            raise RuntimeError(self.errors[family])
        return [(p, p.facts[family]) for p in self.pages if family in p.facts]


def pages_version(src: SiteSource) -> tuple[int, int | None]:
    """(page count, newest page id) of the site in the run: a scan made before a resumed
    crawl added pages (same run, more pages) must not be used."""
    count, newest = src.session.execute(
        select(func.count(Page.id), func.max(Page.id)).where(
            Page.run_id == src.run.id, Page.site_id == src.site.id)).one()
    return count, newest


def scan_pages(src: SiteSource, extractors: Mapping[str, PageExtractor]) -> SiteScan:
    """Parse every HTML page of the site once; run the derive step's own extractors
    (:data:`EXTRACTORS`) and ``extractors`` (the rules' ``page_facts``) on it."""
    scopes = cluster_scopes(src.session)
    own = site_scopes(src.site)
    frames_only = _frames_only(src)
    result = SiteScan(pages=[], scopes=scopes)
    home_parts = urlsplit(src.site.url)
    home_path = home_parts.path if home_parts.path.endswith("/") else (
        home_parts.path.rsplit("/", 1)[0] + "/")
    home_root = f"{home_parts.scheme}://{home_parts.netloc.lower()}{home_path}"
    home_hash: str | None = None
    # Plain columns, not Page objects, streamed: a site has thousands of pages.
    rows = src.session.execute(
        select(Page.id, Page.url, Page.final_url, Page.encoding, Page.title, Page.depth,
               Page.content_hash, Page.soft404, Snapshot.body)
        .join(Snapshot, Snapshot.page_id == Page.id)
        .where(Page.run_id == src.run.id, Page.site_id == src.site.id, Page.status >= 200,
               Page.status < 300, Page.content_type.ilike("%html%"))
        .order_by(Page.depth, Page.id)).yield_per(200)
    for page in rows:
        body = page.body
        if page.soft404:
            continue
        if page.final_url and page.final_url != page.url and not in_scopes(page.final_url,
                                                                            own):
            continue  # redirected off the site: someone else's page
        html = charset.decode(zlib.decompress(body), page.encoding)
        if not is_document(html):
            continue
        view = PageView(url=page.url, html=html, page_id=page.id, depth=page.depth,
                        stored_title=page.title)
        if view.doc is None:
            continue
        if page.depth == 0:
            home_hash = page.content_hash
        parts = urlsplit(page.url)
        alias = (page.url.startswith(home_root) and not parts.query
                 and bool(HOME_ALIAS.match(parts.path[len(home_path):])))
        same_body = home_hash is not None and page.content_hash == home_hash
        is_home = page.depth == 0 or alias or same_body
        record = PageRecord(page_id=page.id, url=page.url, depth=page.depth, title=view.title,
                            kind=None if is_home else view.kind, is_home=is_home,
                            frame_only=page.depth > 0 and page.url in frames_only,
                            redirected=bool(page.final_url and page.final_url != page.url))
        _extract(view, record, extractors, result.errors)
        result.pages.append(record)
    return result


def _frames_only(src: SiteSource) -> set[str]:
    """Targets the site's pages include only as an iframe/frame, never link as a page."""
    site_links = (Link.run_id == src.run.id) & (Link.site_id == src.site.id)
    frame_targets = set(src.session.scalars(
        select(Link.target).where(site_links, Link.tag.in_(("iframe", "frame")))))
    # Only whether a frame target is also linked as a page matters: ask about those alone
    # instead of reading every link of the site.
    page_targets: set[str] = set()
    framed = sorted(frame_targets)
    for i in range(0, len(framed), 500):
        page_targets.update(src.session.scalars(select(Link.target).where(
            site_links, Link.tag.in_(("a", "area")), Link.target.in_(framed[i:i + 500]))))
    return frame_targets - page_targets


def _extract(view: PageView, record: PageRecord, extractors: Mapping[str, PageExtractor],
             errors: dict[str, str]) -> None:
    """Every extractor on one page; the first failure of each is kept in ``errors`` (the
    rules' extractors then stop: their rule reports the failure)."""
    for name, extract in EXTRACTORS.items():
        try:
            record.facts[name] = extract(view, record)
        except Exception as exc:  # noqa: BLE001 - reported by the derive step
            errors.setdefault(name, f"{view.url}: {type(exc).__name__}: {exc}"[:500])
    for name, extract in extractors.items():
        if name in errors:
            continue
        try:
            record.facts[name] = extract(view)
        except Exception as exc:  # noqa: BLE001 - reported by the rule reading it only
            errors[name] = f"{view.url}: {type(exc).__name__}: {exc}"[:500]


