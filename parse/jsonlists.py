"""JSON list endpoints behind list pages: find them in inline scripts, read their answers.

Many government lists are an HTML shell whose script loads the rows from a JSON endpoint:
政务咨询 / 领导信箱 boards (``cms-patterns.md`` "Mailboxes": fields like ``stateInfo``,
``answerId``, ``dateline`` in epoch seconds) and some columns ("Other families": lists
rendered by JS from an API). Reading only HTML, such a column looks empty and a board shows
no messages. Pure functions of a page's text or an answer's bytes:

* :func:`discover` — the endpoints the page's inline scripts call (the calls are read by
  :mod:`parse.jscalls`: ``$.getJSON``, ``$.ajax``, ``fetch``, ``axios`` … with their
  literal parameters);
* :func:`parse_json_text` / :func:`list_info` — an answer's rows array (the largest array
  of titled objects) and what it says about the list's size (``totalPage``/``pages``, or
  ``total`` with ``pageSize``);
* :func:`later_pages` — the list's further pages, bounded like script paging
  (``parse.paging.MAX_PAGES``).

The crawl requests the endpoints and stores the answers as pages (``crawler/jsonlists.py``);
the derive step reads the stored answers back with the same functions
(``derive/jsonrows.py``). A POST endpoint is stored under its URL with the form fields
appended as a query (one stable identity per page of the list); the request itself sends
them in the body.
"""

from __future__ import annotations

import html as htmllib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parse import charset
from parse.jscalls import page_calls
from parse.paging import MAX_PAGES, PAGE_PARAMS, _with_params
from parse.urls import canonical, is_ignored_href

MAX_ENDPOINTS_PER_PAGE = 8
_PAGE_KEYS = {p.lower() for p in PAGE_PARAMS}
# Size parameters of a request (``rows`` is EasyUI's page size; in answers it is the list).
_SIZE_PARAMS = ("pagesize", "size", "rows", "limit", "perpage", "pagerows", "num")

# Keys are compared lower-cased without underscores (``DOCTITLE``, ``doc_title``).
TITLE_KEYS = ("title", "doctitle", "articletitle", "infotitle", "newstitle", "mailtitle",
              "lettertitle", "consulttitle", "questiontitle", "subject", "topic", "headline",
              "maintitle", "showtitle", "bt", "xjbt", "lybt")  # bt: 标题; 信件/留言标题
URL_KEYS = ("url", "link", "href", "linkurl", "docurl", "docpuburl", "puburl", "articleurl",
            "detailurl", "pageurl", "infourl", "viewurl", "contenturl", "htmlurl", "linkaddr",
            "redirecturl", "jumpurl")
ROWS_KEYS = ("list", "rows", "data", "records", "items", "result", "results", "datas",
             "datalist", "resultlist", "content", "recordlist", "infolist", "doclist",
             "articlelist", "pagelist", "mails", "maillist", "letters")
PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "countpage", "pagetotal",
              "totalpagenum", "totalpagecount", "pagesum")
TOTAL_KEYS = ("total", "totalcount", "totalrecord", "totalrecords", "recordcount",
              "totalelements", "totalnum", "totalsize", "totalrow", "totalrows", "count",
              "allcount")
SIZE_KEYS = ("pagesize", "perpage", "pagerows", "rowsperpage", "limit", "size")

# Endpoints that are no lists (visit counters, logins, searches ...), by path segment.
_NOT_LISTS = re.compile(
    r"(?:^|[/_.\-])(?:visit|count|click|hits|stat|login|logout|captcha|verify|token|weather|"
    r"share|vote|upload|track|log|search|suggest|dataproxy)", re.I)
_STATIC = re.compile(r"\.(?:js|css|s?html?|xml|txt|png|jpe?g|gif|svg|ico|woff2?)$", re.I)
_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)
_TAGS = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


def norm_key(key: str) -> str:
    """How JSON field names are compared: ``DOC_TITLE`` and ``docTitle`` are one key."""
    return key.lower().replace("_", "").replace("-", "")


