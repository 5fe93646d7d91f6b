"""Incremental crawls end to end on the sample cluster served on loopback (real servers,
real crawls, real checks): a second run sends conditional requests and carries unchanged
articles over, and its findings equal those of a full crawl of the same state — also after
articles changed and were added.

The portal's server sends ETag/Last-Modified and answers 304 (as nginx does for files);
the other servers send no validators, so their pages are compared by content hash.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from checks.runner import run_checks
from crawler.incremental import choose_mode
from crawler.runner import Crawl, CrawlResult
from govmon.demo.cluster import DemoCluster
from govmon.demo.server import Route, SiteServer
from settings.config import Settings
from store.db import open_store
from store.models import Finding, Link, Page, PageFact, Run, Snapshot

FAST = {"workers": 1, "timeout": 5.0, "retries": 1, "recheck_delay": 0.3}


class Night:
    """One store; crawls of the cluster checked the way ``govmon nightly`` does."""

    def __init__(self, cluster: DemoCluster, db: Path, **settings: object):
        self.cluster = cluster
        self.url = f"sqlite:///{db}"
        self.sessions = open_store(self.url)
        self.settings = Settings(**{**FAST, **settings})

    def crawl(self, mode: str) -> tuple[CrawlResult, int]:
        before = sum(len(s.requests) for s in self.cluster.servers)
        result = Crawl(self.cluster.registry, self.settings, self.url).run(mode=mode)
        with self.sessions.begin() as s:
            run_checks(s, s.get(Run, result.run_id), registry=self.cluster.registry)
        return result, sum(len(s.requests) for s in self.cluster.servers) - before

    def findings(self, run_id: int) -> set[tuple]:
        """Findings as compared across nights. Rules that read the site's history word
        their message by what earlier checks saw (content.recycled_post: "与此前检查中…"
        once the original was seen in an earlier run, "与本站…" on the first night), so a
        second night differs from the first in wording whatever the crawl mode: for them
        the finding itself (fingerprint, page, severity) is compared, not its wording."""
        with self.sessions() as s:
            return {(f.site_id, f.rule, f.fingerprint, f.url, f.severity,
                     None if f.rule in HISTORY_WORDED else f.message)
                    for f in s.scalars(select(Finding).where(Finding.run_id == run_id))}

    def pages(self, run_id: int) -> dict[str, Page]:
        with self.sessions() as s:
            return {p.url: p for p in s.scalars(select(Page).where(Page.run_id == run_id))}

    def body(self, page_id: int) -> bytes:
        with self.sessions() as s:
            return zlib.decompress(s.get(Snapshot, page_id).body)

    def articles(self, run_id: int) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(PageFact.url).where(
                PageFact.run_id == run_id, PageFact.kind == "article").order_by(PageFact.id)))


HISTORY_WORDED = {"content.recycled_post", "content.backdated_post"}


@dataclass
class Nights:
    night: Night
    full: CrawlResult  # a full crawl
    inc: CrawlResult  # then an incremental one, nothing changed
    requests: tuple[int, int]  # requests the servers got for each
    conditional: list[tuple[str, int]]  # the portal's conditional GETs of ``inc``
    edited: list[str]  # articles then edited, each with a note on its list page
    added: str  # and an article added to a list
    inc2: CrawlResult  # the incremental run after those changes
    full2: CrawlResult  # and a full crawl of the same state


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    """The nights, in order (real crawls and checks take ~20 s each: run once)."""
    cluster = DemoCluster(today=date.today())
    cluster.portal.validators = True
    cluster.start()
    try:
        night = Night(cluster, tmp_path_factory.mktemp("incremental") / "govmon.db")
        full, full_requests = night.crawl("full")
        before = len(cluster.portal.conditional)
        inc, inc_requests = night.crawl("incremental")
        conditional = cluster.portal.conditional[before:]
        edited, added = _change(cluster, night, full.run_id)
        inc2, _ = night.crawl("incremental")
        full2, _ = night.crawl("full")
        return Nights(night, full, inc, (full_requests, inc_requests), conditional, edited,
                      added, inc2, full2)
    finally:
        cluster.stop()


def _change(cluster: DemoCluster, night: Night, run_id: int) -> tuple[list[str], str]:
    """Edit an article of the portal (validators: a conditional GET gets a 200) and one of
    the zone (no validators: a new content hash), each with a new title on a list page
    that links to it, and add an article to the portal's list."""
    edited = []
    with night.sessions() as s:
        for server in (cluster.portal, cluster.zone):
            article, listing, anchor = s.execute(
                select(PageFact.url, Page.url, Link.anchor)
                .join(Link, (Link.target == PageFact.url) & (Link.run_id == run_id))
                .join(Page, Page.id == Link.page_id)
                .join(PageFact.__table__.alias("lf"), text("lf.page_id = pages.id"))
                .where(PageFact.run_id == run_id, PageFact.kind == "article",
                       text("lf.kind = 'column'"), PageFact.url.startswith(server.base),
                       Link.anchor.is_not(None))
                .order_by(PageFact.url, Page.url)).first()
            charset = "gb18030" if "gb" in _route(server, article).content_type.lower() else "utf-8"
            _edit(server, article, "</body>", "<p>更正：本文第二段有误，已修改。</p></body>", charset)
            # the new title on every page that lists it (a list, its JSON/XML pages)
            for page in set(s.scalars(select(Page.url).join(Link, Link.page_id == Page.id)
                                      .where(Link.run_id == run_id, Link.target == article,
                                             Link.anchor == anchor))):
                _edit(server, page, anchor, anchor + "（更新）", charset)
            edited.append(article)
            if server is cluster.portal:
                new_path = "/xwdt/zxdt/209912/t20991231_1.html"
                server.routes[new_path] = Route(body=(
                    "<html><head><title>新增的文章</title></head><body><div id='zoom'>"
                    "<p>发布时间：2099-12-31</p><p>新增正文。</p></div></body></html>"))
                _edit(server, listing, "</body>", f'<a href="{new_path}">新增的文章</a></body>',
                      charset)
                added = server.url(new_path)
    return edited, added


