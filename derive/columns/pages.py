"""A site's stored pages as column discovery reads them: summaries of list pages,
template links and blocks, link texts, page dates, and list pages joined into columns."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from derive.columns import ColumnRec
from derive.source import SiteSource
from parse import classify, dates
from parse.lists import Summary, summarise
from parse.urls import column_key
from store.models import Link, Page, PageFact

ARTICLE_URL = re.compile(
    r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+|/art/\d{4}/art_[0-9a-f]{16,}"
    r"|/t\d{8}_\d+\.s?html?$|/t\d{6,}\.s?html?$|content_\d+\.s?html?$|/content/post_\d+\.html?$"
    r"|/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?$|/\d{4}/\d{2}-\d{2}/\d+\.html?$"
    r"|/art_\d+_\d+\.html?$", re.I)


class SitePages:
    def __init__(self, src: SiteSource):
        self.src = src
        self.vocab = classify.load()
        spec_hints = src.spec.hints if src.spec is not None else (src.site.hints or {})
        self.hints = classify.column_hints(spec_hints)
        self.as_of = src.as_of
        self.pages: dict[str, Page] = {}
        self.summaries: dict[str, Summary] = {}
        self.article: dict[str, bool] = {}
        self.html_cache: dict[str, str | None] = {}
        self.art_dates: dict[str, tuple[date | None, str | None]] = {}

    # data access
    def _html(self, url: str) -> str | None:
        if url not in self.html_cache:
            page = self.pages.get(url)
            self.html_cache[url] = self.src.html(page) if page is not None else None
            if len(self.html_cache) > 400:  # bounded: only recent ones are re-read
                self.html_cache.pop(next(iter(self.html_cache)))
        return self.html_cache[url]

    def load_pages(self) -> None:
        q = (select(Page).where(Page.run_id == self.src.run.id, Page.site_id == self.src.site.id,
                                Page.status >= 200, Page.status < 300)
             .where(or_(Page.content_type.ilike("%html%"), Page.content_type.ilike("%xml%"),
                        Page.content_type.is_(None), Page.content_type == ""))
             .order_by(Page.depth, Page.id))
        for p in self.src.session.scalars(q):
            self.pages.setdefault(p.url, p)

    def sample_ids(self, home: Page | None, limit: int = 40) -> list[int]:
        """Page ids spread over the site: homepage, list pages and articles."""
        lists = [self.pages[u].id for u in self.summaries]
        arts = [self.pages[u].id for u, a in self.article.items() if a and u in self.pages]
        half = limit // 2
        ids = ([home.id] if home is not None else []) + lists[:: max(1, len(lists) // half)][:half]
        ids += arts[:: max(1, len(arts) // (limit - len(ids)))][: limit - len(ids)]
        return ids

    def template_links(self, sample: list[int]) -> set[str]:
        """Targets linked from at least half the sampled pages (menus, footers)."""
        need = max(3, math.ceil(len(sample) * 0.5))
        counts: Counter = Counter()
        q = select(Link.page_id, Link.target).where(Link.page_id.in_(sample), Link.tag == "a")
        counts.update(target for _, target in set(self.src.session.execute(q).all()))
        return {t for t, c in counts.items() if c >= need}

    def page_links(self, page_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
        """(target, anchor) of the internal <a> links of some pages."""
        out: dict[int, list[tuple[str, str | None]]] = {}
        for i in range(0, len(page_ids), 500):
            q = select(Link.page_id, Link.target, Link.anchor).where(
                Link.page_id.in_(page_ids[i:i + 500]), Link.tag == "a", Link.kind == "internal")
            for page_id, target, anchor in self.src.session.execute(q).all():
                out.setdefault(page_id, []).append((target, anchor))
        return out

    def nav_categories(self, links: dict[int, list[tuple[str, str | None]]]) -> set[str]:
        """Categories named by short link texts (menus, channel pages) to pages that opened:
        a single-page column such as 机构职能 is often an ordinary article page."""
        found: set[str] = set()
        for pairs in links.values():
            for target, anchor in pairs:
                page = self.pages.get(target)
                if anchor is None or page is None or page.soft404 or len(anchor.strip()) > 10:
                    continue
                cat = self.vocab.category_of(anchor)
                if cat:
                    found.add(cat.id)
        return found

    def anchors_for(self, targets: set[str]) -> dict[str, Counter]:
        """Link texts of the site's <a> links to ``targets`` (each target's in link order).

        One pass over the site's links: menu targets are linked from every page, so
        chunks of ``target IN (...)`` read most of the site's links once per chunk."""
        out: dict[str, Counter] = {}
        if not targets:
            return out
        q = select(Link.target, Link.anchor).where(
            Link.run_id == self.src.run.id, Link.site_id == self.src.site.id,
            Link.tag == "a").order_by(Link.id)
        for target, anchor in self.src.session.execute(q):
            if anchor and target in targets:
                out.setdefault(target, Counter())[anchor.strip()] += 1
        return out

    def home_links(self, home: Page) -> set[str]:
        return set(self.src.session.scalars(select(Link.target).where(Link.page_id == home.id)))

    def is_article(self, url: str) -> bool | None:
        """Known for fetched pages; by URL pattern otherwise (None: cannot tell)."""
        if url in self.article:
            return self.article[url]
        if ARTICLE_URL.search(urlsplit(url).path):
            return True
        return None

    def is_list_page(self, url: str) -> bool:
        """A fetched non-article page that shows rows of links (a column or channel)."""
        s = self.summaries.get(url)
        return s is not None and any(len(g.rows) >= 2 for g in s.groups)

    def load_page_dates(self) -> None:
        """Publish dates the derive step stored for the site's pages (``page_facts``)."""
        q = select(PageFact.url, PageFact.date, PageFact.date_source).where(
            PageFact.run_id == self.src.run.id, PageFact.site_id == self.src.site.id,
            PageFact.date.is_not(None))
        for url, day, source in self.src.session.execute(q):
            self.art_dates[url] = (day, source)

    def article_date(self, url: str) -> tuple[date | None, str | None]:
        """The item's page date as the derive step stored it (byline > URL > meta); for a
        page it did not read, the same order on the stored HTML, or the URL alone."""
        if url not in self.art_dates:
            html = self._html(url) if url in self.pages else None
            self.art_dates[url] = dates.article_date(html, url)
        return self.art_dates[url]

    # steps
    def summarise_pages(self, home: Page | None) -> None:
        for url, page in self.pages.items():
            if home is not None and page.id == home.id:
                continue
            if ARTICLE_URL.search(urlsplit(url).path):
                self.article[url] = True
                continue
            html = self._html(url)
            if html is None:
                continue
            metas_head = html[:30000]
            if re.search(r"""name\s*=\s*["']ArticleTitle["'][^>]*content\s*=\s*["'][^"'\s]""",
                         metas_head, re.I):
                self.article[url] = True
                continue
            s = summarise(html, url)
            if s.article and not any(g.dated >= 3 for g in s.groups):
                self.article[url] = True
                continue
            self.article[url] = False
            self.summaries[url] = s

    def template_blocks(self, home_summary: Summary | None) -> set[str]:
        counts: Counter = Counter()
        sample = list(self.summaries.values())
        if home_summary is not None:
            sample.append(home_summary)
        articles = [u for u, a in self.article.items() if a and u in self.pages][:12]
        for u in articles:
            html = self._html(u)
            if html:
                sample.append(summarise(html, u))
        for s in sample:
            counts.update(s.blocks)
        need = max(3, math.ceil(0.6 * len(sample)))
        return {b for b, c in counts.items() if c >= need}

    def group_pages(self) -> dict[str, ColumnRec]:
        """Join each list's pages (paging, aliases) under one column key.

        Pages announcing one another (a TRS pager, a Hanweb datastore and its dataproxy.jsp
        answers) form one list, whatever order the crawl stored them in; its first page is
        the one no page announces, else the one announced as page 1.
        """
        number: dict[str, int] = {}
        family: dict[str, str] = {}
        parent: dict[str, str] = {}

        def find(u: str) -> str:
            while parent.get(u, u) != u:
                parent[u] = parent.get(parent[u], parent[u])
                u = parent[u]
            return u

        for url, s in self.summaries.items():
            for p in s.hidden.pages:
                number.setdefault(p.url, p.number)
                family.setdefault(p.url, p.family)
                if p.url in self.summaries:
                    a, b2 = find(url), find(p.url)
                    if a != b2:
                        parent[b2] = a
        by_list: dict[str, list[str]] = {}
        for url in self.summaries:
            by_list.setdefault(find(url), []).append(url)

        def rank(u: str) -> tuple[int, int, int, int]:
            page = self.pages[u]
            return (u in number, number.get(u, 1), page.depth, page.id)

        columns: dict[str, ColumnRec] = {}
        for members in by_list.values():
            members.sort(key=rank)
            first = members[0]
            first_page = self.pages[first]
            key = column_key(first_page.final_url or first)
            col = columns.get(key)
            if col is None:
                col = columns[key] = ColumnRec(key=key, url=first)
            for url in members:
                page = self.pages[url]
                col.urls.add(url)
                if page.final_url:
                    col.urls.add(page.final_url)
                col.pages.append((1 if url == first else number.get(url, 1), url))
                if url in family and not col.paging:
                    col.paging = family[url]
        for col in columns.values():
            s = self.summaries.get(col.url)
            if s is not None and s.hidden.family and not col.paging:
                col.paging = s.hidden.family
        return columns
