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
and the column and board readers call it again on stored pages to join a list's pages
together. :func:`is_pager_link` (is a link another page of the same list?) and
:func:`has_pager` (does a page show a pager?) are the one answer to those questions for the
crawl, the column rules and the mailbox/survey boards.
"""

from __future__ import annotations

import html as htmllib
import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parse.urls import RawLink, canonical, is_ignored_href

MAX_PAGES = 500  # per list: bounds a page that claims absurd counts
HANWEB_GROUP = 3  # Hanweb's jpage fetches three pages' worth of records per request

PAGE_PARAMS = ("pageIndex", "pageindex", "page", "pageNum", "pagenum", "pageNo", "pageno",
               "cur_page", "currentPage", "currentpage", "curPage", "curpage", "p", "pn")
OFFSET_PARAMS = ("offset", "emailList.offset", "start", "startrecord")


@dataclass(frozen=True, slots=True)
class PagingUrl:
    url: str
    number: int  # 1-based position of the page in its list
    family: str  # trs | trs6 | hanweb | query | static


@dataclass
class Hidden:
    pages: list[PagingUrl] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)
    family: str | None = None

    def __bool__(self) -> bool:
        return bool(self.pages or self.links)

    def new_links(self, existing: list[RawLink]) -> list[RawLink]:
        """Script links not already among the page's ``<a>`` links."""
        have = {(link.url, link.tag) for link in existing}
        return [link for link in self.links if (link.url, link.tag) not in have]


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


# -- Hanweb ----------------------------------------------------------------------------
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_TOTALRECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_TOTALPAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I)
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>(.*?)</a>""",
                   re.S | re.I)
_TITLE_ATTR = re.compile(r"""\btitle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_PROXY = re.compile(r"""proxyUrl\s*[:=]\s*['"]([^'"]+)['"]""")
_PERPAGE = re.compile(r"""\bper[pP]age\s*[:=]\s*['"]?(\d+)""")
_TOTAL_RECORD_JS = re.compile(r"""\btotalRecord\s*[:=]\s*['"]?(\d+)""")
_AJAX = re.compile(r"ajaxParam\s*[:=]\s*\{([^}]*)\}")
_KV = re.compile(r"""([\w]+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,\s}]+))""")
_JS_URLS = re.compile(r"""\burls\[\s*\w+\s*\]\s*=\s*['"]([^'"]+)['"]""")
_JS_HEADERS = re.compile(r"""\bheaders\[\s*\w+\s*\]\s*=\s*['"]([^'"]*)['"]""")
_STRIP_TAGS = re.compile(r"<[^>]+>")


def datastore_records(text: str) -> list[str]:
    """The HTML fragments of a Hanweb ``<datastore>`` (list rows hidden in CDATA)."""
    return [m.group(1) for m in _RECORD.finditer(text)]


def is_datastore(content_type: str, body: bytes) -> bool:
    """A ``dataproxy.jsp`` answer (XML) that must be read as a list page."""
    return "xml" in content_type.lower() and b"<datastore" in body[:4096]


def _fragment_links(fragment: str, base: str) -> list[RawLink]:
    out = []
    for m in _HREF.finditer(fragment):
        href = htmllib.unescape(m.group(1) if m.group(1) is not None else m.group(2) or "")
        if not href or is_ignored_href(href):
            continue
        target = canonical(urljoin(base, href.strip()))
        if target is None:
            continue
        anchor = re.sub(r"\s+", " ", htmllib.unescape(_STRIP_TAGS.sub("", m.group(3)))).strip()
        if not anchor:
            t = _TITLE_ATTR.search(m.group(0))
            anchor = htmllib.unescape(t.group(1) or t.group(2) or "") if t else ""
        out.append(RawLink(target, "a", "href", anchor[:200] or None))
    return out


