"""What every paging reader shares: the paging vocabulary, a list's later pages
(:class:`PagingUrl`, :class:`Hidden`), and the one answer to "is this link another page of
the same list?" (:func:`is_pager_link`) and "does this page show a pager?"
(:func:`has_pager`) for the crawl, columns and boards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from parse.urls import RawLink, canonical

MAX_PAGES = 500  # per list: bounds a page that claims absurd counts
HANWEB_GROUP = 3  # Hanweb's jpage fetches three pages' worth of records per request

PAGE_PARAMS = ("pageIndex", "pageindex", "page", "pageNum", "pagenum", "pageNo", "pageno",
               "cur_page", "currentPage", "currentpage", "curPage", "curpage", "p", "pn")
OFFSET_PARAMS = ("offset", "emailList.offset", "start", "startrecord")


@dataclass(frozen=True, slots=True)
class PagingUrl:
    url: str
    number: int  # 1-based position of the page in its list
    family: str  # trs | trs6 | hanweb | query | static


@dataclass
class Hidden:
    pages: list[PagingUrl] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)
    family: str | None = None

    def __bool__(self) -> bool:
        return bool(self.pages or self.links)

    def new_links(self, existing: list[RawLink]) -> list[RawLink]:
        """Script links not already among the page's ``<a>`` links."""
        have = {(link.url, link.tag) for link in existing}
        return [link for link in self.links if (link.url, link.tag) not in have]


def _with_params(url: str, updates: dict[str, str]) -> str | None:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    seen = set()
    new = []
    for k, v in query:
        if k in updates:
            if k in seen:
                continue
            seen.add(k)
            new.append((k, updates[k]))
        else:
            new.append((k, v))
    for k, v in updates.items():
        if k not in seen:
            new.append((k, v))
    return canonical(urlunsplit((parts.scheme, parts.netloc, parts.path,
                                 urlencode(new, safe="/:"), "")))


# Query keys that only move through a list (lower case); ``xxx.offset`` keys too.
PAGER_KEYS = frozenset(
    [p.lower() for p in PAGE_PARAMS + OFFSET_PARAMS]
    + ["page_no", "page_index", "endrecord", "perpage"])
PAGER_TEXT = re.compile(
    r"^(下一?页|上一?页|首页|尾页|末页|最后一?页|后一?页|前一?页|第?\s*\d{1,4}\s*页?|"
    r"[<>«»‹›]{1,2}|next|prev(ious)?|last|first|\.\.\.|…)$", re.I)
_PAGED_FILE = re.compile(r"^(?P<stem>[\w-]+?)(?P<n>_\d+)?\.(?:s?html?|jsp|asp|aspx|php|do)$",
                         re.I)
# Marks of a pager on a page (a plain substring test each: cheaper than one regex).
PAGER_MARKS = ("createPageHTML", "下一页", "尾页", "末页", "countPage", "totalPage", "pageCount")


def is_pager_key(key: str) -> bool:
    key = key.lower()
    return key in PAGER_KEYS or key.endswith(".offset")


def has_pager(html: str) -> bool:
    """The page shows a pager (a next/last link or a CMS paging script)."""
    return any(mark in html for mark in PAGER_MARKS)


def _pagerish(anchor: str | None) -> bool:
    text = " ".join((anchor or "").split()).strip(" []【】()（）")
    return bool(text) and bool(PAGER_TEXT.match(text))


def is_pager_link(page_url: str, link_url: str, anchor: str | None = None) -> bool:
    """Is ``link_url`` another page of the same list as ``page_url``?

    The same path with only paging parameters changed (``?pageIndex=3``), a numbered
    sibling file (``index_2.html``), or — when the link's text reads like a pager
    (下一页, 3, 尾页) — any other query of the same path, the same file stem, or a paging
    query on another path (jact ``dataproxy_mailnewlist.action?startrecord=20``).
    Next-page links are crawled at the list's own depth, and a board's pages are read
    together: a board with forty pages is one column, not forty levels deep.
    """
    a, b = urlsplit(page_url), urlsplit(link_url)
    if a.netloc != b.netloc or page_url == link_url:
        return False
    pagerish = _pagerish(anchor)
    if a.path == b.path:
        if a.query == b.query:
            return False
        qa, qb = parse_qs(a.query), parse_qs(b.query)
        changed = {k for k in set(qa) | set(qb) if qa.get(k) != qb.get(k)}
        return pagerish or all(is_pager_key(k) for k in changed)
    da, _, fa = a.path.rpartition("/")
    db, _, fb = b.path.rpartition("/")
    if pagerish and any(is_pager_key(k) for k, _ in parse_qsl(b.query)):
        return True
    if da != db or (a.query != b.query and not pagerish):
        return False
    ma, mb = _PAGED_FILE.match(fa or "index.html"), _PAGED_FILE.match(fb or "index.html")
    if not (ma and mb and ma.group("stem") == mb.group("stem")):
        return False
    return pagerish or bool(ma.group("n") or mb.group("n")) or fa in ("", fb) or fb == ""


def is_pager_sibling(page_url: str, link_url: str) -> bool:
    """:func:`is_pager_link` without a link text (URL shape alone)."""
    return is_pager_link(page_url, link_url)
