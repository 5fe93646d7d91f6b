"""URL canonicalisation, link kinds, pseudo-links and spider-trap guards.

Canonical spelling is what makes "each distinct target verified exactly once" true, so
every way two spellings of one URL can differ is pinned here."""

from __future__ import annotations

import pytest

from crawler import extract
from crawler.urls import (
    TrapGuard,
    canonical,
    extension,
    is_attachment,
    is_ignored_href,
    is_image,
    link_kind,
    path_template,
)


@pytest.mark.parametrize(("raw", "expected"), [
    # Chinese characters become UTF-8 escapes; escapes of either case are one spelling.
    ("http://www.gov.cn/中文/页面.html",
     "http://www.gov.cn/%E4%B8%AD%E6%96%87/%E9%A1%B5%E9%9D%A2.html"),
    ("http://www.gov.cn/%e4%b8%ad%e6%96%87/", "http://www.gov.cn/%E4%B8%AD%E6%96%87/"),
    ("http://www.gov.cn/%E4%B8%AD%E6%96%87/", "http://www.gov.cn/%E4%B8%AD%E6%96%87/"),
    ("http://h.cn/search?q=政务公开", "http://h.cn/search?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80"),
    # GBK escapes written by a GBK CMS are kept as they are (only normalised in case).
    ("http://h.cn/%d6%d0.html", "http://h.cn/%D6%D0.html"),
    # Spaces.
    ("http://h.cn/a b/c d.html", "http://h.cn/a%20b/c%20d.html"),
    ("http://h.cn/a%20b/c%20d.html", "http://h.cn/a%20b/c%20d.html"),
    # Fragments never make a different target.
    ("http://h.cn/a.html#top", "http://h.cn/a.html"),
    ("http://h.cn/a.html?x=1#frag", "http://h.cn/a.html?x=1"),
    ("http://h.cn/#", "http://h.cn/"),
    # Default ports, case of scheme and host, empty path.
    ("HTTP://WWW.Gov.CN:80", "http://www.gov.cn/"),
    ("https://h.cn:443/x", "https://h.cn/x"),
    ("http://h.cn:443/x", "http://h.cn:443/x"),
    ("https://h.cn:8443", "https://h.cn:8443/"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    # Dot segments, including ../ above the root.
    ("http://h.cn/../../a.html", "http://h.cn/a.html"),
    ("http://h.cn/a/./b/../c/", "http://h.cn/a/c/"),
    ("http://h.cn/a/b/..", "http://h.cn/a/"),
    ("http://h.cn/./", "http://h.cn/"),
    ("http://h.cn/.well-known/x", "http://h.cn/.well-known/x"),
    # Unreserved characters escaped for no reason.
    ("http://h.cn/%7Euser/", "http://h.cn/~user/"),
    # Whitespace around and inside an href (browsers drop tabs and newlines).
    ("  http://h.cn/a.html\n", "http://h.cn/a.html"),
    ("http://h.cn/a\n/b.html", "http://h.cn/a/b.html"),
    # Query strings keep their order (parameter order can matter to a CMS).
    ("http://h.cn/list?b=2&a=1", "http://h.cn/list?b=2&a=1"),
])
def test_canonical(raw: str, expected: str) -> None:
    assert canonical(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "   ", "/relative.html", "//h.cn/x", "ftp://h.cn/file", "mailto:a@b.cn",
    "javascript:void(0)", "http://h.cn:99999/", "http:///nohost",
])
def test_canonical_rejects_uncrawlable(raw: str) -> None:
    assert canonical(raw) is None


def test_canonical_is_idempotent() -> None:
    for raw in ("http://h.cn/中文 路径/a.html?q=政务#x", "http://h.cn/a/../b/%7e/"):
        once = canonical(raw)
        assert once is not None and canonical(once) == once


@pytest.mark.parametrize(("href", "ignored"), [
    ("javascript:void(0)", True), ("JavaScript:alert(1)", True), (" javascript:;", True),
    ("mailto:zwgk@gov.cn", True), ("tel:12345", True), ("#", True), ("#top", True),
    ("", True), ("data:image/png;base64,AAAA", True),
    ("/a.html", False), ("a.html#top", False), ("http://h.cn/", False),
])
def test_pseudo_links(href: str, ignored: bool) -> None:
    assert is_ignored_href(href) is ignored


@pytest.mark.parametrize(("tag", "attr", "url", "same", "kind"), [
    ("a", "href", "http://h.cn/a.html", True, "internal"),
    ("a", "href", "http://other.cn/a.html", False, "external"),
    ("a", "href", "http://h.cn/files/报告.PDF", True, "attachment"),
    ("a", "href", "http://h.cn/files/x.docx", False, "attachment"),
    ("a", "href", "http://h.cn/pic.JPG", True, "image"),
    ("img", "src", "http://h.cn/logo.png", True, "image"),
    ("img", "src", "http://h.cn/pic?id=1", True, "image"),
    ("script", "src", "http://h.cn/a.js", True, "script"),
    ("link", "href", "http://h.cn/a.css", True, "stylesheet"),
    ("iframe", "src", "http://h.cn/frame.html", True, "frame"),
    ("frame", "src", "http://other.cn/", False, "frame"),
])
def test_link_kind(tag: str, attr: str, url: str, same: bool, kind: str) -> None:
    assert link_kind(tag, attr, url, same) == kind