def _with_params(url: str, updates: dict[str, str]) -> str | None:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    seen = set()
    new = []
    for k, v in query:
        if k in updates:
            if k in seen:
                continue
            seen.add(k)
            new.append((k, updates[k]))
        else:
            new.append((k, v))
    for k, v in updates.items():
        if k not in seen:
            new.append((k, v))
    return canonical(urlunsplit((parts.scheme, parts.netloc, parts.path,
                                 urlencode(new, safe="/:"), "")))


def _hanweb(text: str, url: str) -> tuple[list[PagingUrl], list[RawLink]]:
    links: list[RawLink] = []
    for record in datastore_records(text):
        links += _fragment_links(record, url)
    pages: list[PagingUrl] = []
    total_rec = _TOTALRECORD.search(text) or _TOTAL_RECORD_JS.search(text)
    total_records = int(total_rec.group(1)) if total_rec else None
    tp = _TOTALPAGE.search(text)
    total_pages = int(tp.group(1)) if tp else None
    per = _PERPAGE.search(text)
    per_page = int(per.group(1)) if per else None
    if total_pages is None and total_records is not None and per_page:
        total_pages = math.ceil(total_records / per_page)
    own = dict(parse_qsl(urlsplit(url).query))
    if "dataproxy" in urlsplit(url).path:
        # An answer of dataproxy.jsp: the pages after this one, same parameters.
        if "page" in own and own["page"].isdigit() and total_pages:
            cur = int(own["page"])
            for k in range(cur + 1, min(total_pages, MAX_PAGES) + 1):
                u = _with_params(url, {"page": str(k)})
                if u:
                    pages.append(PagingUrl(u, k, "hanweb"))
        elif "startrecord" in own and own["startrecord"].isdigit() and total_records:
            pages += _record_groups(url, int(own["startrecord"]), int(own.get("endrecord") or 0),
                                    int(own.get("perpage") or per_page or 15), total_records)
        return pages, links
    nxt = _NEXTGROUP.search(text)
    nxt_links = _fragment_links(nxt.group(1), url) if nxt else []
    if nxt_links:
        first = nxt_links[0].url
        q = dict(parse_qsl(urlsplit(first).query))
        if "page" in q and q["page"].isdigit():
            start = int(q["page"])
            pages.append(PagingUrl(first, start, "hanweb"))
            for k in range(start + 1, min(total_pages or 0, MAX_PAGES) + 1):
                u = _with_params(first, {"page": str(k)})
                if u:
                    pages.append(PagingUrl(u, k, "hanweb"))
            return pages, links
        if "startrecord" in q and q["startrecord"].isdigit():
            pages.append(PagingUrl(first, 1 + (int(q["startrecord"]) - 1) // (per_page or 15),
                                   "hanweb"))
            if total_records:
                pages += _record_groups(first, int(q["startrecord"]),
                                        int(q.get("endrecord") or 0),
                                        int(q.get("perpage") or per_page or 15), total_records)
            return pages, links
    proxy = _PROXY.search(text)
    ajax = _AJAX.search(text)
    if proxy and total_records:
        params = {}
        if ajax:
            for k, a, b, c in _KV.findall(ajax.group(1)):
                params[k] = a if a else b if b else c
        per_page = per_page or 15
        base = urljoin(url, proxy.group(1))
        group = per_page * HANWEB_GROUP
        for start in range(1, min(total_records, MAX_PAGES * per_page) + 1, group):
            end = min(start + group - 1, total_records)
            q = {"startrecord": str(start), "endrecord": str(end), "perpage": str(per_page),
                 **params}
            u = _with_params(base, q)
            if u:
                pages.append(PagingUrl(u, 1 + (start - 1) // per_page, "hanweb"))
    return pages, links


def _record_groups(url: str, start: int, end: int, per_page: int,
                   total: int) -> list[PagingUrl]:
    group = max(per_page, end - start + 1) if end >= start else per_page * HANWEB_GROUP
    out = []
    s = start + group
    while s <= min(total, MAX_PAGES * per_page):
        e = min(s + group - 1, total)
        u = _with_params(url, {"startrecord": str(s), "endrecord": str(e)})
        if u:
            out.append(PagingUrl(u, 1 + (s - 1) // per_page, "hanweb"))
        s += group
    return out


def _js_arrays(text: str, url: str) -> list[RawLink]:
    urls = _JS_URLS.findall(text)
    heads = _JS_HEADERS.findall(text)
    out = []
    for i, href in enumerate(urls):
        target = canonical(urljoin(url, htmllib.unescape(href)))
        if target:
            out.append(RawLink(target, "a", "href", (heads[i] if i < len(heads) else None)))
    return out


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


# -- is a link another page of the same list? ------------------------------------------
# Query keys that only move through a list (lower case); ``xxx.offset`` keys too.
PAGER_KEYS = frozenset(
    [p.lower() for p in PAGE_PARAMS + OFFSET_PARAMS]
    + ["page_no", "page_index", "endrecord", "perpage"])
PAGER_TEXT = re.compile(
    r"^(下一?页|上一?页|首页|尾页|末页|最后一?页|后一?页|前一?页|第?\s*\d{1,4}\s*页?|"
    r"[<>«»‹›]{1,2}|next|prev(ious)?|last|first|\.\.\.|…)$", re.I)
_PAGED_FILE = re.compile(r"^(?P<stem>[\w-]+?)(?P<n>_\d+)?\.(?:s?html?|jsp|asp|aspx|php|do)$",
                         re.I)
# Marks of a pager on a page (a plain substring test each: cheaper than one regex).
PAGER_MARKS = ("createPageHTML", "下一页", "尾页", "末页", "countPage", "totalPage", "pageCount")


def is_pager_key(key: str) -> bool:
    key = key.lower()
    return key in PAGER_KEYS or key.endswith(".offset")


def has_pager(html: str) -> bool:
    """The page shows a pager (a next/last link or a CMS paging script)."""
    return any(mark in html for mark in PAGER_MARKS)


def _pagerish(anchor: str | None) -> bool:
    text = " ".join((anchor or "").split()).strip(" []【】()（）")
    return bool(text) and bool(PAGER_TEXT.match(text))


def is_pager_link(page_url: str, link_url: str, anchor: str | None = None) -> bool:
    """Is ``link_url`` another page of the same list as ``page_url``?

    The same path with only paging parameters changed (``?pageIndex=3``), a numbered
    sibling file (``index_2.html``), or — when the link's text reads like a pager
    (下一页, 3, 尾页) — any other query of the same path, the same file stem, or a paging
    query on another path (jact ``dataproxy_mailnewlist.action?startrecord=20``).
    Next-page links are crawled at the list's own depth, and a board's pages are read
    together: a board with forty pages is one column, not forty levels deep.
    """
    a, b = urlsplit(page_url), urlsplit(link_url)
    if a.netloc != b.netloc or page_url == link_url:
        return False
    pagerish = _pagerish(anchor)
    if a.path == b.path:
        if a.query == b.query:
            return False
        qa, qb = parse_qs(a.query), parse_qs(b.query)
        changed = {k for k in set(qa) | set(qb) if qa.get(k) != qb.get(k)}
        return pagerish or all(is_pager_key(k) for k in changed)
    da, _, fa = a.path.rpartition("/")
    db, _, fb = b.path.rpartition("/")
    if pagerish and any(is_pager_key(k) for k, _ in parse_qsl(b.query)):
        return True
    if da != db or (a.query != b.query and not pagerish):
        return False
    ma, mb = _PAGED_FILE.match(fa or "index.html"), _PAGED_FILE.match(fb or "index.html")
    if not (ma and mb and ma.group("stem") == mb.group("stem")):
        return False
    return pagerish or bool(ma.group("n") or mb.group("n")) or fa in ("", fb) or fb == ""


def is_pager_sibling(page_url: str, link_url: str) -> bool:
    """:func:`is_pager_link` without a link text (URL shape alone)."""
    return is_pager_link(page_url, link_url)
