"""A site's interactive columns (政务咨询, 投诉举报, 调查征集, 在线访谈 …) and what they show.

Found from the stored crawl in five steps: candidates (registry hints, then links whose
text or URL names a channel), whether each works (crawled, or verified as a link), their
list pages (the board's pager, script paging and, for the entry page, its frames) read as
records (``parse.message_lists``, JSON lists through ``derive.jsonrows``), candidates that
are really messages or pages of another board dropped, and messages completed from their
detail pages. The mailbox and survey rules read the resulting :class:`Interaction`;
``derive.mailbox`` stores its messages and statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from derive import jsonrows
from derive.source import SiteSource
from parse import paging
from parse.message_lists import list_records, merge_detail, parse_detail
from parse.messages import (
    BOARD_KINDS,
    KIND_NAMES,
    Record,
    Vocab,
    classify_channel,
    load_vocab,
    norm,
)
from parse.paging import is_pager_link
from parse.urls import canonical
from store.models import Link, LinkCheck, Page

MAX_BOARD_PAGES = 400  # pages followed through one board's pager


@dataclass
class Board:
    """An interactive column of a site and what its pages show."""

    url: str
    kind: str
    name: str
    source: str | None = None
    hinted: bool = False
    fetched: bool = False  # crawled as a page of the site in this run
    working: bool | None = None  # False: the link is broken; None: not verified
    pages: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    empty: bool = False  # the list says it has no items

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


@dataclass
class Interaction:
    boards: list[Board]
    consultation_kinds: tuple[str, ...]

    @property
    def consultation(self) -> list[Board]:
        return [b for b in self.boards if b.kind in self.consultation_kinds]

    @property
    def surveys(self) -> list[Board]:
        return [b for b in self.boards if b.kind == "survey"]

    @property
    def excluded(self) -> list[Board]:
        return [b for b in self.boards if b.kind in ("petition", "discipline")]

    def messages(self) -> list[tuple[Board, Record]]:
        return [(b, r) for b in self.consultation for r in b.records]


def _hint_urls(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [u for u in (canonical(str(x)) for x in items) if u]


class _Reader:
    """The site's fetched pages by URL and their decoded HTML (kept while needed)."""

    def __init__(self, src: SiteSource):
        self.src = src
        self.pages: dict[str, Page] = {}
        for p in src.pages():
            self.pages.setdefault(p.url, p)
            if p.final_url and 200 <= p.status < 300:
                self.pages.setdefault(p.final_url, p)
        self.page_urls = {p.id: p.url for p in self.pages.values()}
        self.html_cache: dict[int, str | None] = {}

    def ok_html(self, url: str | None) -> Page | None:
        """A fetched list page: HTML, or a Hanweb dataproxy answer (XML)."""
        p = self.pages.get(url) if url else None
        ctype = (p.content_type or "html").lower() if p is not None else ""
        if p is None or not (200 <= p.status < 300) or ("html" not in ctype
                                                         and "xml" not in ctype):
            return None
        return p

    def html_of(self, page: Page) -> str | None:
        if page.id not in self.html_cache:
            self.html_cache[page.id] = self.src.html(page)
        return self.html_cache[page.id]

    def link_rows(self, page: Page) -> list[tuple[str, str, str | None]]:
        return [tuple(r) for r in self.src.session.execute(
            select(Link.target, Link.tag, Link.anchor).where(Link.page_id == page.id)
            .order_by(Link.id))]


def discover(src: SiteSource) -> Interaction:
    """The site's interactive columns in this run, with their messages / survey items."""
    vocab = load_vocab()
    reader = _Reader(src)
    home = src.homepage
    boards, linkers = _candidates(src, reader, vocab)
    _working(src, reader, boards)
    # Navigation first: hinted, linked from the homepage, linked from many pages. A
    # "candidate" that turns out to be a message of a board (a short title with 咨询 in
    # it) or another page of a board is dropped below.
    home_id = home.id if home is not None else None
    order = sorted(boards.values(), key=lambda b: (
        not b.hinted, home_id not in linkers.get(b.url, ()), -len(linkers.get(b.url, ())),
        b.kind not in vocab.consultation_kinds))
    for board in order:
        if board.kind in BOARD_KINDS and board.fetched:
            _read_board(src, reader, board, vocab)
    kept, taken_pages = _distinct(order)
    _complete_messages(src, reader, kept, taken_pages, vocab)
    return Interaction(boards=kept, consultation_kinds=vocab.consultation_kinds)