def _route(server: SiteServer, url: str) -> Route:
    return server._find("GET", url[len(server.base):])


def _edit(server: SiteServer, url: str, old: str, new: str, charset: str) -> None:
    route = _route(server, url)
    body = route.payload()
    assert old.encode(charset) in body, (url, old)
    route.body = body.replace(old.encode(charset), new.encode(charset))
    server.routes[url[len(server.base):]] = route  # a route the server makes per request


def test_second_run_sends_conditional_requests_and_carries_over(nights: Nights) -> None:
    inc = nights.inc
    assert nights.full.mode == "full" and not nights.full.reused
    assert inc.mode == "incremental"
    # the server with validators got conditional requests and answered 304 to each
    assert nights.conditional and all(status == 304 for _, status in nights.conditional)
    assert inc.reused.get("304", 0) == len(nights.conditional)
    assert inc.reused.get("carried", 0) >= 50  # unchanged lists: their articles not asked
    full_requests, inc_requests = nights.requests
    # (350 -> 144 on the sample cluster: its many list pages are fetched every night,
    # and its planted broken links verified again, as failures are never cached)
    assert inc_requests < full_requests * 0.5


def test_unchanged_run_stores_the_same_pages_links_and_findings(nights: Nights) -> None:
    night, full, inc = nights.night, nights.full, nights.inc
    full_pages, inc_pages = night.pages(full.run_id), night.pages(inc.run_id)
    assert set(inc_pages) == set(full_pages)
    for url, page in inc_pages.items():
        old = full_pages[url]
        assert (page.status, page.content_hash, page.title) == (
            old.status, old.content_hash, old.title), url
        if page.reused:
            assert page.reused_from == old.id
            assert night.body(page.id) == night.body(old.id)
        if page.reused == "carried":  # not asked: the time of its last real fetch
            assert page.fetched_at == old.fetched_at
    with night.sessions() as s:
        def links(run_id: int) -> list[tuple]:
            return sorted(s.execute(select(Page.url, Link.target, Link.tag, Link.kind)
                                    .join(Page, Page.id == Link.page_id)
                                    .where(Link.run_id == run_id)).all())
        assert links(inc.run_id) == links(full.run_id)
    assert night.findings(full.run_id)  # the cluster plants problems: something to compare
    assert night.findings(inc.run_id) == night.findings(full.run_id)


def test_changed_and_added_articles_are_seen_and_findings_equal_a_full_crawl(
        nights: Nights) -> None:
    night, inc2, full2 = nights.night, nights.inc2, nights.full2
    pages = night.pages(inc2.run_id)
    for url in nights.edited:
        assert pages[url].reused is None, url  # fetched and read anew
        assert "更正".encode() in night.body(pages[url].id).replace(
            "更正".encode("gb18030"), "更正".encode())
    assert nights.added in pages and pages[nights.added].reused is None
    assert inc2.reused.get("carried", 0) > 0  # unchanged columns were still not asked
    assert set(night.pages(full2.run_id)) == set(pages)
    assert night.findings(inc2.run_id) == night.findings(full2.run_id)


def test_nightly_mode_full_once_a_week(tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    sessions = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    with sessions.begin() as s:
        assert choose_mode(s, 7) == "full"  # never crawled in full
        s.add(Run(started_at=datetime.now() - timedelta(days=3), status="complete",
                  options={"mode": "full"}))
        s.flush()
        assert choose_mode(s, 7) == "incremental"
        assert choose_mode(s, 2) == "full"
        assert choose_mode(s, 0) == "full"
        s.add(Run(started_at=datetime.now() - timedelta(days=1), status="complete",
                  options={"mode": "incremental"}))
        s.flush()
        assert choose_mode(s, 2) == "full"  # an incremental run does not count
