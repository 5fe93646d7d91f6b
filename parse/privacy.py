"""Personal numbers in published text: resident ID, mobile and bank-card numbers. Pure.

What counts (issue 17, ``privacy.personal_data``):

* **resident ID numbers** (公民身份号码, GB 11643-1999): 18 digits whose last character is
  the ISO 7064 MOD 11-2 check digit, with a known province code and a real birth date not
  after the day of the check; the 15-digit old form (no check digit) only with an ID label
  nearby (身份证 / 证件号 / 身份号码), since 15 random digits look like a date too often;
* **mobile numbers**: 1[3-9]x + 8 digits (``+86``/``86`` and ``138-1234-5678`` spellings
  too), never a part of a longer digit run, and not a number a contact label introduces
  (联系电话 / 咨询电话 / 联系人 …: an office publishing its own contact is not a leak; the
  site's footer phone is left out by the caller, who knows the footers);
* **bank-card numbers**: 16-19 digits passing the Luhn check, starting like a card (3, 4,
  5, 6, 9), with a card label (卡号 / 银行卡 / 账号 / 一卡通 …) as the nearest label before
  it or as its table column's header — an order or serial number (订单号 / 流水号 / 编号 …)
  that happens to pass Luhn is not a card.

Masked numbers (``110***********1234``, ``138****1234``) contain no full number and are
never hits. A hit carries the number masked (first 3 / last 4 digits shown, as the
examples do) and nothing else of it: callers store and show only ``masked``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from parse.page import text_of

# First two digits of a resident ID: provinces (GB/T 2260), Taiwan 71, HK 81, Macao 82,
# and 83 of the residence permits for Taiwan residents.
PROVINCES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83})
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ－＋", "0123456789xX-+")

ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{15})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?(1[3-9]\d)([- ]?)(\d{4})\2(\d{4})(?![\d])")
CARD = re.compile(r"(?<![\d])(\d(?:[ -]?\d){15,18})(?![\d])")
ID_LABEL = re.compile(r"身份证|身份号码|证件号|证件号码|公民身份")
# The nearest label before a long number decides what it is: a card, or something else.
CARD_WORDS = r"卡号|银行卡|借记卡|信用卡|社保卡|一卡通|一折通|存折|账号|帐号|账户|帐户|收款账号"
OTHER_WORDS = (r"订单|单号|流水|编号|序号|序列|凭证|发票|合同|批次|条码|条形码|快递|运单|邮件号|"
               r"统一社会信用代码|信用代码|登记号|证书|许可证|工单|案号|文号|受理号|档案号")
NUMBER_LABEL = re.compile(f"(?P<card>{CARD_WORDS})|(?P<other>{OTHER_WORDS})")
CONTACT_LABEL = re.compile(r"联系|咨询|热线|举报|监督|投诉|值班|办公电话|传真|客服|服务电话")
# 11 or more digits in a row, single spaces or hyphens allowed between them: every number
# looked for has one (one regex pass rules out most lines and pages)
LONG_NUMBER = re.compile(r"\d(?:[ -]?\d){10}")
LABEL_REACH = 20  # characters before a number searched for its label
KINDS = ("id_card", "mobile", "bank_card")


@dataclass(frozen=True, slots=True)
class Hit:
    """One personal number found: its kind and its masked form (the full number is not
    kept); ``start``/``end`` locate it in the text scanned, ``label`` is the label that
    made it count (or ``""``)."""

    kind: str
    masked: str
    start: int
    end: int
    label: str = ""


def mask(digits: str) -> str:
    """The first three and last four characters shown, the rest starred:
    ``110101199003071234`` → ``110***********1234``, ``13812345678`` → ``138****5678``."""
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth_ok(year: int, month: int, day: int, today: date) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= today


def valid_id18(number: str, today: date) -> bool:
    """A resident ID number: province code, birth date, check digit."""
    if int(number[:2]) not in PROVINCES:
        return False
    if not _birth_ok(int(number[6:10]), int(number[10:12]), int(number[12:14]), today):
        return False
    return id_check_digit(number[:17]) == number[17].upper()


def valid_id15(number: str, today: date) -> bool:
    """The old 15-digit form (before 1999): province code and a 19YY birth date."""
    return (int(number[:2]) in PROVINCES
            and _birth_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]),
                          today))


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _nearest_label(context: str) -> re.Match | None:
    last = None
    for m in NUMBER_LABEL.finditer(context):
        last = m
    return last


def find(text: str, *, header: str = "", today: date | None = None) -> list[Hit]:
    """Personal numbers in one line (or cell) of text. ``header``: the table column's
    header when the text is a cell (its label counts as a label "nearby")."""
    if not text or (not LONG_NUMBER.search(text) and not _has_fullwidth(text)):
        return []  # no run of 11 digits (separators allowed): nothing to find (most lines)
    today = today or date.today()
    text = text.translate(_FULLWIDTH)
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in ID18.finditer(text):
        if valid_id18(m.group(1), today):
            hits.append(Hit("id_card", mask(m.group(1)), m.start(1), m.end(1)))
            taken.append((m.start(1), m.end(1)))
    for m in ID15.finditer(text):
        if not free(m.start(1), m.end(1)) or not valid_id15(m.group(1), today):
            continue
        before = text[max(0, m.start(1) - LABEL_REACH):m.start(1)]
        label = ID_LABEL.search(before) or ID_LABEL.search(header)
        if label is not None:
            hits.append(Hit("id_card", mask(m.group(1)), m.start(1), m.end(1), label.group(0)))
            taken.append((m.start(1), m.end(1)))
    for m in CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group(1))
        if (not 16 <= len(digits) <= 19 or digits[0] not in "34569" or not luhn(digits)
                or not free(m.start(1), m.end(1))):
            continue
        label = _nearest_label(text[max(0, m.start(1) - LABEL_REACH):m.start(1)])
        if label is None:
            label = _nearest_label(header)
        if label is not None and label.group("card"):
            hits.append(Hit("bank_card", mask(digits), m.start(1), m.end(1), label.group(0)))
            taken.append((m.start(1), m.end(1)))
    for m in MOBILE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        before = text[max(0, m.start() - LABEL_REACH // 2 - 6):m.start()]
        if CONTACT_LABEL.search(before):
            continue  # an office's contact number, introduced as such
        digits = m.group(1) + m.group(3) + m.group(4)
        hits.append(Hit("mobile", mask(digits), m.start(), m.end()))
        taken.append((m.start(), m.end()))
    return sorted(hits, key=lambda h: h.start)


_FULLWIDTH_DIGIT = re.compile("[０-９]")


def _has_fullwidth(text: str) -> bool:
    return _FULLWIDTH_DIGIT.search(text, 0, 4096) is not None


@dataclass(frozen=True, slots=True)
class Located:
    """A hit with where it was: ``location`` in words (第 12 行, 表格第 3 行第 2 列,
    Sheet1!C5, 第 2 页第 7 行)."""

    kind: str
    masked: str
    location: str
    label: str = ""


def scan(segments: Iterable[tuple[str, str, str]], today: date | None = None,
         skip: frozenset[str] | set[str] = frozenset()) -> list[Located]:
    """Hits in (location, text, header) segments, each masked number once (its first
    place); ``skip``: masked mobile numbers to leave out (the site's own footer phones)."""
    out: list[Located] = []
    seen: set[tuple[str, str]] = set()
    for location, text, header in segments:
        for hit in find(text, header=header, today=today):
            key = (hit.kind, hit.masked)
            if key in seen or (hit.kind == "mobile" and hit.masked in skip):
                continue
            seen.add(key)
            out.append(Located(hit.kind, hit.masked, location, hit.label))
    return out


def line_segments(lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    for i, line in enumerate(lines, start=1):
        yield f"第{i}行", line, ""



def page_segments(view: Any) -> Iterator[tuple[str, str, str]]:
    """(location, text, header) of a parsed page (``parse.page.PageView``): the cells of its
    tables with their column headers first (a 公示 list names its columns once), then its
    title and visible text lines without the footer containers (the site's own contact
    lines live there)."""
    doc = view.doc
    if doc is None:
        return
    if "<table" in view.html or "<TABLE" in view.html:
        for t, table in enumerate(doc.iter("table"), start=1):
            if next(table.iterdescendants("table"), None) is not None:
                continue  # a layout table: its inner tables are the lists
            header: list[str] = []
            for r, row in enumerate(table.iter("tr"), start=1):
                cells = [" ".join(text_of(c).split()) for c in row if c.tag in ("td", "th")]
                if not header:
                    header = cells
                    continue
                for c, cell in enumerate(cells):
                    yield (f"表格{t}第{r}行第{c + 1}列", cell,
                           header[c] if c < len(header) else "")
    # the <title> as served (the store keeps titles masked, ``view.title`` may be that)
    title = doc.find(".//title")
    yield "标题", " ".join(text_of(title).split()) if title is not None else "", ""
    yield from line_segments(view.main_lines)


def page_hits(view: Any, today: date | None = None) -> list[Located]:
    """The personal numbers of a parsed page (``page_segments``), each once."""
    if not LONG_NUMBER.search(view.html) and not _has_fullwidth(view.html):
        return []
    return scan(page_segments(view), today=today)


def masked_mobiles(text: str) -> set[str]:
    """Every mobile number in ``text`` masked, labels ignored: a site's own contact line
    (its footer) names the numbers that are not leaks on its pages."""
    text = text.translate(_FULLWIDTH)
    return {mask(m.group(1) + m.group(3) + m.group(4)) for m in MOBILE.finditer(text)}


def redact(text: str | None) -> str | None:
    """``text`` with every personal number it holds masked (titles, anchors, list rows the
    store keeps: the full number must live only in the compressed snapshots)."""
    if not text or (not LONG_NUMBER.search(text) and not _has_fullwidth(text)):
        return text
    hits = find(text)
    if not hits:
        return text
    out, last = [], 0
    for hit in hits:
        out.append(text[last:hit.start])
        out.append(hit.masked)
        last = hit.end
    out.append(text[last:])
    return "".join(out)