def _candidates(src: SiteSource, reader: _Reader, vocab: Vocab
                ) -> tuple[dict[str, Board], dict[str, set[int]]]:
    """Boards by URL (registry hints, then links whose text or URL names a channel) and,
    for linked ones, the pages linking them."""
    home = src.homepage
    hints = dict(getattr(src.spec, "hints", None) or src.site.hints or {})
    boards: dict[str, Board] = {}
    for kind, key in (("consult", "mailbox"), ("survey", "survey")):
        for url in _hint_urls(hints.get(key)):
            boards[url] = Board(url=url, kind=kind, name=KIND_NAMES[kind], hinted=True)
    hinted_kinds = {b.kind for b in boards.values()}
    if "consult" in hinted_kinds:
        hinted_kinds |= set(vocab.consultation_kinds)
    linkers: dict[str, set[int]] = {}
    rows = src.session.execute(
        select(Link.target, Link.anchor, Link.page_id, Link.kind)
        .where(Link.run_id == src.run.id, Link.site_id == src.site.id,
               Link.tag.in_(("a", "area")))
        .order_by(Link.id))
    kinds: dict[tuple[str | None, str], str | None] = {}  # navigation repeats on every page
    for target, anchor, page_id, link_kind in rows:
        if link_kind in ("attachment", "image"):
            continue
        board = boards.get(target)
        if board is not None and board.hinted:
            if board.source is None or (home is not None and page_id == home.id):
                board.source = reader.page_urls.get(page_id)
                board.name = norm(anchor) or board.name
            continue
        if (anchor, target) not in kinds:
            kinds[(anchor, target)] = classify_channel(anchor, target, vocab)
        kind = kinds[(anchor, target)]
        if kind is None or kind in hinted_kinds:
            continue
        linkers.setdefault(target, set()).add(page_id)
        if board is None:
            boards[target] = Board(url=target, kind=kind, name=norm(anchor) or target,
                                   source=reader.page_urls.get(page_id))
        elif home is not None and page_id == home.id and board.source != home.url:
            board.source = home.url  # homepage links are the evidence supervisors look for
    return boards, linkers


def _working(src: SiteSource, reader: _Reader, boards: dict[str, Board]) -> None:
    """Is each channel working? (crawled, or verified as a link)"""
    checks: dict[str, Any] = {}
    targets = list(boards)
    for i in range(0, len(targets), 500):
        for lc in src.session.scalars(select(LinkCheck).where(
                LinkCheck.run_id == src.run.id, LinkCheck.target.in_(targets[i:i + 500]))):
            checks[lc.target] = lc
    for board in boards.values():
        board.fetched = reader.ok_html(board.url) is not None
        lc = checks.get(board.url)
        if board.fetched or (lc is not None and lc.outcome == "ok"):
            board.working = True
        elif (lc is not None and lc.outcome == "broken") or (
                board.url in reader.pages and reader.pages[board.url].status >= 400):
            board.working = False


def _read_board(src: SiteSource, reader: _Reader, board: Board, vocab: Vocab) -> None:
    """Follow a board's list pages (its pager and, for the entry page, its frames) and read
    their records."""
    queue, seen = [board.url], {board.url}
    while queue and len(board.pages) < MAX_BOARD_PAGES:
        url = queue.pop(0)
        page = reader.ok_html(url)
        if page is None:
            continue
        board.pages.append(url)
        for target, tag, anchor in reader.link_rows(page):
            if target in seen:
                continue
            if (tag in ("iframe", "frame") and url == board.url) or (
                    tag in ("a", "area") and is_pager_link(url, target, anchor)):
                seen.add(target)
                queue.append(target)
        html = reader.html_of(page)
        for hidden in paging.discover(html, url).pages if html else ():
            if hidden.url not in seen:  # script pagers (TRS createPageHTML, Hanweb ...)
                seen.add(hidden.url)
                queue.append(hidden.url)
    messages = board.kind in vocab.consultation_kinds
    for url in board.pages:
        html = reader.html_of(reader.ok_html(url))
        if html is None:
            continue
        recs, empty = list_records(html, url, src.as_of, messages=messages, vocab=vocab)
        loaded = jsonrows.board_records(src, html, url, vocab, messages)
        if loaded is not None:  # rows its script loads from a stored JSON answer
            recs, empty = recs + loaded[0], loaded[1] and not recs
        board.empty = board.empty or (empty and url == board.url)
        board.records.extend(recs)
    for url in board.pages[1:]:
        reader.html_cache.pop(reader.ok_html(url).id, None)


def _distinct(order: list[Board]) -> tuple[list[Board], set[str]]:
    """Drop candidates that are messages or list pages of another board, and aliases; each
    record is kept by the first board showing it."""
    kept: list[Board] = []
    taken_pages: set[str] = set()
    taken_records: set[str] = set()
    record_urls = {r.url for b in order for r in b.records if r.url}
    paged = {u for b in order if b.records for u in b.pages[1:]}
    for board in order:
        if not board.hinted and (board.url in record_urls or board.url in paged
                                 or board.url in taken_pages):
            continue
        if board.pages and set(board.pages) & taken_pages:
            continue  # the same list reached under another name or URL
        taken_pages.update(board.pages)
        unique = []
        for rec in board.records:
            ident = rec.url or f"{board.url}#{rec.title}"
            if ident not in taken_records:
                taken_records.add(ident)
                unique.append(rec)
        board.records = unique
        kept.append(board)
    return kept, taken_pages


def _complete_messages(src: SiteSource, reader: _Reader, kept: list[Board],
                       taken_pages: set[str], vocab: Vocab) -> None:
    """Messages completed (and corrected) from their detail pages."""
    for board in kept:
        if board.kind not in vocab.consultation_kinds:
            continue
        for rec in board.records:
            page = reader.ok_html(rec.url) if rec.url not in taken_pages else None
            if page is None:
                continue
            html = reader.html_of(page)
            if html is not None:
                merge_detail(rec, parse_detail(html, src.as_of, vocab))
            reader.html_cache.pop(page.id, None)
