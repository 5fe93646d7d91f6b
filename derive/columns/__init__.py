"""Column discovery: a site's columns (栏目) and their dated items, from one run's store.

The derive step's ``columns`` (``build.build``), for sites where a column rule runs; the
rules read :class:`SiteColumns`. Steps:

1. every stored HTML/XML page that is not an article is summarised (``parse.lists``);
   article pages are recognised by URL (Hanweb ``/art/``, TRS ``tYYYYMMDD_`` …) or by
   content (``ArticleTitle`` meta, a body container with a publish byline);
2. pages of one column are joined: hidden paging (``parse.paging`` run again on the
   stored page) links a list's later pages and Hanweb ``dataproxy.jsp`` answers to its
   first page; ``index.html`` / ``./`` / redirects / pager parameters collapse to one key;
3. each column's own list is picked among the page's row groups (site-wide template links
   and menus are not lists), its items are dated (list date, year-less dates resolved
   from the crawl date and the list order, else the stored article page: byline, URL,
   ``PubDate`` meta — in that order) and its newest item is its update time (pinned
   items cannot hide newer ones);
4. name (registry hint, ``ColumnName`` meta, breadcrumb, link texts), parent and level
   (breadcrumb, URL path, links from the homepage), category and update class;
5. ``Column`` / ``Item`` rows are written for the run (replacing earlier ones).

``pages.py`` reads the site's pages (steps 1–2), ``items.py`` a column's list, items, name
and level (3–4), ``build.py`` puts it together and stores it (5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ItemRec:
    title: str
    url: str
    date: date | None
    source: str | None  # list, list_year, byline, url, meta
    pinned: bool
    page_url: str
    position: int
    unknown: bool = False  # no date, and the article page was not fetched: cannot tell


@dataclass
class ColumnRec:
    key: str
    url: str
    urls: set[str] = field(default_factory=set)
    pages: list[tuple[int, str]] = field(default_factory=list)  # (page number, URL)
    name: str = ""
    name_source: str = ""
    parent: ColumnRec | None = None
    parent_name: str | None = None
    level: int = 1
    kind: str = "list"
    category: str | None = None
    update_class: str = "none"
    items: list[ItemRec] = field(default_factory=list)
    newest: date | None = None
    newest_source: str | None = None
    paging: str | None = None
    note: str | None = None
    hint: dict | None = None
    future: int = 0  # items dated after the crawl (ignored for the update time)
    row_id: int | None = None

    @property
    def dated(self) -> int:
        return sum(1 for i in self.items if i.date is not None)


@dataclass
class SiteColumns:
    home: ColumnRec | None
    columns: list[ColumnRec]
    available: bool = True  # False when the run's snapshots are gone (pruned)
    reason: str | None = None
    pages_seen: int = 0
    elapsed: float = 0.0
    nav_categories: set[str] = field(default_factory=set)  # named by menu / channel links

    def by_kind(self, *kinds: str) -> list[ColumnRec]:
        return [c for c in self.columns if c.kind in kinds]


class ColumnsUnavailable(RuntimeError):
    """The run's page snapshots are gone: columns cannot be judged (unknown, not fixed)."""
