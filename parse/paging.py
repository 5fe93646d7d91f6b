"""Hidden CMS paging: later list pages and list items that no ``<a href>`` announces.

A crawler that only follows ``<a href>`` misses most list items on government sites
(``cms-patterns.md``, ``perf-notes.md``: ~48 % coverage). This module reads the page text
the way the CMS's own scripts would and returns:

* ``pages``: later pages of the same list — TRS ``createPageHTML`` (both the classic
  0-based four-argument form and the six-argument 1-based form) and ``countPage``
  variables; Hanweb ``dataproxy.jsp`` (``?page=N`` or ``startrecord/endrecord/perpage``
  built from the ``<datastore>`` and the script's ``proxyUrl``/``ajaxParam``); query pagers
  (``?pageIndex=N`` …) and static ones (``index_N.html``) revealed only by a script total or
  a 尾页 link;
* ``links``: article links that sit inside scripts — Hanweb ``<datastore>`` records (CDATA)
  and old ``urls[i]='…'`` arrays. The spider stores them as ordinary links of the page.

Pure functions of (text, URL): the spider calls :func:`discover` on each in-scope page,
and the derive step calls it again on stored pages to join a list's pages together. The
Hanweb family is :mod:`parse.hanweb`; the paging vocabulary and :func:`is_pager_link` /
:func:`has_pager` are :mod:`parse.pagers`.
"""

from __future__ import annotations

import html as htmllib
import math
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from parse.hanweb import _hanweb, _js_arrays, datastore_records, is_datastore  # noqa: F401
from parse.pagers import (  # noqa: F401 - the paging vocabulary, importable with the reader
    HANWEB_GROUP,
    MAX_PAGES,
    OFFSET_PARAMS,
    PAGE_PARAMS,
    PAGER_TEXT,
    Hidden,
    PagingUrl,
    _with_params,
    has_pager,
    is_pager_link,
    is_pager_sibling,
)
from parse.urls import canonical, is_ignored_href

# -- TRS -------------------------------------------------------------------------------
_ARG = r"\s*([^,()]+?)\s*"
_STR = r"""\s*(["'])([^"']*)\{n}\s*"""
_CREATE4 = re.compile(r"createPageHTML\(" + _ARG + "," + _ARG + ","
                      + _STR.format(n=3) + "," + _STR.format(n=5) + r"\)")
_CREATE6 = re.compile(r"createPageHTML\(" + _STR.format(n=1) + "," + _ARG + "," + _ARG + ","
                      + _STR.format(n=5) + "," + _STR.format(n=7) + "," + _ARG + r"\)")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
PAGER_VARS = ("countPage", "currentPage", "totalPage", "totalPages", "pageCount", "pagecount",
              "totalpage", "page_count")


class _Vars:
    """Integer script variables (``var countPage = 18;``), looked up by name on demand."""

    def __init__(self, text: str):
        self.text = text
        self.cache: dict[str, int | None] = {}

    def get(self, name: str) -> int | None:
        if name not in self.cache:
            # the substring test first: the regex scans the whole page from every position
            m = name in self.text and re.search(
                r"\b" + re.escape(name) + r"""\s*=\s*['"]?(\d+)['"]?\s*(?:[;,\n]|//)""",
                self.text)
            self.cache[name] = int(m.group(1)) if m else None
        return self.cache[name]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> int:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


def _int(token: str, variables: _Vars) -> int | None:
    token = token.strip().strip("'\"")
    if token.isdigit():
        return int(token)
    return variables.get(token) if _IDENT.fullmatch(token) else None


def _static_url(base: str, prefix: str, ext: str, k: int | None) -> str | None:
    name = f"{prefix}.{ext}" if k is None else f"{prefix}_{k}.{ext}"
    return canonical(urljoin(base, name))


