"""URL canonicalisation, link kinds and spider-trap guards.

Canonical URLs are what makes "verified exactly once per run" true: two spellings of the
same target (Chinese characters raw or percent-encoded, a ``#fragment``, ``:80``) map to
one string.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit, urlunsplit

from w3lib.url import safe_url_string

IGNORED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:")
ATTACHMENT_EXTENSIONS = frozenset(
    ".pdf .doc .docx .xls .xlsx .wps .et .dps .ppt .pptx .zip .rar .7z .txt .ofd .csv "
    ".mp4 .mp3 .avi .flv .apk .exe .tar .gz".split()
)
IMAGE_EXTENSIONS = frozenset(".jpg .jpeg .png .gif .bmp .webp .svg .ico".split())
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DIGITS = re.compile(r"\d+")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def canonical(url: str) -> str | None:
    """Absolute http(s) URL in one canonical spelling, or None if not crawlable."""
    url = url.strip()
    if not url:
        return None
    try:
        parts = urlsplit(safe_url_string(url, encoding="utf-8"))
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    query = parts.query
    if "%" in path:
        path = _PCT.sub(_normalise_escape, path)
    if "%" in query:
        query = _PCT.sub(_normalise_escape, query)
    if "/." in path:  # resolve ../ that survived joining (e.g. above the root)
        path = _remove_dot_segments(path)
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalise_escape(m: re.Match[str]) -> str:
    """RFC 3986 6.2.2: ``%e4`` and ``%E4`` are one URL, and ``%7E`` is ``~``."""
    char = chr(int(m.group(0)[1:], 16))
    return char if char in _UNRESERVED else m.group(0).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 for an absolute path: ``..`` never climbs above the root, and a
    trailing ``.``/``..`` names a directory (``/a/b/..`` is ``/a/``)."""
    segments = path.split("/")[1:]
    out: list[str] = []
    for seg in segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if segments and segments[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def is_ignored_href(href: str) -> bool:
    h = href.strip().lower()
    return not h or h.startswith("#") or h.startswith(IGNORED_SCHEMES)


@lru_cache(maxsize=65536)  # twice per link (attachment? image?), same URLs on every page
def extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def is_attachment(url: str) -> bool:
    return extension(url) in ATTACHMENT_EXTENSIONS


def is_image(url: str) -> bool:
    return extension(url) in IMAGE_EXTENSIONS


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


PAGER_KEYS = frozenset(
    "page pageindex pagenum pageno page_no cur_page currentpage curpage pn p startrecord "
    "endrecord perpage offset start emaillist.offset".split())
_PAGED_FILE = re.compile(r"^(?P<stem>[\w-]+?)(?:_\d+)?\.(?:s?html?|jsp|asp|aspx|php)$", re.I)


def is_pager_sibling(page_url: str, link_url: str) -> bool:
    """Is ``link_url`` another page of the same list as ``page_url``?

    Next-page links (``?pageIndex=3``, ``index_2.html``) are crawled at the list's own
    depth: a board with forty pages is one column, not forty levels deep.
    """
    a, b = urlsplit(page_url), urlsplit(link_url)
    if a.netloc != b.netloc:
        return False
    if a.path == b.path:
        qa, qb = parse_qs(a.query), parse_qs(b.query)
        changed = {k for k in set(qa) | set(qb) if qa.get(k) != qb.get(k)}
        return bool(changed) and all(k.lower() in PAGER_KEYS for k in changed)
    da, _, fa = a.path.rpartition("/")
    db, _, fb = b.path.rpartition("/")
    if da != db or a.query != b.query:
        return False
    ma, mb = _PAGED_FILE.match(fa or "index.html"), _PAGED_FILE.match(fb or "index.html")
    return bool(ma and mb and ma.group("stem") == mb.group("stem"))
