"""URL canonicalisation, link kinds and spider-trap guards.

Canonical URLs are what makes "verified exactly once per run" true: two spellings of the
same target (Chinese characters raw or percent-encoded, a ``#fragment``, ``:80``) map to
one string.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

from parse.paging import is_pager_sibling  # noqa: F401 - re-exported for the crawl
from parse.urls import (  # noqa: F401 - re-exported for the crawl
    IGNORED_SCHEMES,
    canonical,
    extension,
    is_attachment,
    is_ignored_href,
    is_image,
)

_DIGITS = re.compile(r"\d+")


def link_kind(tag: str, attr: str, url: str, same_site: bool) -> str:
    """Kind of a link as rules and reports name it."""
    if tag == "img" or (tag == "input" and attr == "src"):
        return "image"
    if tag == "script":
        return "script"
    if tag == "link":
        return "stylesheet"
    if tag in ("iframe", "frame"):
        return "frame"
    if is_attachment(url):
        return "attachment"
    if is_image(url):
        return "image"
    return "internal" if same_site else "external"


class TrapGuard:
    """Bounds spider traps: endless calendars and query-string explosions.

    * a path may be requested with at most ``max_query_variants`` distinct query strings;
    * a path repeating a segment sequence (``/a/b/a/b/a/b``) or longer than 1,000
      characters is refused;
    depth and page budgets bound the rest (a calendar's "next month" is one level deeper).
    """

    def __init__(self, max_query_variants: int = 100):
        self.max_query_variants = max_query_variants
        self._variants: dict[str, int] = defaultdict(int)

    def allow(self, url: str) -> bool:
        parts = urlsplit(url)
        if len(url) > 1000 or _repeats(parts.path):
            return False
        if parts.query:
            key = parts.netloc + parts.path
            if self._variants[key] >= self.max_query_variants:
                return False
            self._variants[key] += 1
        return True


def _repeats(path: str) -> bool:
    segs = [s for s in path.split("/") if s]
    if len(segs) < 6:
        return False
    for size in (1, 2, 3):
        tail = segs[-size:]
        if segs[-3 * size:] == tail * 3:
            return True
    return False


def path_template(url: str) -> str:
    """Path with digit runs collapsed (used by reports to group similar URLs)."""
    parts = urlsplit(url)
    return parts.netloc + _DIGITS.sub("N", parts.path)