def test_extensions() -> None:
    assert extension("http://h.cn/a/b.PDF?x=1") == ".pdf"
    assert extension("http://h.cn/a.dir/") == ""
    assert is_attachment("http://h.cn/a.wps") and is_attachment("http://h.cn/a.ofd")
    assert not is_attachment("http://h.cn/a.html")
    assert is_image("http://h.cn/a.webp") and not is_image("http://h.cn/a.htm")


class TestTrapGuard:
    def test_query_variants_bounded_per_path(self) -> None:
        guard = TrapGuard(max_query_variants=3)
        allowed = [guard.allow(f"http://h.cn/cal?month={i}") for i in range(10)]
        assert allowed == [True] * 3 + [False] * 7
        # Other paths and plain paths have their own allowance.
        assert guard.allow("http://h.cn/list?page=2")
        assert guard.allow("http://h.cn/cal")
        assert guard.allow("http://h.cn/other/cal")

    def test_hosts_counted_apart(self) -> None:
        guard = TrapGuard(max_query_variants=1)
        assert guard.allow("http://a.cn/s?q=1")
        assert guard.allow("http://b.cn/s?q=1")
        assert not guard.allow("http://a.cn/s?q=2")

    @pytest.mark.parametrize("path", [
        "/a/b/a/b/a/b", "/x/x/x/x/x/x", "/news/2024/list/news/2024/list/news/2024/list",
        "/a/b/c/d/e/f/d/e/f/d/e/f",
    ])
    def test_repeating_segments_refused(self, path: str) -> None:
        assert not TrapGuard().allow("http://h.cn" + path)

    @pytest.mark.parametrize("path", [
        "/a/b/c/d/e/f", "/a/b/a/b", "/cal/2024/01/02/03/04", "/x/x/x",
    ])
    def test_ordinary_deep_paths_allowed(self, path: str) -> None:
        assert TrapGuard().allow("http://h.cn" + path)

    def test_overlong_url_refused(self) -> None:
        guard = TrapGuard()
        assert not guard.allow("http://h.cn/" + "a" * 1000)
        assert guard.allow("http://h.cn/" + "a" * 900)


def test_path_template_groups_numbered_urls() -> None:
    assert path_template("http://h.cn/art/2024/5/12/art_1_123.html") == \
        path_template("http://h.cn/art/2023/11/3/art_1_9.html")


class TestExtract:
    """Link extraction as the crawl sees it (one parse, canonical absolute targets)."""

    def test_base_href_and_dot_dot(self) -> None:
        page = ('<html><head><base href="/news/2024/"><title>t</title></head><body>'
                '<a href="../a.html">a</a><a href="../../../../../b.html">b</a>'
                '<a href="c.html">c</a></body></html>')
        links = [link.url for link in extract.parse(page, "http://h.cn/index.html").links]
        assert links == ["http://h.cn/news/a.html", "http://h.cn/b.html",
                         "http://h.cn/news/2024/c.html"]

    def test_pseudo_links_fragments_and_duplicates_dropped(self) -> None:
        page = ('<a href="javascript:void(0)">x</a><a href="mailto:a@b.cn">m</a>'
                '<a href="tel:110">t</a><a href="#top">top</a><a href="#">#</a>'
                '<a href="/a.html">A</a><a href="/a.html#part">A again</a>'
                '<a href="/%e4%b8%ad.html">中</a><a href="/中.html">中 again</a>')
        links = extract.parse(page, "http://h.cn/").links
        assert [(link.url, link.anchor) for link in links] == [
            ("http://h.cn/a.html", "A"), ("http://h.cn/%E4%B8%AD.html", "中")]

    def test_tags_and_anchors(self) -> None:
        page = ('<a href="/x.html"><img src="/i.png" alt="图标"></a>'
                '<iframe src="/f.html"></iframe><script src="/s.js"></script>'
                '<link rel="stylesheet" href="/c.css"><link rel="icon" href="/fav.ico">')
        got = {(link.tag, link.url.rsplit("/", 1)[1], link.anchor)
               for link in extract.parse(page, "http://h.cn/").links}
        assert got == {("a", "x.html", "图标"), ("img", "i.png", "图标"),
                       ("iframe", "f.html", None), ("script", "s.js", None),
                       ("link", "c.css", None)}

    def test_title_and_soft404(self) -> None:
        facts = extract.parse("<title> 页面不存在 </title><body>x</body>", "http://h.cn/")
        assert facts.title == "页面不存在" and facts.soft404
        facts = extract.parse("<title>政务公开</title><body>" + "正文" * 400 + "</body>",
                              "http://h.cn/")
        assert facts.title == "政务公开" and not facts.soft404
