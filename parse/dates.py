"""Publish dates as government pages write them (``cms-patterns.md`` "Dates").

The one date parser of govmon: list rows, board messages, article bylines, URLs and meta
tags all go through it. Pure text functions, no I/O: list-row dates (full and year-less),
the byline of an article, the date in an article URL and the ``PubDate``-style meta tags.
:func:`article_date` (raw HTML) and :func:`page_date` (a parsed page's visible text) apply
the documented order: labelled visible date, then URL, then meta — meta tags are often the
page's regeneration time.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from datetime import date

MIN_YEAR, MAX_YEAR = 1980, 2099

# Full-width digits and punctuation, the ratio sign U+2236 used as a colon, U+3000 and NBSP.
_TRANS = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "：": ":", "∶": ":", "／": "/", "－": "-", "．": ".", "　": " ", "\xa0": " ",
    "［": "[", "］": "]", "（": "(", "）": ")", "【": "[", "】": "]",
})
_SPACES = re.compile(r"[ \t\r\n\f\v]+")

# 2024-10-14, 2024/6/19, 2024-3/5 (dashes and slashes mix), 2021.07.07 (dots only with
# dots: 2024.3-5 is a range, not a day), 2024年3月7日
_FULL = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/]\s*(\d{1,2})\s*[-/]|\.\s*(\d{1,2})\s*\."
    r"|年\s*(\d{1,2})\s*月)\s*(\d{1,2})(?!\d)")
# 03-16, [02-26], 3月5日, 3月5 — no year; dots are left out (3.16 is more often a number).
# The 月 form may follow Chinese text (于3月5日); the dash form may not (第3-4季度).
_YEARLESS = re.compile(
    r"(?<![\w\-/.:])(\d{1,2})\s*[-/]\s*(\d{1,2})(?![\w\-/.:]|\s*[时:])"
    r"|(?<![\d\-/.:A-Za-z_])(\d{1,2})\s*月\s*(\d{1,2})(?:\s*日)?(?![\d\-/.:]|\s*[时:])")
_BRACKETS = "[]()<>【】 "

# Labels of the visible publish date of an article. 日期/时间 alone only when no other
# Chinese character precedes them (成文日期, 页面生成时间, 更新时间 are not publish dates).
_LABEL = re.compile(
    r"(?:发\s*布\s*(?:时\s*间|日\s*期)|发\s*表\s*(?:时\s*间|日\s*期)|公\s*开\s*日\s*期|发\s*布\s*于"
    r"|(?<![\u4e00-\u9fff])(?:日\s*期|时\s*间))\s*[:：∶]?\s*")
_DROP = re.compile(r"<(script|style|noscript|textarea)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")

_URL_DATES = (
    re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/"),            # Hanweb
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),         # TRS tYYYYMMDD_
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),        # /2020/9/15/
    re.compile(r"/((?:19|20)\d{2})/(\d{2})-(\d{2})/"),            # henan /2022/08-11/
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),            # /2024-03/07/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),              # /20240307/
)
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
META_DATE_NAMES = ("pubdate", "firstpublishedtime", "publishdate", "pubdatetime",
                   "article:published_time", "createdate")


@dataclass(frozen=True, slots=True)
class Found:
    """A date found in text; ``year`` is None for year-less list dates (03-16)."""

    year: int | None
    month: int
    day: int
    start: int
    end: int

    def as_date(self) -> date | None:
        return _make(self.year, self.month, self.day) if self.year else None


def normalise(text: str) -> str:
    """Full-width digits/colons, U+2236, U+3000, NBSP and runs of spaces made plain."""
    return _SPACES.sub(" ", text.translate(_TRANS)).strip()


def _make(y: int | None, m: int, d: int) -> date | None:
    if y is None or not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _valid_md(m: int, d: int) -> bool:
    try:
        date(2000, m, d)  # a leap year: 02-29 is a possible list date
    except ValueError:
        return False
    return True


def find_full(text: str) -> list[Found]:
    """Every valid date with a year in (normalised) ``text``."""
    out = []
    for mt in _FULL.finditer(text):
        y = int(mt.group(1))
        m, d = int(mt.group(2) or mt.group(3) or mt.group(4)), int(mt.group(5))
        if _make(y, m, d):
            end = mt.end()
            if text.startswith("日", end):
                end += 1
            out.append(Found(y, m, d, mt.start(), end))
    return out


def find_yearless(text: str) -> list[Found]:
    """Valid month-day pairs without a year (``03-16``, ``[02-26]``, ``3月5日``)."""
    out = []
    for mt in _YEARLESS.finditer(text):
        m = int(mt.group(1) or mt.group(3))
        d = int(mt.group(2) or mt.group(4))
        if _valid_md(m, d):
            out.append(Found(None, m, d, mt.start(), mt.end()))
    return out


def find_date(text: str) -> Found | None:
    """The first full date in ``text``, else the first year-less one."""
    text = normalise(text)
    full = find_full(text)
    if full:
        return full[0]
    yl = find_yearless(text)
    return yl[0] if yl else None


def only_date(text: str) -> Found | None:
    """A date when ``text`` is nothing but a date (brackets and a time allowed)."""
    t = normalise(text).strip(_BRACKETS)
    if not t or len(t) > 40:
        return None
    hit = find_date(t)
    if hit is None or hit.start > 1:
        return None
    rest = t[hit.end:].strip()
    if rest and not re.fullmatch(r"[\d:时分秒 .]*(?:GMT[+-]?\d{2}:?\d{2})?", rest):
        return None
    return hit


def parse_date(text: str | None) -> date | None:
    """A full date at the start of a value such as ``2024-03-07 10:00`` or
    ``2024-03-07-10:30:00`` (www.gov.cn's ``firstpublishedtime``)."""
    if not text:
        return None
    t = normalise(text)
    full = find_full(t[:40])
    if not full:
        m = re.match(r"((?:19|20)\d{2})-(\d{2})-(\d{2})-\d", t)
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    return full[0].as_date() if full[0].start <= 2 else None


def resolve_year(month: int, day: int, as_of: date,
                 after: date | None = None) -> date | None:
    """The date of a year-less list entry.

    Lists run newest first, so an entry is on or before the one above it (``after``); the
    first entry takes the crawl date's year, or the previous year when that would put it
    in the future (cms-patterns.md).
    """
    ref = after if after is not None else as_of
    year = ref.year
    candidate = _make(year, month, day)
    if candidate is None and month == 2 and day == 29:  # 02-29 in a non-leap year
        year -= 1
        while _make(year, month, day) is None and year > MIN_YEAR:
            year -= 1
        return _make(year, month, day)
    if candidate is not None and candidate > ref:
        candidate = _make(year - 1, month, day)
    return candidate


def strip_html(html: str) -> str:
    """Visible text of an HTML fragment, scripts, styles and comments (build stamps) removed;
    every character reference decoded (``&#21457;&#24067;时间`` is 发布时间)."""
    text = _TAG.sub(" ", _DROP.sub(" ", html))
    return normalise(htmllib.unescape(text) if "&" in text else text)


def labelled_date(text: str) -> date | None:
    """The date after a 发布时间 / 发布日期 / 日期 label in visible text (a byline). The
    text need not be normalised: only the few characters after each label are."""
    best: date | None = None
    for mt in _LABEL.finditer(text):
        hit = find_full(normalise(text[mt.end():mt.end() + 40])[:24])
        if hit and hit[0].start <= 2:
            day = hit[0].as_date()
            label = mt.group(0)
            if "发" in label or "公" in label:
                return day  # an explicit publish label wins at once
            best = best or day
    return best


def url_date(url: str) -> date | None:
    """The date in an article URL (Hanweb ``/art/Y/M/D/``, TRS ``tYYYYMMDD_``, ...)."""
    for rx in _URL_DATES:
        m = rx.search(url)
        if m:
            d = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                return d
    return None


def metas(html: str, limit: int = 20000) -> dict[str, str]:
    """``<meta name=… content=…>`` pairs of the page head (names lower-cased)."""
    out: dict[str, str] = {}
    head = html[:limit]
    for tag in _META.finditer(head):
        attrs = {k.lower(): (a or b or c) for k, a, b, c in _ATTR.findall(tag.group(0))}
        name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        if name and "content" in attrs:
            out.setdefault(name, attrs["content"].strip())
    return out


def meta_date(html: str) -> date | None:
    found = metas(html)
    for name in META_DATE_NAMES:
        d = parse_date(found.get(name))
        if d:
            return d
    return None


def page_date(text: str, url: str, meta: dict[str, str] | None = None
              ) -> tuple[date | None, str | None]:
    """(date, source) of a page from its visible text (already entity-decoded, as a parser
    gives it), its URL and its meta tags (lower-cased names): ``byline`` > ``url`` > ``meta``."""
    d = labelled_date(text) if text else None
    if d:
        return d, "byline"
    d = url_date(url)
    if d:
        return d, "url"
    for name in META_DATE_NAMES:
        d = parse_date((meta or {}).get(name))
        if d:
            return d, "meta"
    return None, None


def article_date(html: str | None, url: str) -> tuple[date | None, str | None]:
    """(date, source) of an article page: ``byline`` > ``url`` > ``meta``.

    ``html`` None means the article was not fetched: only its URL can tell.
    """
    if html:
        d = labelled_date(strip_html(html))
        if d:
            return d, "byline"
    d = url_date(url)
    if d:
        return d, "url"
    if html:
        d = meta_date(html)
        if d:
            return d, "meta"
    return None, None
