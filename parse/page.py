"""A parsed page and what several readers need from it: visible text, footers, scripts.

:class:`PageView` parses a decoded page once (lxml, keeping what real pages put after
``</html>``) and computes its text lines, metas, inline scripts, script and frame URLs,
heading and kind (article / column) lazily. Also here: what a script writes
(``document.write(unescape(...))`` as markup, :func:`script_markup`), and the footer
containers (:func:`is_footer`). Pure: no store, no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from parse.paging import has_pager
from parse.urls import document_base, is_ignored_href
from parse.urls import resolve as resolve_url

_CLOSING = re.compile(r"</\s*(?:html|body)\s*>", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"\s+")
SKIP_TAGS = {"head", "script", "style", "noscript", "template", "title"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", "iframe", "option", "select", "textarea",
}

# -- page kind (article vs column) -------------------------------------------------------
DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|"
                  r"(?<![\d:])\d{1,2}-\d{1,2}(?![\d:])")
BYLINE = re.compile(r"(?:发布|发表|发文|成文|更新)?(?:时间|日期)\s*[：:]\s*(?:19|20)\d{2}")
ARTICLE_URL = re.compile(
    r"/art/\d{4}/|/art_\d+_\d+|/t\d{8}_\d+\.s?html?|/content/post_\d+|content_\d+\.s?htm|"
    r"/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?|/\d{4}/\d{2}-\d{2}/\d+\.s?html?|"
    r"/(?:show|view|detail|content|article|info)\w*\.(?:asp|aspx|jsp|php|do)\?(?:.*&)?"
    r"(?:id|articleid|newsid|infoid)=\d+", re.I)
# CMS body containers: #zoom, .TRS_UEDITOR / .TRS_Editor, <UCAPCONTENT>, #UCAP-CONTENT ...
# The leading lookahead (every match starts with <, i or c) lets ``re`` skip ahead instead
# of trying each alternative at every position of the page: same matches, 3× faster.
CONTAINER = re.compile(
    r"(?=[<ic])(?:<ucapcontent\b|"
    r"\bid\s*=\s*[\"']?(?:zoom|ucap-content|article-content|artibody)[\"'\s>]|"
    r"\bclass\s*=\s*[\"'][^\"']*\b(?:trs_ueditor|trs_editor|pages_content|article-content|"
    r"article_content)\b)", re.I)
HOME_ALIAS = re.compile(r"^(?:index|default|main|home)\.(?:s?html?|jsp|php|aspx?)$", re.I)


@dataclass
class PageView:
    """A decoded HTML page and what several rule families need from it (lazily)."""

    url: str
    html: str
    page_id: int = 0
    depth: int = 1
    stored_title: str | None = None

    @cached_property
    def doc(self) -> Any:
        return parse_html(self.html)

    @cached_property
    def base(self) -> str:
        doc = self.doc
        return self.url if doc is None else document_base(doc, self.url)

    def resolve(self, href: str | None) -> str | None:
        if not href or is_ignored_href(href):
            return None
        # canonical(urljoin(...)), memoised: menus and footers repeat on every page
        return resolve_url(self.base, href.strip())

    @cached_property
    def title(self) -> str:
        if self.stored_title:
            return self.stored_title
        doc = self.doc
        el = doc.find(".//title") if doc is not None else None
        return _WS.sub(" ", text_of(el)).strip() if el is not None else ""

    @cached_property
    def lines(self) -> list[str]:
        """Visible text, one line per block element, whitespace collapsed."""
        return text_lines(self.doc) if self.doc is not None else []

    @cached_property
    def main_lines(self) -> list[str]:
        """Visible text lines without footer containers (footer, #footer, .bottom ...)."""
        if self.doc is None:
            return []
        return text_lines(self.doc, skip=is_footer)

    @cached_property
    def text(self) -> str:
        return "\n".join(self.lines)

    @cached_property
    def metas(self) -> dict[str, str]:
        """``<meta name=... content=...>`` by lower-cased name (first wins)."""
        out: dict[str, str] = {}
        if self.doc is None:
            return out
        for m in self.doc.iter("meta"):
            name = (m.get("name") or "").strip().lower()
            if name and name not in out:
                out[name] = (m.get("content") or "").strip()
        return out

    @cached_property
    def inline_scripts(self) -> list[str]:
        if self.doc is None:
            return []
        return [s.text for s in self.doc.iter("script") if not s.get("src") and s.text]

    @cached_property
    def script_srcs(self) -> list[str]:
        return self._srcs(("script",), "src")

    @cached_property
    def frame_srcs(self) -> list[str]:
        return self._srcs(("iframe", "frame"), "src")

    def _srcs(self, tags: tuple[str, ...], attr: str) -> list[str]:
        if self.doc is None:
            return []
        out: list[str] = []
        for el in self.doc.iter(*tags):
            url = self.resolve(el.get(attr))
            if url and url not in out:
                out.append(url)
        return out

    @cached_property
    def heading(self) -> str:
        """The first h1 (else h2) text: the page's own title on most CMS templates."""
        if self.doc is None:
            return ""
        for tag in ("h1", "h2"):
            for el in self.doc.iter(tag):
                text = _WS.sub(" ", text_of(el)).strip()
                if text:
                    return text
        return ""

    @cached_property
    def kind(self) -> str | None:
        return page_kind(self)


FOOTER_MARK = re.compile(r"foot|bottom|copyright|banquan|\bbq\b|\bft\b", re.I)


def is_footer(el: Any) -> bool:
    """A page-footer container: <footer>, or an id/class naming foot/bottom/copyright."""
    if el.tag == "footer":
        return True
    marker = f"{el.get('id') or ''} {el.get('class') or ''}"
    return marker != " " and bool(FOOTER_MARK.search(marker))


def footer_elements(doc: Any) -> list[Any]:
    """The page's footer containers, in document order (nested ones too). Only a
    ``<footer>`` or an element with an id or class can be one: libxml2 picks those out,
    Python applies :func:`is_footer` (measured: an XPath that lower-cases and tests the
    names itself is nine times slower)."""
    return [el for el in doc.xpath("//footer | //*[@id or @class]") if is_footer(el)]


_PARSER = etree.HTMLParser(remove_blank_text=False, recover=True)


def parse_html(html: str) -> Any:
    """Parse a whole page, keeping what real pages put after ``</html>`` (identifiers do
    end up there) and tolerating an XML declaration. Plain lxml etree elements: iterating
    them is much cheaper than ``lxml.html``'s element classes."""
    text = _CLOSING.sub("", _XML_DECL.sub("", html, count=1))
    if not text.strip():
        return None
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def text_of(el: Any) -> str:
    """All text inside an element (as ``lxml.html``'s ``text_content``): libxml2's text
    serialisation, the same string as ``"".join(el.itertext())`` at a third of the cost."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def text_lines(root: Any, skip: Callable[[Any], bool] | None = None) -> list[str]:
    """Visible text of ``root`` split at block elements (no script/style/head); elements
    for which ``skip`` is true are left out with their content."""
    lines: list[str] = []
    buf: list[str] = []

    def newline() -> None:
        if buf:
            # = _WS.sub(" ", text).strip(): \s and str.split() know the same whitespace
            line = " ".join("".join(buf).split())
            buf.clear()
            if line:
                lines.append(line)

    # lxml's tree walk in C: start / end events for elements, one event for comments and
    # processing instructions (only their tail is text); a left-out element still gets its
    # end event, right after its start.
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    skipped = None
    for event, el in walker:
        if event == "start":
            tag = el.tag
            if tag in SKIP_TAGS or (skip is not None and skip(el)):
                walker.skip_subtree()
                skipped = el
                continue
            if tag in BLOCK_TAGS:
                newline()
            if el.text:
                buf.append(el.text)
        elif event == "end":
            if el is skipped:
                skipped = None
            elif el.tag in BLOCK_TAGS:
                newline()
            if el.tail:
                buf.append(el.tail)
        elif el.tail:
            buf.append(el.tail)
    newline()
    return lines


def dated_rows(view: PageView) -> int:
    """List rows (li/tr/dd) with a link and a date: what a column page repeats."""
    doc = view.doc
    if doc is None:
        return 0
    count = 0
    for el in doc.iter("li", "tr", "dd"):
        # Leaf rows only: a layout table's outer row holds the whole page.
        if next(el.iterdescendants("tr", "li"), None) is not None:
            continue
        text = text_of(el)
        if len(text) > 300 or not DATE.search(text):
            continue
        if any(a.get("href") for a in el.iter("a")):
            count += 1
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "text/xml" and script.text:
            count += script.text.count("<record")
    return count


def page_kind(view: PageView) -> str | None:
    """'article', 'column' or None (neither clearly; e.g. a homepage or a form).

    Article signals: a CMS body container (#zoom, .TRS_UEDITOR, UCAPCONTENT ...) counts 2,
    a dated byline (发布时间：2024-...) 1, an article URL form (/art/2024/..., t20240101_N)
    1. Column signals: ≥ 5 list rows with a link and a date 2 (3-4 rows: 1), a Hanweb
    datastore counted as rows, a pager (下一页 / createPageHTML) 1. The larger score
    wins when it is at least 2; related-article lists on article pages stay below the
    container + byline score.
    """
    if view.doc is None:
        return None
    art = 2 if CONTAINER.search(view.html) else 0
    if any(BYLINE.search(line) for line in view.lines[:60]):
        art += 1
    if ARTICLE_URL.search(path_and_query(view.url)):
        art += 1
    rows = dated_rows(view)
    col = 2 if rows >= 5 else (1 if rows >= 3 else 0)
    if has_pager(view.html):
        col += 1
    if art >= 2 and art >= col:
        return "article"
    if col >= 2 and col > art:
        return "column"
    return None


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def is_document(html: str) -> bool:
    """A whole HTML page, not an XML/JSON fragment served as text/html."""
    head = html[:4096].lower()
    return "<html" in head or "<body" in head or "<head" in head or "<title" in head



# -- script text ----------------------------------------------------------------------------
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
_PCT = re.compile(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")
_JS_ESC = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(.)", re.S)
_TAG = re.compile(r"<[^>]*>")


def _js_unescape(s: str) -> str:
    def rep(m: re.Match) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            return chr(int(m.group(2), 16))
        c = m.group(3)
        return {"n": "\n", "t": "\t", "r": ""}.get(c, c)

    return _JS_ESC.sub(rep, s)


def percent_unescape(s: str) -> str:
    """JavaScript ``unescape``: %XX and %uXXXX (bytes as Latin-1, then UTF-8 if they form it)."""
    if "%" not in s:
        return s
    if "%u" in s:
        s = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)
    try:
        return unquote(s, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return unquote(s, encoding="latin-1")


@lru_cache(maxsize=2048)  # templates repeat the same inline scripts on every page
def script_markup(js: str) -> str:
    """What a script writes: its string literals joined (``"网站标识码：" + "51..."``),
    JS escapes and ``unescape('%3C...')`` decoded. Markup, not yet text."""
    parts = []
    for m in _JS_STRING.finditer(js):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        parts.append(percent_unescape(_js_unescape(raw)))
    return "".join(parts)


@lru_cache(maxsize=2048)
def markup_text(markup: str) -> str:
    """Tag-stripped, entity-decoded, whitespace-collapsed text of a markup fragment."""
    import html as _html

    return _WS.sub(" ", _html.unescape(_TAG.sub(" ", markup))).strip()
