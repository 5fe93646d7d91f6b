"""Fast extraction of what the crawl needs from one HTML page: title, links, soft-404 signs.

Uses lxml directly (one parse per page): Scrapy's LinkExtractor builds far more objects
than we need and the crawl is CPU-bound (see ``perf-notes.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from parse.urls import RawLink, document_base, is_ignored_href, resolve

# (tag, attribute) pairs whose URLs are link targets.
LINK_ATTRS = {
    "a": "href", "area": "href", "img": "src", "iframe": "src", "frame": "src",
    "script": "src", "link": "href", "embed": "src", "source": "src",
}
SOFT_404 = re.compile(
    r"(页面不存在|您访问的页面不存在|你访问的页面不存在|页面未找到|找不到(该|您要访问的)?页面|"
    r"页面已(被)?删除|信息不存在|文章不存在|404\s*(not\s*found|错误|页面)|page\s+not\s+found|"
    r"访问的页面.{0,6}不存在)",
    re.I,
)
# Every SOFT_404 phrase contains one of these ("ound": found, Found; "OUND": FOUND). A page
# whose HTML has none of them, and no numeric character reference that could spell one,
# cannot match: the heading and body-text scans are skipped (~2 % of a crawl worker's CPU).
_SOFT_404_TOKENS = ("不存在", "未找到", "找不到", "删除", "404", "ound", "OUND", "&#")
_WS = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass(slots=True)
class PageFacts:
    title: str | None
    links: list[RawLink]
    soft404: bool


def _clean(text: str | None, limit: int = 200) -> str | None:
    if not text:
        return None
    # str.split() and the regex \s agree on whitespace (both follow str.isspace)
    text = " ".join(text.split())
    return text[:limit] or None


def parse(body: str, url: str) -> PageFacts:
    """Parse decoded HTML; links are absolute canonical URLs (``<base href>`` honoured)."""
    try:
        # lxml refuses str input that carries an encoding declaration (<?xml … gbk?>).
        doc = lxml.html.document_fromstring(_XML_DECL.sub("", body, count=1))
    except (etree.ParserError, ValueError):
        return PageFacts(title=None, links=[], soft404=False)
    base = document_base(doc, url)
    title_el = doc.find(".//title")
    title = _clean(title_el.text_content() if title_el is not None else None, 500)
    links: list[RawLink] = []
    seen: set[tuple[str, str]] = set()
    for el in doc.iter(*LINK_ATTRS):
        tag = el.tag
        attr = LINK_ATTRS[tag]
        if tag == "link" and "stylesheet" not in (el.get("rel") or "").lower():
            continue
        raw = el.get(attr)
        if raw is None or is_ignored_href(raw):
            continue
        target = resolve(base, raw.strip())
        if target is None or (target, tag) in seen:
            continue
        seen.add((target, tag))
        anchor = None
        if tag in ("a", "area"):
            # a childless <a> is its own text: text_content() runs an XPath per link
            anchor = _clean(el.text_content() if len(el) else el.text) or _clean(
                el.get("title")) or _clean(
                next((i.get("alt") for i in el.iter("img")), None))
        elif tag == "img":
            anchor = _clean(el.get("alt"))
        links.append(RawLink(target, tag, attr, anchor))
    soft404 = any(t in body for t in _SOFT_404_TOKENS) and is_soft404(doc, title)
    return PageFacts(title=title, links=links, soft404=soft404)


def is_soft404(doc: lxml.html.HtmlElement, title: str | None) -> bool:
    """A 200 page that says the page does not exist (title, heading, or a short page)."""
    if title and SOFT_404.search(title):
        return True
    for h in doc.iter("h1", "h2", "h3"):
        if SOFT_404.search(h.text_content() or ""):
            return True
    body = doc.find("body")
    if body is None:
        return False
    # Chinese phrases are matched without whitespace (页面<br>不存在), English ones with
    # it collapsed ("page not found" needs its spaces)
    text = _WS.sub(" ", body.text_content() or "")
    compact = text.replace(" ", "")
    return len(compact) < 600 and bool(SOFT_404.search(compact) or SOFT_404.search(text))
