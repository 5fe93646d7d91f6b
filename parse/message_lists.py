"""Messages on board list pages and detail pages: rows of tables, lists and ``dl`` blocks
as :class:`~parse.messages.Record`, a detail page's labelled fields as :class:`Detail`.

Boards come in many layouts (tables with a header row, jact ``tr.tr_css`` rows without one,
``dl/dt/dd`` blocks, ``li`` rows with spans); the wording is :mod:`parse.messages`' vocabulary.
Hanweb datastores (rows as XML in a script or a dataproxy answer) are read as rows too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from parse import paging
from parse.messages import (
    _GENERIC_LINK,
    Field,
    Record,
    Vocab,
    _apply,
    load_vocab,
    mask_private,
    norm,
    normalise_status,
    owned_segments,
    segments,
    tokenize,
)
from parse.paging import PAGER_TEXT
from parse.urls import canonical, is_ignored_href

_FOOTER_XPATH = ("//footer | //*[contains(translate(@class, 'FOT', 'fot'), 'foot') or "
                 "contains(translate(@id, 'FOT', 'fot'), 'foot') or contains(@class, 'copyright')"
                 " or contains(@id, 'copyright')]")


def _title_link(elements: list[Any], page_url: str) -> tuple[Any, str, str | None]:
    """The row's title link: the longest link text that is not 查看 / 详情 / >>."""
    best: tuple[Any, str, str | None] | None = None
    for el in elements:
        for a in el.iter("a"):
            href = a.get("href")
            if not href or is_ignored_href(href):
                continue
            text, attr = norm(a.text_content()), norm(a.get("title"))
            if attr and len(attr) > len(text) and (not text or text.endswith(("...", "…"))):
                text = attr
            url = canonical(urljoin(page_url, href.strip()))
            generic = not text or bool(_GENERIC_LINK.match(text))
            if best is None or (not generic and (bool(_GENERIC_LINK.match(best[1] or ">"))
                                                 or len(text) > len(best[1]))):
                best = (a, text, url)
    return best if best else (None, "", None)


def parse_record(elements: list[Any], page_url: str, vocab: Vocab, as_of: date | None,
                 header: dict[int, str] | None = None) -> Record | None:
    """A list row (``tr``, ``li``, ``dl`` or a ``dt`` + ``dd`` run) as a Record, or None
    when it has no link or more links than a message row carries."""
    links = [a for el in elements for a in el.iter("a") if a.get("href")
             and not is_ignored_href(a.get("href"))]
    if not links or len(links) > 4:
        return None
    link, title, url = _title_link(elements, page_url)
    if link is None or url is None:
        return None
    rec = Record(title=title, url=url)
    if header is not None and len(elements) == 1:
        fields: list[Field] = []
        loose: list[str] = []
        for i, cell in enumerate(elements[0].xpath("./td|./th")):
            family = header.get(i)
            text = " ".join(segments([cell], skip=link if family == "title" else None))
            if family is None:
                if link in cell.iter("a"):
                    text = " ".join(segments([cell], skip=link))
                if text:
                    loose.append(text)
            elif family == "title":
                if text and (not rec.title or _GENERIC_LINK.match(rec.title)):
                    rec.title = text
            else:
                fields.append(Field(family, family, text))
        if any(f.family in ("submitted", "replied", "status", "unit", "reply_text")
               for f in fields):
            rec.evidence = True
        _apply(rec, fields, loose, vocab, as_of)
    else:
        fields, loose = tokenize(owned_segments(elements, skip=link), vocab)
        _apply(rec, fields, loose, vocab, as_of)
    rec.title = mask_private(norm(rec.title))[:200]
    if len(rec.title) < 2 or _GENERIC_LINK.match(rec.title) or PAGER_TEXT.match(rec.title):
        return None
    return rec


def _header_map(tr: Any, vocab: Vocab) -> dict[int, str] | None:
    out: dict[int, str] = {}
    for i, cell in enumerate(tr.xpath("./td|./th")):
        text = norm(cell.text_content()).replace(" ", "").strip(":")
        family = vocab.label_family.get(text)
        if family:
            out[i] = family
    return out if len(out) >= 2 else None


