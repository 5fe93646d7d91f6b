"""Fast extraction of what the crawl needs from one HTML page: title, links, soft-404 signs.

Uses lxml directly (one parse per page): Scrapy's LinkExtractor builds far more objects
than we need and the crawl is CPU-bound (see ``perf-notes.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawler.urls import canonical, is_ignored_href

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
_WS = re.compile(r"\s+")


@dataclass(slots=True)
class RawLink:
    url: str
    tag: str
    attr: str
    anchor: str | None


@dataclass(slots=True)
class PageFacts:
    title: str | None
    links: list[RawLink]
    soft404: bool


def _clean(text: str | None, limit: int = 200) -> str | None:
    if not text:
        return None
    text = _WS.sub(" ", text).strip()
    return text[:limit] or None


def parse(body: str, url: str) -> PageFacts:
    """Parse decoded HTML; links are absolute canonical URLs (``<base href>`` honoured)."""
    try:
        doc = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return PageFacts(title=None, links=[], soft404=False)
    base = url
    for b in doc.iter("base"):
        href = b.get("href")
        if href and not is_ignored_href(href):
            base = urljoin(url, href.strip())
        break
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
        target = canonical(urljoin(base, raw.strip()))
        if target is None or (target, tag) in seen:
            continue
        seen.add((target, tag))
        anchor = None
        if tag in ("a", "area"):
            anchor = _clean(el.text_content()) or _clean(el.get("title")) or _clean(
                next((i.get("alt") for i in el.iter("img")), None))
        elif tag == "img":
            anchor = _clean(el.get("alt"))
        links.append(RawLink(target, tag, attr, anchor))
    return PageFacts(title=title, links=links, soft404=is_soft404(doc, title))


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
    text = _WS.sub("", body.text_content() or "")
    return len(text) < 600 and bool(SOFT_404.search(text))
