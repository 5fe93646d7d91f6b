"""URLs as the crawl and the page parsers spell them: one canonical form, resolved links.

Canonical URLs are what makes "verified exactly once per run" true: two spellings of the
same target (Chinese characters raw or percent-encoded, a ``#fragment``, ``:80``) map to
one string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

IGNORED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:")


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


def document_base(doc: Any, url: str) -> str:
    """The URL a parsed page's relative links resolve against: its first ``<base href>``
    (only the first counts, as in browsers), else the page's own URL."""
    for b in doc.iter("base"):
        href = b.get("href")
        if href and not is_ignored_href(href):
            return urljoin(url, href.strip())
        break
    return url



@dataclass(slots=True)
class RawLink:
    url: str
    tag: str
    attr: str
    anchor: str | None


_RESOLVED: dict[tuple[str, str], str | None] = {}
_RESOLVED_MAX = 50_000


def _join_key(base: str, ref: str) -> str | None:
    """The part of ``base`` that ``urljoin(base, ref)`` depends on (None: all of it).

    Most links on a page are the same absolute paths as on the site's other pages (menus,
    footers), so keying the cache by origin or directory rather than by page makes them hits.
    """
    if ref[:1] in ("", "?", ";", "#"):
        return None
    b = base.split("#", 1)[0].split("?", 1)[0]
    start = b.find("://")
    if start < 0:
        return None
    if ref[:8].lower().startswith(("http://", "https://")):
        if ref[ref.find("//") + 2:][:1] in ("", "/", "?", "#", ";"):
            return None  # no host
        return b[:start]  # absolute: only whether the schemes match
    if ":" in ref.split("/", 1)[0]:
        return None  # another scheme, or "http:relative"
    slash = b.find("/", start + 3)
    if ref[0] == "/":  # "/path" or "//host/path": the origin
        if ref[1:2] == "/" and ref[2:3] in ("", "/", "?", "#", ";"):
            return None  # no host after "//": urljoin falls back to the base's path
        return b if slash < 0 else b[:slash]
    return b[:b.rfind("/") + 1] if slash >= 0 else b  # relative: the base's directory


def resolve(base: str, ref: str) -> str | None:
    """``canonical(urljoin(base, ref))``, memoised (link resolution was a tenth of a crawl
    worker's CPU)."""
    key = _join_key(base, ref)
    if key is None:
        return canonical(urljoin(base, ref))
    k = (key, ref)
    try:
        return _RESOLVED[k]
    except KeyError:
        pass
    if len(_RESOLVED) >= _RESOLVED_MAX:
        _RESOLVED.clear()
    target = _RESOLVED[k] = canonical(urljoin(base, ref))
    return target


ATTACHMENT_EXTENSIONS = frozenset(
    ".pdf .doc .docx .xls .xlsx .wps .et .dps .ppt .pptx .zip .rar .7z .txt .ofd .csv "
    ".mp4 .mp3 .avi .flv .apk .exe .tar .gz".split()
)
IMAGE_EXTENSIONS = frozenset(".jpg .jpeg .png .gif .bmp .webp .svg .ico".split())


@lru_cache(maxsize=65536)  # twice per link (attachment? image?), same URLs on every page
def extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def is_attachment(url: str) -> bool:
    return extension(url) in ATTACHMENT_EXTENSIONS


def is_image(url: str) -> bool:
    return extension(url) in IMAGE_EXTENSIONS


def in_scopes(url: str, scopes: list[tuple[str, str]]) -> bool:
    """Whether ``url`` lies in one of ``scopes`` ((host[:port], path prefix) pairs)."""
    parts = urlsplit(url)
    netloc, path = parts.netloc.lower(), parts.path or "/"
    return any(netloc == h and path.startswith(p) for h, p in scopes)


# A list's pages and aliases: index pages and pager parameters (column_key drops them).
INDEX_NAME = re.compile(r"^(?:index|default)(?:_\d+)?\.(?:s?html?|jsp|php|aspx?)$", re.I)
DROP_PARAMS = {"pageIndex", "pageindex", "page", "pageNum", "pagenum", "pageNo", "pageno",
               "cur_page", "currentPage", "currentpage", "curPage", "curpage", "p", "pn", "uid",
               "offset", "start", "startrecord", "endrecord", "perpage"}


def column_key(url: str) -> str:
    """One spelling per column: ``/a/index.html``, ``/a/``, ``/a/index_2.html`` and pager
    parameters collapse."""
    parts = urlsplit(url)
    path = parts.path or "/"
    name = path.rsplit("/", 1)[-1]
    if INDEX_NAME.match(name):
        path = path[: len(path) - len(name)]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in DROP_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def parent_keys(key: str) -> list[str]:
    parts = urlsplit(key)
    segs = [s for s in parts.path.split("/") if s]
    out = []
    for i in range(len(segs) - 1, 0, -1):
        out.append(urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segs[:i]) + "/", "",
                               "")))
    return out
