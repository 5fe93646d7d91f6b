"""JSON list endpoints behind list pages: find them in inline scripts, read their answers.

Many government lists are an HTML shell whose script loads the rows from a JSON endpoint:
政务咨询 / 领导信箱 boards (``cms-patterns.md`` "Mailboxes": fields like ``stateInfo``,
``answerId``, ``dateline`` in epoch seconds) and some columns ("Other families": lists
rendered by JS from an API). Reading only HTML, such a column looks empty and a board shows
no messages. Pure functions of a page's text or an answer's bytes:

* :func:`discover` — the endpoints the page's inline scripts call: ``$.getJSON`` /
  ``$.get`` / ``$.post`` / ``$.ajax({url, type, data})`` / ``fetch`` / ``axios``, with their
  literal parameters (a page parameter given by a variable takes the first page; other
  variables are looked up in the page's ``var x = …`` assignments);
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
# Substrings one of which every call _CALL matches contains (".get(" rather than ".get":
# document.getElementById is on nearly every page, and this test runs on every page).
_SIGNS = ("ajax", "getJSON", ".get(", ".post(", ". get(", ". post(", "fetch", "axios")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# a script type other than JavaScript (Hanweb's text/xml datastore, text/html templates)
_JS_TYPE = re.compile(r"""\btype\s*=\s*["']?\s*(?!(?:text|application)/(?:java|ecma)script|module)"""
                      r"""[^"'\s>]""", re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
_CALL = re.compile(
    r"(?:\$|\bjQuery)\s*\.\s*(?P<jq>getJSON|get|post|ajax)\s*\("
    r"|\b(?P<fetch>fetch)\s*\("
    r"|\baxios\s*(?:\.\s*(?P<ax>get|post|request))?\s*\(")
_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\"'\\\w])//[^\n]*", re.S)
_VAR = re.compile(
    r"""(?:\b(?:var|let|const)\s+|[;{}\n]\s*)([A-Za-z_$][\w$]*)\s*(?<![=!<>])=(?!=)\s*"""
    r"""(?:(["'])([^"'\n]*)\2|(-?\d+(?:\.\d+)?))\s*(?=[;,\n}])""")
_OBJ_VAR = re.compile(r"""(?:\b(?:var|let|const)\s+|[;{}\n]\s*)([A-Za-z_$][\w$]*)\s*=\s*\{""")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_KEY = re.compile(r"""\s*(?:(["'])(.*?)\1|([A-Za-z_$][\w$]*))\s*:(.*)$""", re.S)
_TEMPLATE_EXPR = re.compile(r"\$\{([^}]*)\}")
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


def _split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` cut at ``sep`` characters outside strings and brackets."""
    out, buf, depth, quote, i = [], [], 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
            buf.append(ch)
        elif ch in "([{":
            depth += 1
            buf.append(ch)
        elif ch in ")]}":
            depth -= 1
            buf.append(ch)
        elif ch == sep and depth == 0:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf).strip())
    return out


def _balanced(text: str, start: int, close: str, limit: int = 6000) -> str | None:
    """Text from ``start`` to the bracket that closes the one just before it."""
    depth, quote, i, end = 0, None, start, min(len(text), start + limit)
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return text[start:i] if ch == close else None
            depth -= 1
        i += 1
    return None


class _Scope:
    """Literal script variables and object literals of a page (``var boxId = "3";``)."""

    def __init__(self, scripts: str):
        self.values: dict[str, str] = {}
        for m in _VAR.finditer(scripts):
            self.values.setdefault(m.group(1), m.group(3) if m.group(2) else m.group(4))
        self.objects: dict[str, str] = {}
        for m in _OBJ_VAR.finditer(scripts):
            body = _balanced(scripts, m.end(), "}")
            if body is not None:
                self.objects.setdefault(m.group(1), "{" + body + "}")

    def literal(self, expr: str) -> str | None:
        e = expr.strip()
        if len(e) >= 2 and e[0] == e[-1] and e[0] in "\"'":
            return e[1:-1].replace("\\/", "/")
        if len(e) >= 2 and e[0] == e[-1] == "`":
            return self._template(e[1:-1])
        if _NUMBER.fullmatch(e) or e in ("true", "false"):
            return e
        return None

    def _template(self, body: str) -> str | None:
        out = ""
        pos = 0
        for m in _TEMPLATE_EXPR.finditer(body):
            out += body[pos:m.start()]
            v = self.value(m.group(1), prefix=out)
            if v is None:
                return None
            out += v
            pos = m.end()
        return out + body[pos:]

    def value(self, expr: str, prefix: str = "") -> str | None:
        """A string expression (literals, known variables, ``+``); an unknown variable
        right after ``pageNo=`` is the first page."""
        out = prefix
        for part in _split_top(expr, "+"):
            if not part:
                return None
            lit = self.literal(part)
            if lit is not None:
                out += lit
            elif _IDENT.fullmatch(part) and part in self.values:
                out += self.values[part]
            elif _IDENT.fullmatch(part) and _is_page_slot(out):
                out += "1"
            else:
                return None
        return out[len(prefix):]

    def obj(self, expr: str) -> dict[str, str] | None:
        """Top-level ``key: expression`` pairs of an object literal (or a named one)."""
        e = expr.strip()
        if _IDENT.fullmatch(e) and e in self.objects:
            e = self.objects[e]
        if not (e.startswith("{") and e.endswith("}")):
            return None
        out: dict[str, str] = {}
        for part in _split_top(e[1:-1]):
            m = _KEY.match(part)
            if m:
                out[m.group(2) if m.group(1) else m.group(3)] = m.group(4).strip()
        return out

    def params(self, expr: str) -> dict[str, str]:
        """Request parameters of a ``data`` object: literal values and known variables;
        a page parameter whose value is unknown is the first page."""
        out: dict[str, str] = {}
        for k, v in (self.obj(expr) or {}).items():
            val = self.value(v)
            if val is None and k.lower() in _PAGE_KEYS:
                val = "1"
            if val is not None:
                out[k] = val
        return out


