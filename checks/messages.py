"""Citizen mailboxes and surveys in stored snapshots: find the boards, read their messages.

Boards come in many layouts (tables with a header row, jact ``tr.tr_css`` rows without one,
``dl/dt/dd`` blocks, ``li`` rows with spans) and spell their fields many ways; the wordings
live in ``data/mailbox_vocab.yaml``. A page is cut into text segments at element
boundaries, segments are read as ``label：value`` fields where a known label starts them,
and what is left (a bare status word, a date, a unit name) is classified by its content.

Privacy: only what evidence needs leaves this module — title (phone and ID numbers masked),
dates, status, URL and replying unit. Message bodies and citizens' names are never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import yaml
from lxml import etree
from sqlalchemy import select

from checks import jsonrows
from parse import dates, paging
from parse.paging import PAGER_TEXT, is_pager_link  # noqa: F401 - board pagers
from parse.urls import canonical, is_ignored_href

VOCAB_PATH = Path(__file__).with_name("data") / "mailbox_vocab.yaml"
MESSAGE_KINDS = ("consult", "complaint")  # overridden by vocab consultation_kinds
BOARD_KINDS = ("consult", "complaint", "survey", "interview")
KIND_NAMES = {"consult": "政务咨询", "complaint": "投诉举报", "survey": "调查征集",
              "interview": "在线访谈", "petition": "信访", "discipline": "纪检举报"}
FIELD_NAMES = {"submitted": "留言时间", "replied": "答复时间", "unit": "答复单位",
               "reply_text": "答复内容"}
MAX_BOARD_PAGES = 400  # pages followed through one board's pager

_SKIP_TAGS = {"script", "style", "noscript", "template", "select", "option", "textarea",
              "head", "title"}
_WS = re.compile(r"\s+")
_GENERIC_LINK = re.compile(r"^(查看|详情|详细|查看详情|详细信息|更多|回复|阅读全文|点击查看|"
                           r">>|>|»|\.\.\.|…)+$")
_FOOTER_XPATH = ("//footer | //*[contains(translate(@class, 'FOT', 'fot'), 'foot') or "
                 "contains(translate(@id, 'FOT', 'fot'), 'foot') or contains(@class, 'copyright')"
                 " or contains(@id, 'copyright')]")
_ENTER_LINK = re.compile(r"^(点击)?进入|^more$|^更多|^>+$", re.I)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_IDCARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-\s]?\d{7,8}(?!\d)")


# -- vocabulary -------------------------------------------------------------------------
@dataclass
class Vocab:
    answered: list[str]
    pending: list[str]
    labels: dict[str, list[str]]  # family -> labels
    placeholders: set[str]
    empty_board: list[str]
    channels: dict[str, list[str]]
    url_patterns: dict[str, list[str]]
    consultation_kinds: tuple[str, ...]
    unit_suffixes: tuple[str, ...]
    max_anchor: int
    status_re: re.Pattern[str] = field(init=False)
    channel_res: dict[str, re.Pattern[str]] = field(init=False)
    label_re: re.Pattern[str] = field(init=False)
    label_family: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        words = sorted(set(self.answered) | set(self.pending), key=len, reverse=True)
        self.status_re = re.compile("|".join(map(re.escape, words)))
        self.channel_res = {kind: re.compile("|".join(map(re.escape, ws)))
                            for kind, ws in self.channels.items() if ws}
        self.label_family = {}
        for family, labels in self.labels.items():
            for label in labels:
                self.label_family.setdefault(label, family)
        alts = [r"\s*".join(map(re.escape, label))
                for label in sorted(self.label_family, key=len, reverse=True)]
        self.label_re = re.compile(r"[【\[(（]?\s*(?P<label>" + "|".join(alts)
                                   + r")\s*[】\])）]?\s*(?P<colon>:)?")


@lru_cache(maxsize=4)
def load_vocab(path: Path = VOCAB_PATH) -> Vocab:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    status = data.get("status") or {}
    return Vocab(
        answered=[str(w) for w in status.get("answered", [])],
        pending=[str(w) for w in status.get("pending", [])],
        labels={k: [str(x) for x in v] for k, v in (data.get("labels") or {}).items()},
        placeholders={norm(str(x)) for x in data.get("placeholders", [])},
        empty_board=[str(x) for x in data.get("empty_board", [])],
        channels={k: [str(x) for x in v] for k, v in (data.get("channels") or {}).items()},
        url_patterns={k: [str(x).lower() for x in v]
                      for k, v in (data.get("url_patterns") or {}).items()},
        consultation_kinds=tuple(data.get("consultation_kinds") or MESSAGE_KINDS),
        unit_suffixes=tuple(sorted((str(x) for x in data.get("unit_suffixes", [])),
                                   key=len, reverse=True)),
        max_anchor=int(data.get("max_anchor", 12)),
    )


# -- text, dates, statuses -------------------------------------------------------------
def norm(text: str | None) -> str:
    """Fold the punctuation and spacing variants boards use (：∶ U+3000 nbsp, doubled spaces)."""
    if not text:
        return ""
    text = (text.replace("：", ":").replace("∶", ":").replace("\u3000", " ")
            .replace("\xa0", " ").replace("\u200b", ""))
    return _WS.sub(" ", text).strip()


def parse_dates(text: str, as_of: date | None = None) -> list[date]:
    """Dates in ``text`` in order (``parse.dates``, the one date parser). Year-less
    ``03-16`` takes the crawl year, or the year before when that would lie in the future;
    it is used only when no full date is present."""
    plain = dates.normalise(text)
    out = [d for f in dates.find_full(plain) if (d := f.as_date())]
    if out or as_of is None:
        return out
    return [d for f in dates.find_yearless(plain)
            if (d := dates.resolve_year(f.month, f.day, as_of))]


def normalise_status(text: str | None, vocab: Vocab | None = None) -> str | None:
    """'answered', 'pending' or None; the longest status word in ``text`` decides."""
    if not text:
        return None
    vocab = vocab or load_vocab()
    words = vocab.status_re.findall(norm(text))
    if not words:
        return None
    best = max(words, key=len)
    return "answered" if best in vocab.answered else "pending"


def mask_private(text: str) -> str:
    """Mask mobile, landline and ID-card numbers that citizens put into titles."""
    text = _IDCARD.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "-*******", text)


def classify_channel(anchor: str | None, url: str, vocab: Vocab | None = None) -> str | None:
    """Kind of interactive column a link leads to, from its text, else its URL."""
    vocab = vocab or load_vocab()
    text = norm(anchor).replace(" ", "")
    if text and len(text) <= vocab.max_anchor:
        for kind, pattern in vocab.channel_res.items():
            if pattern.search(text):
                return kind
    if text and not _GENERIC_LINK.match(text) and not _ENTER_LINK.match(text):
        return None  # a text without channel words (or a long title) says what it is
    low = url.lower()
    path = urlsplit(low).path + "?" + urlsplit(low).query
    for kind, patterns in vocab.url_patterns.items():
        if any(p in path for p in patterns):
            return kind
    return None


# -- segments and labelled fields ----------------------------------------------------
def owned_segments(elements: Iterable[Any], skip: Any = None) -> list[tuple[str, Any]]:
    """Text runs of ``elements`` cut at every element boundary, each with the element that
    holds it (``skip``: an element whose own text is left out, e.g. the title link)."""
    out: list[tuple[str, Any]] = []

    def walk(e: Any) -> None:
        tag = e.tag if isinstance(e.tag, str) else None
        if tag is not None and tag not in _SKIP_TAGS and e is not skip:
            if e.text:
                out.append((e.text, e))
            for child in e:
                walk(child)
                if child.tail:
                    out.append((child.tail, e))

    for el in elements:
        walk(el)
    return [(s, owner) for s, owner in ((norm(x), o) for x, o in out) if s]


def segments(elements: Iterable[Any], skip: Any = None) -> list[str]:
    return [s for s, _ in owned_segments(elements, skip)]


@dataclass
class Field:
    family: str
    label: str
    value: str


def _label_matches(seg: str, vocab: Vocab) -> list[re.Match[str]]:
    """Labels that really label something: at the start of a segment (with a colon, alone,
    or a label of 3+ characters followed by a space), or later in it with a colon. Short
    labels (回复, 状态) inside running text need a colon and a space before them."""
    found = []
    for m in vocab.label_re.finditer(seg):
        label = m.group("label").replace(" ", "")
        colon = bool(m.group("colon"))
        rest = seg[m.end():]
        if m.start() == 0:
            spaced = m.end() > m.end("label") or not rest
            ok = colon or (len(label) >= 3 and spaced)
        else:
            before = seg[m.start() - 1]
            ok = colon and (len(label) >= 3 or not before.isalnum())
        if ok:
            found.append(m)
    return found


def _near(label_owner: Any, value_owner: Any, levels: int = 2) -> bool:
    """The value's element shares an ancestor with the label's element at most ``levels``
    above the label (same row, same dl, same block) — not a footer further down the page."""
    chain = [label_owner]
    for _ in range(levels):
        parent = chain[-1].getparent()
        if parent is None:
            break
        chain.append(parent)
    node = value_owner
    while node is not None:
        if any(node is c for c in chain):
            return True
        node = node.getparent()
    return False


def tokenize(segs: list[tuple[str, Any]] | list[str],
             vocab: Vocab) -> tuple[list[Field], list[str]]:
    """(labelled fields, unlabelled segments). A label alone in its segment takes the next
    segment as its value, if that one is close by in the page and is not a label itself."""
    fields: list[Field] = []
    loose: list[str] = []
    waiting: tuple[Field, Any] | None = None
    for item in segs:
        seg, owner = item if isinstance(item, tuple) else (item, None)
        matches = _label_matches(seg, vocab)
        if waiting is not None:
            f, label_owner = waiting
            waiting = None
            close = owner is None or label_owner is None or _near(label_owner, owner)
            if close and (not matches or matches[0].start() > 0):
                f.value = seg
                continue
        if not matches:
            loose.append(seg)
            continue
        if matches[0].start() > 0:
            loose.append(seg[:matches[0].start()].strip())
        for k, m in enumerate(matches):
            end = matches[k + 1].start() if k + 1 < len(matches) else len(seg)
            label = m.group("label").replace(" ", "")
            f = Field(vocab.label_family[label], label, seg[m.end():end].strip(" :;；，,"))
            fields.append(f)
            if not f.value and k + 1 == len(matches):
                waiting = (f, owner)
    return fields, [s for s in loose if s]


# -- records -------------------------------------------------------------------------
@dataclass
class Record:
    """One row of a board or survey list (plus, for messages, its detail page)."""

    title: str
    url: str | None
    submitted: date | None = None
    replied: date | None = None
    unit: str | None = None
    addressee: str | None = None
    raw_status: str | None = None
    status_word: str | None = None  # answered | pending | None (no status shown)
    reply_text: bool | None = None  # a reply text was shown (None: not known here)
    dates: list[date] = field(default_factory=list)
    evidence: bool = False  # message-specific labels or status words seen
    detail_seen: bool = False

    @property
    def status(self) -> str:
        """answered (status word, reply date or reply text), pending, or unknown."""
        if self.status_word == "answered" or self.replied or self.reply_text:
            return "answered"
        if self.status_word == "pending" or self.detail_seen:
            return "pending"
        return "unknown"

    @property
    def published(self) -> date | None:
        known = [d for d in (self.submitted, self.replied) if d]
        return max(known) if known else None

    def missing_fields(self) -> list[str]:
        """Of 留言时间 / 答复时间 / 答复单位 / 答复内容, those a published reply lacks."""
        missing = []
        if self.submitted is None:
            missing.append(FIELD_NAMES["submitted"])
        if self.status == "answered":
            if self.replied is None:
                missing.append(FIELD_NAMES["replied"])
            if not (self.unit or self.addressee):
                missing.append(FIELD_NAMES["unit"])
            if self.reply_text is False:
                missing.append(FIELD_NAMES["reply_text"])
        return missing


def _clean_value(value: str, vocab: Vocab, limit: int = 60) -> str | None:
    value = value.strip(" :;；，,。[]【】()（）")
    if not value or norm(value) in vocab.placeholders:
        return None
    return value[:limit]


def _looks_like_unit(seg: str, vocab: Vocab) -> bool:
    s = seg.strip(" []【】")
    return (2 <= len(s) <= 24 and not any(ch.isdigit() for ch in s)
            and s.endswith(vocab.unit_suffixes))


def _apply(rec: Record, fields: list[Field], loose: list[str], vocab: Vocab,
           as_of: date | None) -> None:
    seen: set[str] = set()
    for f in fields:
        if f.family in seen or f.family in ("private", "other"):
            continue
        if f.family == "title":
            if f.value and (not rec.title or _GENERIC_LINK.match(rec.title)):
                rec.title = f.value
            seen.add(f.family)
            continue
        seen.add(f.family)
        if f.family in ("submitted", "replied", "status", "unit", "reply_text"):
            rec.evidence = True
        if f.family == "status":
            rec.status_word = normalise_status(f.value, vocab)
            raw = f.value.strip(" :;；，,。[]【】()（）")[:20]
            rec.raw_status = raw if rec.status_word else None
        elif f.family in ("submitted", "replied"):
            ds = parse_dates(f.value, as_of)
            if ds:
                setattr(rec, f.family, ds[0])
        elif f.family in ("unit", "addressee"):
            value = _clean_value(f.value, vocab)
            setattr(rec, f.family, mask_private(value) if value else None)
        elif f.family == "reply_text":
            rec.reply_text = _clean_value(f.value, vocab) is not None
    loose_dates: list[date] = []
    for seg in loose:
        s = seg.strip(" []【】()（）")
        unit_like = len(s) > 4 and s.endswith(vocab.unit_suffixes)  # 市民服务受理中心
        if rec.status_word is None and len(s) <= 12 and not unit_like:
            word = normalise_status(s, vocab)
            if word:
                rec.status_word, rec.raw_status, rec.evidence = word, s, True
                continue
        ds = parse_dates(s, as_of)
        if ds and len(s) <= 40:
            loose_dates.extend(ds)
            continue
        if rec.unit is None and rec.addressee is None and _looks_like_unit(s, vocab):
            rec.addressee = s
    rec.dates = [d for d in (rec.submitted, rec.replied) if d] + loose_dates
    if rec.submitted is None and loose_dates:
        rec.submitted = loose_dates.pop(0)
    if (rec.replied is None and "replied" not in seen and loose_dates
            and rec.submitted and loose_dates[0] >= rec.submitted
            and rec.status_word != "pending"):
        rec.replied = loose_dates[0]


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


# -- boards of a site ----------------------------------------------------------------
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


_CACHE: dict[tuple[Any, ...], Interaction] = {}


def _hint_urls(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [u for u in (canonical(str(x)) for x in items) if u]


def discover(ctx: Any) -> Interaction:
    """The site's interactive columns in this run, with their messages / survey items.

    Cached per (session, run, site): the mailbox and survey modules share one reading.
    """
    key = (id(ctx.session), ctx.run.id, ctx.site.id, ctx.as_of)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _discover(ctx)
    return _CACHE[key]


def _discover(ctx: Any) -> Interaction:
    from store.models import Link, LinkCheck

    vocab = load_vocab()
    session, run_id, site_id = ctx.session, ctx.run.id, ctx.site.id
    pages: dict[str, Any] = {}
    for p in ctx.pages():
        pages.setdefault(p.url, p)
        if p.final_url and 200 <= p.status < 300:
            pages.setdefault(p.final_url, p)
    page_urls = {p.id: p.url for p in pages.values()}
    home = ctx.homepage

    def ok_html(url: str | None) -> Any | None:
        """A fetched list page: HTML, or a Hanweb dataproxy answer (XML)."""
        p = pages.get(url) if url else None
        ctype = (p.content_type or "html").lower() if p is not None else ""
        if p is None or not (200 <= p.status < 300) or ("html" not in ctype
                                                         and "xml" not in ctype):
            return None
        return p

    # 1. candidates: registry hints, then links whose text (or URL) names a channel
    hints = dict(getattr(ctx.spec, "hints", None) or ctx.site.hints or {})
    boards: dict[str, Board] = {}
    for kind, key in (("consult", "mailbox"), ("survey", "survey")):
        for url in _hint_urls(hints.get(key)):
            boards[url] = Board(url=url, kind=kind, name=KIND_NAMES[kind], hinted=True)
    hinted_kinds = {b.kind for b in boards.values()}
    if "consult" in hinted_kinds:
        hinted_kinds |= set(vocab.consultation_kinds)
    linkers: dict[str, set[int]] = {}
    rows = session.execute(
        select(Link.target, Link.anchor, Link.page_id, Link.kind)
        .where(Link.run_id == run_id, Link.site_id == site_id, Link.tag.in_(("a", "area")))
        .order_by(Link.id))
    kinds: dict[tuple[str | None, str], str | None] = {}  # navigation repeats on every page
    for target, anchor, page_id, link_kind in rows:
        if link_kind in ("attachment", "image"):
            continue
        board = boards.get(target)
        if board is not None and board.hinted:
            if board.source is None or (home is not None and page_id == home.id):
                board.source = page_urls.get(page_id)
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
                                   source=page_urls.get(page_id))
        elif home is not None and page_id == home.id and board.source != home.url:
            board.source = home.url  # homepage links are the evidence supervisors look for

    # 2. is each channel working? (crawled, or verified as a link)
    checks: dict[str, Any] = {}
    targets = list(boards)
    for i in range(0, len(targets), 500):
        for lc in session.scalars(select(LinkCheck).where(
                LinkCheck.run_id == run_id, LinkCheck.target.in_(targets[i:i + 500]))):
            checks[lc.target] = lc
    for board in boards.values():
        board.fetched = ok_html(board.url) is not None
        lc = checks.get(board.url)
        if board.fetched or (lc is not None and lc.outcome == "ok"):
            board.working = True
        elif (lc is not None and lc.outcome == "broken") or (
                board.url in pages and pages[board.url].status >= 400):
            board.working = False

    # 3. read each candidate's list pages (its pager and, for the entry page, its frames)
    html_cache: dict[int, str | None] = {}

    def html_of(page: Any) -> str | None:
        if page.id not in html_cache:
            html_cache[page.id] = ctx.html(page)
        return html_cache[page.id]

    def link_rows(page: Any) -> list[tuple[str, str, str | None]]:
        return [tuple(r) for r in session.execute(
            select(Link.target, Link.tag, Link.anchor).where(Link.page_id == page.id)
            .order_by(Link.id))]

    # Navigation first: hinted, linked from the homepage, linked from many pages. A
    # "candidate" that turns out to be a message of a board (a short title with 咨询 in
    # it) or another page of a board is dropped below.
    home_id = home.id if home is not None else None
    order = sorted(boards.values(), key=lambda b: (
        not b.hinted, home_id not in linkers.get(b.url, ()), -len(linkers.get(b.url, ())),
        b.kind not in vocab.consultation_kinds))
    for board in order:
        if board.kind not in BOARD_KINDS or not board.fetched:
            continue
        queue, seen = [board.url], {board.url}
        while queue and len(board.pages) < MAX_BOARD_PAGES:
            url = queue.pop(0)
            page = ok_html(url)
            if page is None:
                continue
            board.pages.append(url)
            for target, tag, anchor in link_rows(page):
                if target in seen:
                    continue
                if (tag in ("iframe", "frame") and url == board.url) or (
                        tag in ("a", "area") and is_pager_link(url, target, anchor)):
                    seen.add(target)
                    queue.append(target)
            html = html_of(page)
            for hidden in paging.discover(html, url).pages if html else ():
                if hidden.url not in seen:  # script pagers (TRS createPageHTML, Hanweb ...)
                    seen.add(hidden.url)
                    queue.append(hidden.url)
        messages = board.kind in vocab.consultation_kinds
        for url in board.pages:
            html = html_of(ok_html(url))
            if html is None:
                continue
            recs, empty = list_records(html, url, ctx.as_of, messages=messages, vocab=vocab)
            loaded = jsonrows.board_records(ctx, html, url, vocab, messages)
            if loaded is not None:  # rows its script loads from a stored JSON answer
                recs, empty = recs + loaded[0], loaded[1] and not recs
            board.empty = board.empty or (empty and url == board.url)
            board.records.extend(recs)
        for url in board.pages[1:]:
            html_cache.pop(ok_html(url).id, None)

    # 4. drop candidates that are messages or list pages of another board, and aliases
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

    # 5. complete messages from their detail pages
    for board in kept:
        if board.kind not in vocab.consultation_kinds:
            continue
        for rec in board.records:
            page = ok_html(rec.url) if rec.url not in taken_pages else None
            if page is None:
                continue
            html = html_of(page)
            if html is not None:
                merge_detail(rec, parse_detail(html, ctx.as_of, vocab))
            html_cache.pop(page.id, None)
    return Interaction(boards=kept, consultation_kinds=vocab.consultation_kinds)