def _static_urls(base: str, prefix: str, ext: str, numbers: range) -> list[tuple[int, str]]:
    """(k, URL of ``prefix_k.ext``) next to ``base``; canonicalised once for plain names."""
    first = _static_url(base, prefix, ext, 0)
    if first is None:
        return []
    if _SIMPLE_NAME.fullmatch(prefix) and _SIMPLE_NAME.fullmatch(ext):
        head = first[: -len(f"{prefix}_0.{ext}")]
        return [(k, f"{head}{prefix}_{k}.{ext}") for k in numbers]
    out = []
    for k in numbers:
        u = _static_url(base, prefix, ext, k)
        if u:
            out.append((k, u))
    return out


def _trs(text: str, url: str, variables: _Vars) -> list[PagingUrl]:
    out: list[PagingUrl] = []
    for m in _CREATE6.finditer(text):
        n, cur = _int(m.group(3), variables), _int(m.group(4), variables)
        records = _int(m.group(9), variables)
        prefix, ext = m.group(6), m.group(8)
        if not n or not prefix or not ext:
            continue
        if records is not None and 0 < records < n:
            # The second argument is usually the page count; a count above the number of
            # records cannot be one (cms-patterns.md): read it as a page size instead.
            n = math.ceil(records / n)
        n = min(n, MAX_PAGES)
        if cur and cur > 1:
            u = _static_url(url, prefix, ext, None)
            if u:
                out.append(PagingUrl(u, 1, "trs6"))
        out += [PagingUrl(u, k, "trs6") for k, u in _static_urls(url, prefix, ext, range(2, n + 1))]
    if out:
        return out
    for m in _CREATE4.finditer(text):
        n, cur = _int(m.group(1), variables), _int(m.group(2), variables)
        prefix, ext = m.group(4), m.group(6)
        if not n or not prefix or not ext:
            continue  # the function's own definition: identifiers without values
        out += _classic(url, prefix, ext, n, cur or 0)
    if not out and "countPage" in variables and "createPageHTML" not in text:
        n = variables["countPage"]
        stem, ext = _stem(url)
        if stem and n > 1:
            out += _classic(url, stem, ext, n, variables.get("currentPage") or 0)
    return out


def _classic(url: str, prefix: str, ext: str, n: int, cur: int) -> list[PagingUrl]:
    """0-based: page 1 ``index.html``, page k+1 ``index_k.html``."""
    out = []
    if cur > 0:
        u = _static_url(url, prefix, ext, None)
        if u:
            out.append(PagingUrl(u, 1, "trs"))
    out += [PagingUrl(u, k + 1, "trs") for k, u in _static_urls(url, prefix, ext,
                                                                range(1, min(n, MAX_PAGES)))]
    return out


def _stem(url: str) -> tuple[str | None, str]:
    """(``index``, ``html``) for ``…/index_3.html``; (None, '') for directory URLs."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    m = re.fullmatch(r"(.+?)(?:_\d+)?\.(s?html?)", name)
    if m:
        return m.group(1), m.group(2)
    if not name:
        return "index", "html"
    return None, ""


# -- query and static pagers revealed by a script total or a 尾页 link ------------------
_LAST = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>\s*(?:<[^>]+>\s*)*"""
    r"(?:尾\s*页|末\s*页|最后一页|last)", re.I)
_TOTAL_JS = re.compile(
    r"""\b(?:totalPage|totalPages|pageCount|pagecount|countPage|totalpage|page_count)\s*[:=]\s*['"]?(\d+)""")
_PAGE_TEMPLATE = re.compile(
    r"""(["'])([^"'<>\s]*?[?&](""" + "|".join(re.escape(p) for p in PAGE_PARAMS)
    + r""")=)(?:\d*)\1?""")


def _pager_param(url: str) -> tuple[str, int] | None:
    for k, v in parse_qsl(urlsplit(url).query):
        if (k in PAGE_PARAMS or k in OFFSET_PARAMS) and v.isdigit():
            return k, int(v)
    return None


