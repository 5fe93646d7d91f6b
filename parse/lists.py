"""What one stored page says about lists: item rows, breadcrumbs, placeholders, scripts.

A column page is a page of repeated rows (``ul/li``, ``table tr``, ``div`` rows), each a
title link and usually a date. Rows hidden in scripts count too: Hanweb's ``<datastore>``
records and old ``urls[i]=…`` arrays. :class:`PageView` parses a page once (lxml) and keeps
only a small :class:`Summary`, so a whole site can be summarised without holding its trees.
Which groups are menus and which are the column's own list is decided per site
(``derive/columns.py``), where the site's template links are known.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from parse import dates, jsonlists, paging
from parse.pageinfo import breadcrumb
from parse.urls import canonical, document_base, is_ignored_href
from parse.urls import resolve as resolve_url

CONTAINERS = ("ul", "ol", "table", "tbody", "div", "dl", "section", "td", "article")
ROW_TAGS = frozenset({"li", "tr", "div", "dd", "dt", "p", "section", "article"})
MORE = re.compile(r"^(?:更多|more|查看更多|更多信息|更多>+|>>+|»|查看全部|全部)", re.I)
NAV_HINT = re.compile(r"nav|menu|daohang|dh\b|lanmu|subnav|sidebar|side|left|tab|sitemap|"
                      r"crumb|position|location|weizhi|dqwz|bread|foot|header|top", re.I)
PIN_CLASSES = {"top", "zhiding", "zd", "istop", "settop", "ding", "is-top", "sticky"}
PIN_IMG = re.compile(r"置顶|zhiding|zding|/top\.(?:gif|png)|_top\.(?:gif|png)", re.I)
SPA_SIGNS = re.compile(
    r"\$\.ajax\s*\(|\$\.(?:get|post|getJSON)\s*\(|\bfetch\s*\(|\baxios\b|XMLHttpRequest|"
    r"new\s+Vue\s*\(|createApp\s*\(|ReactDOM|ng-repeat|v-for\s*=|\{\{\s*\w", re.I)
BODY_MARKERS = re.compile(
    r"""id\s*=\s*["'](?:zoom|UCAP-CONTENT|Zoom|fontzoom|content)["']|class\s*=\s*["'][^"']*"""
    r"""(?:TRS_Editor|TRS_UEDITOR|pages_content|article-content|art_con|wenzhang)|<UCAPCONTENT""",
    re.I)
INFO_HEADER = re.compile(r"索\s*引\s*号")
_WS = re.compile(r"\s+")


@dataclass(slots=True)
class Row:
    title: str
    url: str
    found: dates.Found | None  # the row's date (year None: a year-less list date)
    pinned: bool = False


@dataclass
class Group:
    rows: list[Row]
    source: str = "html"  # html | datastore | script
    heading: str | None = None  # the block's title (homepage / channel blocks)
    more: str | None = None  # its 更多 link
    hints: str = ""  # class/id of the container and its ancestors (menus are recognised by it)

    @property
    def dated(self) -> int:
        return sum(1 for r in self.rows if r.found is not None)


@dataclass
class Summary:
    """The facts of one page that column discovery needs (no parse tree kept)."""

    url: str
    title: str | None = None
    metas: dict[str, str] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    crumbs: list[tuple[str, str | None]] = field(default_factory=list)
    blocks: set[str] = field(default_factory=set)  # short text blocks (template detection)
    heading: str | None = None  # the main heading (h1/h2)
    frames: bool = False
    spa: bool = False
    article: bool = False
    datastore: bool = False  # rows came from a Hanweb datastore (page or dataproxy answer)
    json_lists: list[str] = field(default_factory=list)  # JSON endpoints its scripts call
    json_read: bool = False  # a stored JSON answer was read as its list (derive/jsonrows.py)
    hidden: paging.Hidden = field(default_factory=paging.Hidden)


def _text(el: etree._Element) -> str:
    """Visible text with whitespace collapsed (punctuation kept as written)."""
    return _WS.sub(" ", htmllib.unescape(el.text_content() or "")).strip()


def _classes(el: etree._Element, up: int = 4) -> str:
    """class and id of ``el`` and its ancestors (how menus and sidebars are named)."""
    out = []
    node = el
    for _ in range(up + 1):
        if node is None or not isinstance(node.tag, str) or node.tag in ("body", "html"):
            break
        out.append(f"{node.get('class') or ''} {node.get('id') or ''}".strip())
        node = node.getparent()
    return " ".join(o for o in out if o)


def _href(a: etree._Element, base: str) -> str | None:
    raw = a.get("href")
    if raw is None or is_ignored_href(raw):
        return None
    # canonical(urljoin(...)) memoised by the join's inputs: menus repeat on every page
    return resolve_url(base, raw.strip())


def _pinned(row: etree._Element, text: str) -> bool:
    if "置顶" in text:
        return True
    for el in row.iter():
        if not isinstance(el.tag, str):
            continue
        cls = set((el.get("class") or "").lower().split())
        if cls & PIN_CLASSES:
            return True
        if el.tag == "img" and PIN_IMG.search(
                f"{el.get('alt') or ''} {el.get('title') or ''} {el.get('src') or ''}"):
            return True
    return False


