"""Hanweb (大汉) lists: ``<datastore>`` records hidden in a script or answered by
``dataproxy.jsp``, the proxy's later pages, and old ``urls[i]='…'`` arrays."""

from __future__ import annotations

import html as htmllib
import math
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from parse.pagers import HANWEB_GROUP, MAX_PAGES, PagingUrl, _with_params
from parse.urls import RawLink, canonical, is_ignored_href

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


def _hanweb(text: str, url: str) -> tuple[list[PagingUrl], list[RawLink]]:
    """(later pages, record links) of a Hanweb list page or dataproxy answer. (Long: the
    three ways Hanweb states a list's size and its next requests are read in one place.)"""
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
