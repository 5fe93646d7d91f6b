"""One site's stored crawl in one run, read-only: pages, snapshots, links and link checks.

The derive step reads a site through a :class:`SiteSource`; the rules' context
(``checks.base.CheckContext``) is one too, so both read the store the same way. Nothing
here parses a page (``parse/`` does) or writes a table (the derive steps do).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from parse import charset
from store.models import Link, LinkCheck, Page, Run, RunSite, Site, Snapshot


class SiteSource:
    """Read access to ``site`` in ``run``. ``spec`` is the site's registry entry
    (``settings.registry.SiteSpec``) when the site is still registered."""

    def __init__(self, session: Session, run: Run, site: Site, *, as_of: date | None = None,
                 spec: Any = None, run_site: RunSite | None = None):
        self.session = session
        self.run = run
        self.site = site
        self.as_of = as_of if as_of is not None else run.started_at.date()
        self.spec = spec
        self.run_site = run_site

    # -- pages and snapshots --------------------------------------------------------------
    def pages(self, *, ok_html: bool = False) -> list[Page]:
        q = select(Page).where(Page.run_id == self.run.id, Page.site_id == self.site.id)
        if ok_html:
            q = q.where(Page.status >= 200, Page.status < 300,
                        Page.content_type.ilike("%html%"))
        return list(self.session.scalars(q.order_by(Page.depth, Page.id)))

    @cached_property
    def homepage(self) -> Page | None:
        return self.session.scalars(
            select(Page).where(Page.run_id == self.run.id, Page.site_id == self.site.id,
                               Page.depth == 0).order_by(Page.id)).first()

    def html(self, page: Page) -> str | None:
        """The page's HTML as served, decoded with the encoding the crawl detected
        (``parse.charset``: GB labels as GB18030)."""
        # The body alone (no ORM object): thousands of snapshots are read per site.
        body = self.session.scalar(select(Snapshot.body).where(Snapshot.page_id == page.id))
        if body is None:
            return None
        return charset.decode(zlib.decompress(body), page.encoding)

    def stored_html(self, url: str) -> tuple[Page, str] | None:
        """A page or script of this run by URL (any site: footers are shared), decoded."""
        page = self.session.scalars(select(Page).where(
            Page.run_id == self.run.id, Page.url == url, Page.status >= 200,
            Page.status < 300)).first()
        if page is None:
            return None
        html = self.html(page)
        return (page, html) if html is not None else None

    @cached_property
    def json_pages(self) -> dict[str, Page]:
        """The run's stored JSON answers of the site (``crawler/jsonlists.py``), by URL."""
        q = select(Page).where(Page.run_id == self.run.id, Page.site_id == self.site.id,
                               Page.status >= 200, Page.status < 300,
                               Page.content_type.ilike("%json%"))
        return {p.url: p for p in self.session.scalars(q)}

    # -- links ----------------------------------------------------------------------------
    def links(self, *, kinds: tuple[str, ...] | None = None,
              outcome: str | None = None, slower_than_ms: int | None = None,
              methods: tuple[str, ...] | None = None) -> Iterator[Row]:
        """The site's links in this run as plain rows (``target``, ``kind``, ``anchor``,
        ``page_id``, ``page_url``), in storage order; optionally only links of some
        ``kinds`` and only targets whose link check has ``outcome`` (and took longer than
        ``slower_than_ms`` to answer, by one of ``methods``).

        Plain column tuples, not ORM objects, and filtered in SQL: a 50,000-page crawl has
        1.46 M links, and building a (Link, Page) pair for each cost minutes per rule.
        """
        q = (select(Link.target, Link.kind, Link.anchor, Link.page_id,
                    Page.url.label("page_url"))
             .join(Page, Page.id == Link.page_id)
             .where(Link.run_id == self.run.id, Link.site_id == self.site.id))
        if kinds is not None:
            q = q.where(Link.kind.in_(kinds))
        if outcome is not None:
            q = q.join(LinkCheck, (LinkCheck.run_id == Link.run_id)
                       & (LinkCheck.target == Link.target)).where(LinkCheck.outcome == outcome)
            if slower_than_ms is not None:
                q = q.where(LinkCheck.elapsed_ms > slower_than_ms)
            if methods is not None:
                q = q.where(LinkCheck.method.in_(methods))
        return iter(self.session.execute(q.order_by(Link.id)))

    def link_carriers(self, outcome: str, kinds: tuple[str, ...] | None = None,
                      skip: Callable[[str], bool] | None = None,
                      slower_than_ms: int | None = None,
                      methods: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
        """target -> where the site shows it: ``pages`` (URLs), ``source`` and ``anchor``
        (the homepage's when the homepage carries it, else the first page's), ``kind`` and
        ``on_homepage``; for targets whose link check has ``outcome``, except those
        ``skip`` rejects. Each entry depends on its own target's rows only."""
        home = self.homepage
        home_id = home.id if home is not None else None
        carriers: dict[str, dict[str, Any]] = {}
        skipped: dict[str, bool] = {}  # links repeat on every page: ask ``skip`` once each
        for link in self.links(kinds=kinds, outcome=outcome, slower_than_ms=slower_than_ms,
                               methods=methods):
            if skip is not None:
                rejected = skipped.get(link.target)
                if rejected is None:
                    rejected = skipped[link.target] = skip(link.target)
                if rejected:
                    continue
            entry = carriers.get(link.target)
            if entry is None:
                entry = carriers[link.target] = {"kind": link.kind, "anchor": link.anchor,
                                                 "source": link.page_url, "pages": set(),
                                                 "on_homepage": False}
            entry["pages"].add(link.page_url)
            if link.page_id == home_id:
                entry["on_homepage"], entry["source"] = True, link.page_url
                entry["anchor"] = link.anchor or entry["anchor"]
        return carriers

    def link_checks(self, targets: set[str]) -> dict[str, LinkCheck]:
        out: dict[str, LinkCheck] = {}
        items = sorted(targets)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            for lc in self.session.scalars(select(LinkCheck).where(
                    LinkCheck.run_id == self.run.id, LinkCheck.target.in_(chunk))):
                out[lc.target] = lc
        return out


def site_scopes(site: Site) -> list[tuple[str, str]]:
    """(host[:port], path prefix) pairs a stored site owns (as ``SiteSpec.scope``)."""
    parts = urlsplit(site.url)
    scope = site.scope or {}
    path = parts.path or "/"
    default = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    prefixes = scope.get("prefixes") or [default]
    hosts = [parts.netloc.lower(), *[h.lower() for h in scope.get("hosts") or []]]
    return [(h, p) for h in hosts for p in prefixes]


def cluster_scopes(session: Session) -> list[tuple[str, str]]:
    """Every registered site's scope: the cluster's own URLs."""
    return [pair for site in session.scalars(select(Site)) for pair in site_scopes(site)]
