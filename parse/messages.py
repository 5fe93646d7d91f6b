"""Citizen messages and surveys: the vocabulary, statuses and labelled fields of a record.

Boards spell their fields many ways; the wordings live in ``parse/data/mailbox_vocab.yaml``.
A page is cut into text segments at element boundaries, segments are read as
``label：value`` fields where a known label starts them, and what is left (a bare status
word, a date, a unit name) is classified by its content (:func:`tokenize`, ``_apply``).
Rows of list pages and detail pages are read by :mod:`parse.message_lists`; the boards of a
site are found by the derive step (``derive/boards.py``).

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
from urllib.parse import urlsplit

import yaml

from parse import dates
from parse.datafile import DATA

VOCAB_PATH = DATA / "mailbox_vocab.yaml"
MESSAGE_KINDS = ("consult", "complaint")  # overridden by vocab consultation_kinds
BOARD_KINDS = ("consult", "complaint", "survey", "interview")
KIND_NAMES = {"consult": "政务咨询", "complaint": "投诉举报", "survey": "调查征集",
              "interview": "在线访谈", "petition": "信访", "discipline": "纪检举报"}
FIELD_NAMES = {"submitted": "留言时间", "replied": "答复时间", "unit": "答复单位",
               "reply_text": "答复内容"}

_SKIP_TAGS = {"script", "style", "noscript", "template", "select", "option", "textarea",
              "head", "title"}
_WS = re.compile(r"\s+")
_GENERIC_LINK = re.compile(r"^(查看|详情|详细|查看详情|详细信息|更多|回复|阅读全文|点击查看|"
                           r">>|>|»|\.\.\.|…)+$")
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
