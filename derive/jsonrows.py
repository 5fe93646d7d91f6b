"""Stored JSON list answers read back for the list page or board that calls them.

The crawl stores the answers of the JSON endpoints behind list pages as pages
(``crawler/jsonlists.py``). Columns (:func:`attach`: a ``json`` row group on the page's
``parse.lists.Summary``) and boards (:func:`board_records`) then see JSON rows exactly like
HTML rows; the rows themselves are read by ``parse.jsonrows``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from derive.source import SiteSource
from parse import jsonlists
from parse.jsonlists import Endpoint, ListInfo
from parse.jsonrows import item_row, message_like, record
from parse.lists import Group, Summary
from parse.messages import Record

WIDGET_PAGES = 3  # list pages calling one endpoint alike: a template widget


def _info(src: SiteSource, url: str) -> ListInfo | None:
    page = src.json_pages.get(url)
    if page is None:
        return None
    text = src.html(page)
    data = jsonlists.parse_json_text(text) if text is not None else None
    return jsonlists.list_info(data) if data is not None else None


def read_list(src: SiteSource, endpoint_url: str) -> list[dict[str, Any]] | None:
    """All rows of the JSON list starting at ``endpoint_url`` (its later pages joined the
    way the crawler found them); None when its first answer was not stored or not
    recognised as a list (unknown, not empty)."""
    info = _info(src, endpoint_url)
    if info is None or info.rows is None:
        return None
    rows = list(info.rows)
    for ep in jsonlists.later_pages(Endpoint(endpoint_url), info):
        more = _info(src, ep.url)
        if more is not None and more.rows:
            rows.extend(more.rows)
    return rows


def _page_key(url: str) -> str:
    """``/a/``, ``/a/index.html`` and ``/a/index.shtml?x`` are one list page."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return path[: len(path) - len(name)] if name.startswith(("index", "default")) else path


def attach(src: SiteSource, summaries: Iterable[Summary]) -> None:
    """Give each list page whose script loads a stored JSON list a ``json`` row group
    (an empty answer marks the page as read: its column is then blank, not unknown).

    An endpoint that many list pages call alike (a template's 热点信息 sidebar) is a
    widget, not any one column's list: it is left out."""
    summaries = list(summaries)
    users: dict[str, set[str]] = {}
    for s in summaries:
        for ep_url in s.json_lists:
            users.setdefault(ep_url, set()).add(_page_key(s.url))
    widgets = {ep for ep, pages in users.items() if len(pages) >= WIDGET_PAGES}
    stored = bool(src.json_pages)
    for s in summaries:
        s.json_lists = [ep for ep in s.json_lists if ep not in widgets]
        for ep_url in s.json_lists if stored else ():
            rows = read_list(src, ep_url)
            if rows is None:
                continue
            s.json_read = True
            group = Group(rows=[r for i, d in enumerate(rows)
                                if (r := item_row(d, s.url, i)) is not None], source="json")
            if group.rows:
                s.groups.insert(0, group)
            if not s.hidden.family:
                s.hidden.family = "json"


def board_records(src: SiteSource, html: str, page_url: str, vocab: Any,
                  messages: bool = True) -> tuple[list[Record], bool] | None:
    """(records, the list is empty) of the JSON lists a board page's script loads; None
    when no stored JSON list was read for it. ``messages``: only lists whose rows carry
    message fields (a status, ``answerId``, a reply) — not a sidebar of news."""
    if not src.json_pages:
        return None
    read = False
    recs: list[Record] = []
    for ep in jsonlists.discover(html, page_url):
        rows = read_list(src, ep.url)
        if rows is None:
            continue
        if messages and rows and not any(message_like(r, vocab) for r in rows):
            continue
        read = True
        recs.extend(r for d in rows if (r := record(d, page_url, vocab)) is not None)
    return (recs, not recs) if read else None