def lookup(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The value of the first of ``keys`` (in their order) that ``row`` has and fills."""
    have = {norm_key(k): v for k, v in row.items() if isinstance(k, str)}
    for k in keys:
        v = have.get(k)
        if v is not None and v != "":
            return v
    return None


# -- endpoints ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Endpoint:
    """One page of a JSON list: ``url`` is its identity (a GET URL, or the POST URL with the
    form fields appended as a query); ``form`` names the query fields a POST sends in its
    body."""

    url: str
    method: str = "GET"
    form: tuple[str, ...] = ()

    def with_params(self, updates: dict[str, str]) -> Endpoint | None:
        url = _with_params(self.url, updates)
        return Endpoint(url, self.method, self.form) if url else None

    def request_target(self) -> tuple[str, str | None]:
        """(URL to request, form-encoded body or None for a GET)."""
        if self.method != "POST":
            return self.url, None
        parts = urlsplit(self.url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        body = [(k, v) for k, v in query if k in self.form]
        rest = [(k, v) for k, v in query if k not in self.form]
        base = parts._replace(query=urlencode(rest, safe="/:")).geturl()
        return base, urlencode(body)














def _endpoint(raw: str | None, method: str, params: dict[str, str],
              page_url: str) -> Endpoint | None:
    if not raw or is_ignored_href(raw) or raw.startswith("#"):
        return None
    absolute = canonical(urljoin(page_url, htmllib.unescape(raw.strip())))
    if absolute is None:
        return None
    path = urlsplit(absolute).path
    if _STATIC.search(path) or _NOT_LISTS.search(path):
        return None
    url = _with_params(absolute, params) if params else absolute
    if url is None:
        return None
    if method == "POST":
        return Endpoint(url, "POST", tuple(params))
    return Endpoint(url)


def discover(text: str, url: str) -> list[Endpoint]:
    """The JSON endpoints the inline scripts of the page ``url`` call (first page each)."""
    out: list[Endpoint] = []
    seen: set[str] = set()
    for raw, method, params in page_calls(text):
        ep = _endpoint(raw, method, params, url)
        if ep is not None and ep.url not in seen:
            seen.add(ep.url)
            out.append(ep)
        if len(out) >= MAX_ENDPOINTS_PER_PAGE:
            break
    return out


# -- answers -----------------------------------------------------------------------------
def parse_json_text(text: str) -> Any | None:
    """The JSON value of an answer (JSONP callbacks unwrapped), or None if it is not JSON."""
    t = text.lstrip("\ufeff \t\r\n")
    if not t:
        return None
    if t[0] not in "{[":
        m = _JSONP.match(t)
        if not m:
            return None
        t = m.group(1)
    try:
        return json.loads(t)
    except ValueError:
        return None


def decode(body: bytes, content_type: str = "") -> tuple[Any, str] | None:
    """(JSON value, encoding) of an answer's bytes, decoded by ``parse.charset``."""
    found = charset.decode_answer(body, content_type)
    if found is None:
        return None
    data = parse_json_text(found[0])
    return (data, found[1]) if data is not None else None


@dataclass
class ListInfo:
    """What one answer says: its rows (None: no list recognised) and the list's size."""

    rows: list[dict[str, Any]] | None
    total_pages: int | None = None
    total_records: int | None = None
    page_size: int | None = None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _lists(node: Any, ancestors: tuple[dict[str, Any], ...], key: str | None,
           depth: int = 0) -> Iterator[tuple[list[Any], str | None, tuple[dict[str, Any], ...]]]:
    if depth > 5:
        return
    if isinstance(node, list):
        yield node, key, ancestors
    elif isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (list, dict)):
                yield from _lists(v, (*ancestors, node), norm_key(str(k)), depth + 1)


def list_info(data: Any) -> ListInfo:
    """The rows array of an answer — the one with most titled objects; an empty array under
    a rows key (``list``, ``rows``, ``data`` …) is an empty list — and the paging numbers
    found next to it or above it. A non-empty array of objects without titles makes the
    answer unrecognised (rows None): its rows are unknown, not absent."""
    best: tuple[int, int, list[Any], tuple[dict[str, Any], ...]] | None = None
    empty: tuple[dict[str, Any], ...] | None = None
    unknown = False
    for lst, key, ancestors in _lists(data, (), None):
        dicts = [x for x in lst if isinstance(x, dict)]
        if not lst:
            if key in ROWS_KEYS and empty is None:
                empty = ancestors
            continue
        if len(dicts) * 2 < len(lst):
            continue
        titled = sum(1 for d in dicts if isinstance(lookup(d, TITLE_KEYS), str))
        if not titled:
            unknown = True
            continue
        score = (titled, int(key in ROWS_KEYS))
        if best is None or score > best[:2]:
            best = (score[0], score[1], dicts, ancestors)
    if best is not None:
        rows, ancestors = best[2], best[3]
    elif empty is not None and not unknown:
        rows, ancestors = [], empty
    else:
        return ListInfo(rows=None)
    info = ListInfo(rows=rows)
    for d in reversed(ancestors):  # the nearest object first
        if info.total_pages is None:
            info.total_pages = _int(lookup(d, PAGES_KEYS))
        if info.total_records is None:
            info.total_records = _int(lookup(d, TOTAL_KEYS))
        if info.page_size is None:
            info.page_size = _int(lookup(d, SIZE_KEYS))
    return info


def page_param(url: str) -> tuple[str, int] | None:
    """The page parameter of an endpoint's identity URL and its value (``pageNo=1``)."""
    for k, v in parse_qsl(urlsplit(url).query):
        if k.lower() in _PAGE_KEYS and v.isdigit():
            return k, int(v)
    return None


def later_pages(ep: Endpoint, info: ListInfo) -> list[Endpoint]:
    """The list's pages after ``ep``, when it has a page parameter and the answer says how
    many pages (or records) there are; 0-based when the page asked for is 0. Bounded by
    ``MAX_PAGES`` like script paging."""
    pm = page_param(ep.url)
    if pm is None or info.rows is None:
        return []
    name, cur = pm
    n = info.total_pages
    if n is None and info.total_records is not None:
        query = {k.lower(): v for k, v in parse_qsl(urlsplit(ep.url).query)}
        size = info.page_size or next(
            (int(query[k]) for k in _SIZE_PARAMS if query.get(k, "").isdigit()), None)
        size = size or len(info.rows)
        n = math.ceil(info.total_records / size) if size > 0 else None
    if not n or n < 0:
        return []
    first = 0 if cur == 0 else 1
    last = min(n - 1 + first, first + MAX_PAGES - 1)
    out = []
    for k in range(cur + 1, last + 1):
        nxt = ep.with_params({name: str(k)})
        if nxt is not None:
            out.append(nxt)
    return out


def row_title(row: dict[str, Any]) -> str | None:
    """A row's title as shown (tags such as ``<font color=red>`` removed)."""
    v = lookup(row, TITLE_KEYS)
    if not isinstance(v, str):
        return None
    t = _WS.sub(" ", htmllib.unescape(_TAGS.sub("", v))).strip()
    return t or None


def row_url(row: dict[str, Any], list_url: str) -> str | None:
    """A row's link, resolved against the list page (where the script writes it)."""
    v = lookup(row, URL_KEYS)
    if not isinstance(v, str) or not v.strip() or is_ignored_href(v.strip()):
        return None
    return canonical(urljoin(list_url, htmllib.unescape(v.strip())))