def _strip_title(title: str) -> str:
    title = _WS.sub(" ", title).strip()
    title = re.sub(r"^\s*[\[【(（]?\s*置顶\s*[\]】)）]?\s*", "", title)
    return title


def make_row(el: etree._Element, base: str, date_cell: int | None = None) -> Row | None:
    """A list row: one title link (a short category link may sit beside it) and a date."""
    anchors = []
    for a in el.iter("a"):
        url = _href(a, base)
        if url is None:
            continue
        anchors.append((a, url, _text(a)))
    if not anchors or len(anchors) > 4:
        return None
    titled = {url: (a, t) for a, url, t in anchors if len(t) >= 5 or len(a.get("title") or "") >= 5}
    if len(titled) > 2:
        return None  # a block of several items, not one row
    a, url, text = max(anchors, key=lambda x: max(len(x[2]), len(x[0].get("title") or "")))
    attr_title = _WS.sub(" ", a.get("title") or "").strip()
    title = attr_title if len(attr_title) >= len(text) else text
    if len(titled) == 2:
        other = min((t for _, t in titled.values()), key=len)
        if len(other) > 10 and other != text:
            return None
    row_text = _text(el)
    found = None
    if date_cell is not None:
        cells = [c for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if date_cell < len(cells):
            found = dates.find_date(_text(cells[date_cell]))
    if found is None:
        rest = dates.normalise(row_text.replace(text, " ", 1) if text else row_text)
        if len(rest) > 160:
            return None  # long prose around a link: not a list row
        full = dates.find_full(rest)
        if full:
            found = max(full, key=lambda f: (f.year, f.month, f.day))
        else:
            yl = dates.find_yearless(rest)
            found = yl[0] if yl else None
    if found is None:
        # a date inside the link, in its own element: <a><span>标题</span><em>2024-03-07</em></a>
        for sub in a.iter():
            if sub is not a and isinstance(sub.tag, str):
                hit = dates.only_date(_text(sub))
                if hit:
                    found = hit
                    title = title.replace(_text(sub), "").strip()
                    break
    title = _strip_title(title)
    plain = dates.normalise(title)
    full = dates.find_full(plain)
    if full and full[-1].end >= len(plain.rstrip(" ])")) and full[-1].start > 0 \
            and len(plain) == len(title):
        # a date written at the end of the link text: "标题 2024-03-07"
        found = found or full[-1]
        title = title[:full[-1].start].rstrip(" [(（【-|·")
    if len(title) < 2 or (found is None and len(title) < 5):
        return None
    return Row(title=title[:500], url=url, found=found, pinned=_pinned(el, row_text))


def _table_date_cell(table: etree._Element) -> int | None:
    """Index of the 发布日期 column of a table with a header row (信息公开 catalogues)."""
    for tr in table.iter("tr"):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if len(cells) < 2:
            continue
        if any(True for _ in tr.iter("a")):
            return None  # first row already a data row: no header
        labels = ["".join(_text(c).split()) for c in cells]
        for i, lab in enumerate(labels):
            if "发布" in lab and ("日期" in lab or "时间" in lab):
                return i
        for i, lab in enumerate(labels):
            if ("日期" in lab or "时间" in lab) and not any(
                    x in lab for x in ("成文", "生成", "截止", "开始", "结束", "有效")):
                return i
        return None
    return None


def _heading_and_more(el: etree._Element, base: str) -> tuple[str | None, str | None]:
    """The block title and 更多 link around a list container (looked for in two ancestors)."""
    node = el
    inside = set(el.iter("a"))
    for _ in range(2):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        heading = more = None
        for sub in parent.iter():
            if sub is el or not isinstance(sub.tag, str):
                continue
            if sub.tag == "a" and sub not in inside:
                t = _text(sub)
                if MORE.match(t) or (not t and "more" in (sub.get("class") or "").lower()):
                    more = more or _href(sub, base)
            if heading is None and sub not in inside and (
                    sub.tag in ("h1", "h2", "h3", "h4", "h5", "h6")
                    or re.search(r"tit|title|hd\b|head|bt\b|name", sub.get("class") or "", re.I)):
                t = MORE.sub("", _text(sub)).strip()
                t = re.sub(r"(更多|more)\s*[>»]*\s*$", "", t, flags=re.I).strip()
                if 2 <= len(t) <= 20:
                    heading = t
        if heading or more:
            return heading, more
        node = parent
    return None, None


def _html_groups(doc: etree._Element, base: str) -> list[Group]:
    groups = []
    # id() of lxml proxies is only stable while the proxy lives: keep the used rows alive
    used: dict[int, etree._Element] = {}
    for el in doc.iter(*CONTAINERS):
        children = [c for c in el if isinstance(c.tag, str) and c.tag in ROW_TAGS]
        if not children:
            continue
        date_cell = _table_date_cell(el) if el.tag in ("table", "tbody") else None
        rows = []
        for c in children:
            if id(c) in used:
                continue
            row = make_row(c, base, date_cell)
            if row is not None:
                rows.append(row)
                used[id(c)] = c
        if not rows:
            continue
        if len(rows) == 1 and rows[0].found is None:
            continue  # one undated link is not a list
        heading, more = _heading_and_more(el, base)
        groups.append(Group(rows=rows, source="html", heading=heading, more=more,
                            hints=_classes(el)))
    return groups


def _datastore_group(text: str, base: str) -> Group | None:
    records = paging.datastore_records(text)
    if not records:
        return None
    frag = "<div>" + "".join(f"<div class='record'>{r}</div>" for r in records) + "</div>"
    try:
        root = lxml.html.fragment_fromstring(frag)
    except (etree.ParserError, ValueError):
        return None
    rows = [r for r in (make_row(c, base) for c in root if isinstance(c.tag, str)) if r]
    return Group(rows=rows, source="datastore")


_JS_ROWS = re.compile(
    r"""urls\[\s*(\w+)\s*\]\s*=\s*['"]([^'"]+)['"]\s*;?\s*headers\[\s*\1\s*\]\s*=\s*['"]([^'"]*)['"]"""
    r"""(?:\s*;?\s*year\[\s*\1\s*\]\s*=\s*['"]?(\d{4})['"]?\s*;?\s*month\[\s*\1\s*\]\s*=\s*['"]?(\d{1,2})"""
    r"""['"]?\s*;?\s*day\[\s*\1\s*\]\s*=\s*['"]?(\d{1,2}))?""")


def _script_group(text: str, base: str) -> Group | None:
    rows = []
    for m in _JS_ROWS.finditer(text):
        url = canonical(urljoin(base, htmllib.unescape(m.group(2))))
        if not url:
            continue
        found = None
        if m.group(4):
            d = dates._make(int(m.group(4)), int(m.group(5)), int(m.group(6)))
            if d:
                found = dates.Found(d.year, d.month, d.day, 0, 0)
        rows.append(Row(title=htmllib.unescape(m.group(3)) or url, url=url, found=found))
    return Group(rows=rows, source="script") if rows else None


def _blocks(body: etree._Element) -> set[str]:
    out = set()
    for el in body.iter():
        if not isinstance(el.tag, str):
            tail = (el.tail or "").strip()
            if tail:
                out.add(dates.normalise(tail)[:80])
            continue
        if el.tag in ("script", "style", "noscript", "textarea", "select", "option"):
            t = (el.tail or "").strip()
            if t:
                out.add(dates.normalise(t)[:80])
            continue
        for t in (el.text, el.tail):
            t = (t or "").strip()
            if len(t) >= 2:
                out.add(dates.normalise(htmllib.unescape(t))[:80])
    return out


def summarise(text: str, url: str, *, want_blocks: bool = True) -> Summary:
    """Parse ``text`` (the page at ``url``) once and keep what column discovery needs."""
    s = Summary(url=url)
    head = text[:30000]
    s.metas = dates.metas(head)
    s.hidden = paging.discover(text, url)
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or stripped[:200].lower().startswith("<datastore"):
        g = _datastore_group(text, url)
        s.groups = [g] if g else []
        s.datastore = True
        return s
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return s
    base = document_base(doc, url)
    t = doc.find(".//title")
    s.title = _text(t) if t is not None else None
    body = doc.find("body")
    if body is None:
        body = doc
    for h in body.iter("h1", "h2"):
        ht = _text(h)
        if 2 <= len(ht) <= 40:
            s.heading = ht
            break
    s.groups = _html_groups(body, base)
    ds = _datastore_group(text, base) if "<datastore" in text else None
    if ds is not None:
        s.groups.insert(0, ds)
        s.datastore = True
    if "urls[" in text:
        js = _script_group(text, base)
        if js is not None:
            s.groups.insert(0, js)
    s.crumbs = breadcrumb(body, base)
    s.frames = any(f.get("src") and "visit" not in (f.get("src") or "")
                   and (f.get("width") not in ("0", "1")) for f in body.iter("iframe", "frame"))
    scripts = " ".join((sc.text or "") for sc in doc.iter("script")
                       if (sc.get("type") or "text/javascript").lower() != "text/xml")
    s.spa = bool(SPA_SIGNS.search(scripts) or re.search(r"v-for=|ng-repeat=|\{\{\s*\w", text))
    if s.spa:
        s.json_lists = [e.url for e in jsonlists.discover(text, url)]
    if want_blocks:
        s.blocks = _blocks(body)
    s.article = is_article_text(text, s.metas)
    return s


def is_article_text(text: str, metas: dict[str, str] | None = None) -> bool:
    """An article page: ``ArticleTitle`` meta, or a body container with a publish byline, or
    a 信息公开 header (索引号 … 发布日期)."""
    m = metas if metas is not None else dates.metas(text[:30000])
    if m.get("articletitle"):
        return True
    if BODY_MARKERS.search(text) or INFO_HEADER.search(text):
        return dates.labelled_date(dates.strip_html(text)) is not None
    return False