def _query_pages(url: str, template: str, param: str, last: int,
                 text: str = "") -> list[PagingUrl]:
    """Pages ``param``=first..last; 0-based when the page shows a ``param=0`` link."""
    values = {int(v) for v in re.findall(r"[?&]" + re.escape(param) + r"=(\d+)", text)}
    first = 0 if 0 in values else 1
    cur = dict(parse_qsl(urlsplit(url).query)).get(param)
    if cur is None:
        cur = str(first)  # the page without the parameter is the first page
    out = []
    for k in range(first, min(last, MAX_PAGES) + 1):
        if cur == str(k):
            continue
        u = _with_params(template, {param: str(k)})
        if u:
            out.append(PagingUrl(u, k + 1 - first, "query"))
    return out


def _tail(text: str, url: str, variables: _Vars) -> list[PagingUrl]:
    for m in _LAST.finditer(text):
        href = htmllib.unescape(m.group(1) if m.group(1) is not None else m.group(2) or "")
        if not href or is_ignored_href(href):
            continue
        target = canonical(urljoin(url, href))
        if not target:
            continue
        name = urlsplit(target).path.rsplit("/", 1)[-1]
        sm = re.fullmatch(r"(.+?)_(\d+)\.(s?html?)", name)
        if sm and not urlsplit(target).query:
            last = int(sm.group(2))
            return _classic(target, sm.group(1), sm.group(3), last + 1, 0)[:]
        pm = _pager_param(target)
        if pm:
            param, last = pm
            if param in OFFSET_PARAMS:
                return _offset_pages(text, url, target, param, last)
            return _query_pages(url, target, param, last, text)
        sm = re.fullmatch(r"(.*?)(\d+)(\.s?html?)", name)
        if sm:
            last = int(sm.group(2))
            out = []
            for k in range(1, min(last, MAX_PAGES) + 1):
                u = canonical(urljoin(target, f"{sm.group(1)}{k}{sm.group(3)}"))
                if u and u != url:
                    out.append(PagingUrl(u, k, "static"))
            return out
    total = next((variables[k] for k in PAGER_VARS[2:] if k in variables), None)
    if total is None:
        m = _TOTAL_JS.search(text)
        total = int(m.group(1)) if m else None
    if total and total > 1:
        tm = _PAGE_TEMPLATE.search(text)
        if tm:
            template = canonical(urljoin(url, htmllib.unescape(tm.group(2)) + "1"))
            if template:
                return _query_pages(url, template, tm.group(3), total, text)
    return []


def _offset_pages(text: str, url: str, last_url: str, param: str, last: int) -> list[PagingUrl]:
    """Offset pagers (``emailList.offset=N``): the step is the smallest offset seen."""
    values = {int(v) for v in re.findall(re.escape(param) + r"=(\d+)", text)}
    steps = sorted(v for v in values if v > 0)
    if not steps:
        return []
    step = steps[0]
    out = []
    for i, off in enumerate(range(step, min(last, step * MAX_PAGES) + 1, step)):
        u = _with_params(last_url, {param: str(off)})
        if u and u != url:
            out.append(PagingUrl(u, i + 2, "query"))
    return out


# -- entry point -----------------------------------------------------------------------
_SIGNS = ("createPageHTML", "countPage", "<datastore", "尾页", "末页", "totalPage", "pageCount",
          "urls[", "最后一页")


def discover(text: str, url: str) -> Hidden:
    """Paging URLs and script-hidden item links of the page ``url`` with HTML ``text``."""
    if not any(sign in text for sign in _SIGNS):
        return Hidden()
    found = Hidden()
    variables = _Vars(text)
    if "<datastore" in text or "dataproxy" in text:
        pages, links = _hanweb(text, url)
        found.pages += pages
        found.links += links
        if pages:
            found.family = "hanweb"
    if not found.pages and ("createPageHTML" in text or "countPage" in variables):
        found.pages = _trs(text, url, variables)
        if found.pages:
            found.family = found.pages[0].family
    if "urls[" in text:
        found.links += _js_arrays(text, url)
    if not found.pages and not found.links:
        found.pages = _tail(text, url, variables)
        if found.pages:
            found.family = found.pages[0].family
    own = canonical(url)
    seen: set[str] = set()
    unique = []
    for p in found.pages:
        if p.url != own and p.url not in seen:
            seen.add(p.url)
            unique.append(p)
    found.pages = unique
    return found