def _is_page_slot(text: str) -> bool:
    m = re.search(r"[?&]([\w.]+)=$", text)
    return bool(m and m.group(1).lower() in _PAGE_KEYS)


def _scripts(text: str) -> str:
    out = []
    for m in _SCRIPT.finditer(text):
        attrs, body = m.group(1), m.group(2)
        if _SRC.search(attrs) or _JS_TYPE.search(attrs) or not body.strip():
            continue
        out.append(_COMMENTS.sub("", body))
    return "\n;\n".join(out)


def _calls(scripts: str, scope: _Scope) -> Iterator[tuple[str | None, str, dict[str, str]]]:
    """(URL expression value, method, parameters) of each ajax call in the scripts."""
    for m in _CALL.finditer(scripts):
        inner = _balanced(scripts, m.end(), ")")
        if inner is None:
            continue
        args = _split_top(inner)
        jq, ax = m.group("jq"), m.group("ax")
        if jq in ("getJSON", "get", "post") or ax in ("get", "post"):
            method = "POST" if "post" in (jq, ax) else "GET"
            data: dict[str, str] = {}
            if len(args) > 1:
                if ax == "get":  # axios.get(url, {params: {...}})
                    data = scope.params((scope.obj(args[1]) or {}).get("params", ""))
                else:
                    data = scope.params(args[1])
            yield scope.value(args[0]), method, data
        elif jq == "ajax" or (not jq and not m.group("fetch")):  # $.ajax, axios(config)
            url = None
            settings = scope.obj(args[0]) if args else None
            if settings is None and args:  # $.ajax(url, settings)
                url = scope.value(args[0])
                settings = scope.obj(args[1]) if len(args) > 1 else {}
            if settings is None:
                continue
            if url is None and "url" in settings:
                url = scope.value(settings["url"])
            method = (scope.value(settings.get("type") or settings.get("method") or "''")
                      or "GET").upper()
            data = scope.params(settings.get("data") or settings.get("params") or "")
            yield url, method, data
        elif m.group("fetch") and args:
            opts = scope.obj(args[1]) if len(args) > 1 else None
            method = (scope.value((opts or {}).get("method", "''")) or "GET").upper()
            yield scope.value(args[0]), method, {}


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
    if not any(sign in text for sign in _SIGNS) or not _CALL.search(text):
        return []  # cheap tests first: most pages call nothing (bench: 0.9 ms/page saved)
    scripts = _scripts(text)
    if not scripts or not _CALL.search(scripts):
        return []
    scope = _Scope(scripts)
    out: list[Endpoint] = []
    seen: set[str] = set()
    for raw, method, params in _calls(scripts, scope):
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