def _record_groups(doc: Any, page_url: str, vocab: Vocab,
                   as_of: date | None) -> list[list[Record]]:
    groups: list[list[Record]] = []
    for table in doc.iter("table"):
        rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
        header, start = None, 0
        for k, tr in enumerate(rows[:4]):
            header = _header_map(tr, vocab)
            if header:
                start = k + 1
                break
        recs = [r for tr in rows[start:] if not tr.xpath(".//table|.//li")
                if (r := parse_record([tr], page_url, vocab, as_of, header))]
        groups.append(recs)
    for lst in doc.iter("ul", "ol"):
        recs = [r for li in lst.iterchildren("li") if not li.xpath(".//li|.//table")
                if (r := parse_record([li], page_url, vocab, as_of))]
        groups.append(recs)
    parents: list[Any] = []
    for dl in doc.iter("dl"):
        parent = dl.getparent()
        if parent is not None and parent not in parents:
            parents.append(parent)
    for parent in parents:
        recs: list[Record] = []
        for dl in parent.iterchildren("dl"):
            dts = [c for c in dl if c.tag == "dt"]
            if len(dts) > 1:  # several messages in one dl: a dt opens each
                run: list[Any] = []
                for child in dl:
                    if not isinstance(child.tag, str):
                        continue
                    if child.tag == "dt" and run:
                        if r := parse_record(run, page_url, vocab, as_of):
                            recs.append(r)
                        run = []
                    run.append(child)
                if run and (r := parse_record(run, page_url, vocab, as_of)):
                    recs.append(r)
            elif r := parse_record([dl], page_url, vocab, as_of):
                recs.append(r)
        groups.append(recs)
    for parent in doc.iter("div", "section"):
        kids = [c for c in parent.iterchildren("div", "p", "section", "article")
                if not c.xpath(".//li|.//table|.//dl")]
        if len(kids) >= 2:
            groups.append([r for c in kids if (r := parse_record([c], page_url, vocab, as_of))])
    return groups


def _is_message_group(recs: list[Record]) -> bool:
    if not recs or not any(r.evidence for r in recs):
        return False
    return sum(1 for r in recs if r.dates or r.status_word) * 2 >= len(recs)


def parse_html(html: str) -> Any | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def list_records(html: str, page_url: str, as_of: date | None = None, *,
                 messages: bool = True, vocab: Vocab | None = None) -> tuple[list[Record], bool]:
    """(records of a list page, the page says it has none e.g. 暂无数据).

    ``messages``: prefer groups showing statuses or message labels; else (surveys, or boards
    showing only title + date) the largest group of dated rows.
    """
    vocab = vocab or load_vocab()
    doc = parse_html(html)
    if doc is None:
        return [], False
    records = paging.datastore_records(html) if "<datastore" in html else []
    if records:  # Hanweb: the rows are XML records in a script (or a dataproxy answer)
        body = doc.find("body")
        rows = [r.strip() for r in records]
        markup = ("<ul>" + "".join(rows) + "</ul>" if all(r.startswith("<li") for r in rows)
                  else "<div>" + "".join(f"<div>{r}</div>" for r in rows) + "</div>")
        holder = lxml.html.fragment_fromstring(markup)
        (body if body is not None else doc).append(holder)
    groups = _record_groups(doc, page_url, vocab, as_of)
    chosen: list[Record] = []
    if messages:
        for g in groups:
            if _is_message_group(g):
                chosen.extend(r for r in g if r.dates or r.status_word)
    if not chosen:
        dated = [[r for r in g if r.dates] for g in groups]
        dated = [g for g in dated if g]
        if dated:
            chosen = max(dated, key=len)
    out: list[Record] = []
    seen: set[tuple[str | None, str]] = set()
    for r in chosen:
        key = (r.url, r.title)
        if key not in seen:
            seen.add(key)
            out.append(r)
    text = norm(doc.text_content()) if not out else ""
    empty = not out and any(w in text for w in vocab.empty_board)
    return out, empty


@dataclass
class Detail:
    submitted: date | None = None
    replied: date | None = None
    unit: str | None = None
    addressee: str | None = None
    raw_status: str | None = None
    status_word: str | None = None
    reply_text: bool = False
    recognized: bool = False  # message labels were found: absent reply fields mean "no reply"


def parse_detail(html: str, as_of: date | None = None, vocab: Vocab | None = None) -> Detail:
    """The labelled fields of a message's detail page (first occurrence of each wins)."""
    vocab = vocab or load_vocab()
    doc = parse_html(html)
    if doc is None:
        return Detail()
    for el in doc.xpath(_FOOTER_XPATH):  # site footers carry 承办单位, 地址, 电话 ...
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    body = doc.find("body")
    fields, loose = tokenize(owned_segments([body if body is not None else doc]), vocab)
    rec = Record(title="", url=None)
    _apply(rec, fields, [s for s in loose if len(s.strip(" []【】")) <= 8
                         and normalise_status(s, vocab)], vocab, as_of)
    recognized = rec.status_word is not None or any(
        f.family in ("submitted", "replied", "unit", "reply_text") for f in fields)
    return Detail(submitted=rec.submitted, replied=rec.replied, unit=rec.unit,
                  addressee=rec.addressee, raw_status=rec.raw_status,
                  status_word=rec.status_word, reply_text=bool(rec.reply_text),
                  recognized=recognized)


def merge_detail(rec: Record, det: Detail) -> Record:
    """The list row completed (and corrected) by its detail page. A detail page whose
    layout was not recognised changes nothing (its fields stay unknown, not missing)."""
    if not det.recognized:
        return rec
    rec.submitted = det.submitted or rec.submitted
    rec.replied = det.replied or rec.replied
    rec.unit = det.unit or rec.unit
    rec.addressee = det.addressee or rec.addressee
    if det.status_word:
        rec.status_word, rec.raw_status = det.status_word, det.raw_status
    rec.reply_text = det.reply_text or bool(rec.reply_text)
    rec.detail_seen = True
    return rec
