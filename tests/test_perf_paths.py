"""The crawl's fast paths must give exactly what the plain versions give.

``ScopeIndex`` (behind ``Registry.site_for``) stands in for the plain scan and ``extract.resolve`` for
``canonical(urljoin(...))`` on every link of every page (bench/README.md): a difference
would silently change which site a link belongs to or which target is verified.
"""

from __future__ import annotations

import itertools
from urllib.parse import urljoin

from crawler import extract
from crawler.urls import canonical
from govmon.registry import Registry, ScopeIndex, SiteSpec

BASES = [
    "http://h/a/b/c.html", "http://h/a/b/", "http://h", "http://h?x=1",
    "http://h/a;p/b;q?x=/y/z#f/g", "https://H:443/x/y/z.html?q#frag",
    "http://h:8080/a/b.jsp?x=1&y=/c/", "http://h/a/b/..", "http://h/%E4/x.html",
    "http://user@h/a/b.html", "HTTP://h/A/b.html", "http://h/a//b/c", "http://[::1]:80/a/b",
    "https://h/a/b.html", "http://h#x/y", "http://h/a?#", "http://h/a/b.html;p",
]
REFS = [
    "x.html", "./x.html", "../x.html", "../../../x.html", "/abs/p.html", "//other/p",
    "http://o/p", "https://o/p?x#y", "HTTP://O/P", "http:rel.html", "?page=2", ";p", "x?y=1",
    "x#f", ".", "..", "/", "//", "./", "a/../../b", "///x", "//?x", "//#x", "//;x",
    "中文/页面.html", "/中文?q=值", " x y .html", "http://h", "https:x/y", "x:y",
    "/a/./b/../c", "//o", "//o?x", "http:", "https:", "http://", "/?x", "/#y", "#z",
    "%2e%2e/x", "x/", "http:/x", "http:x?y", "x;p", "//o:99/x", "http://o:99",
    "Http://o/x", "http:///x", "http://?x", "/x:y", "x/y:z",
]


def test_resolve_matches_urljoin_whatever_was_cached_before() -> None:
    # Resolve each ref against one base first (filling the cache), then against every
    # other base: a cache key too coarse would hand the second base the first one's URL.
    mismatches = []
    for first, second in itertools.product(BASES, BASES):
        extract._RESOLVED.clear()
        for ref in REFS:
            extract.resolve(first, ref)
        for ref in REFS:
            want = canonical(urljoin(second, ref))
            if extract.resolve(second, ref) != want:
                mismatches.append((first, second, ref))
    assert mismatches == []


def test_parse_links_are_the_canonical_joined_urls() -> None:
    html = ('<html><head><title>t</title></head><body><a href="/gzdt/index.html">a</a>'
            '<a href="../x/y.html">b</a><a href="?page=2">c</a><img src="./W0.jpg">'
            '<a href="http://127.0.0.41:8/zhengce/content_1.htm">d</a></body></html>')
    for page in ("http://127.0.0.10:8/gzdt/202401/t1.html", "http://127.0.0.11:8/a/b/"):
        got = [link.url for link in extract.parse(html, page).links]
        want = [canonical(urljoin(page, h)) for h in
                ("/gzdt/index.html", "../x/y.html", "?page=2", "./W0.jpg",
                 "http://127.0.0.41:8/zhengce/content_1.htm")]
        assert got == want


def test_scope_index_matches_registry_site_for() -> None:
    sites = [
        SiteSpec(code="5101000001", name="门户", url="http://127.0.0.10:8/", kind="portal"),
        SiteSpec(code="5101000002", name="教育局", url="http://127.0.0.10:8/jyj/index.html",
                 kind="subsite", parent="5101000001"),
        SiteSpec(code="5101000003", name="教育局旧站", url="http://127.0.0.10:8/jyj/old/",
                 kind="subsite", parent="5101000001"),
        SiteSpec(code="5101000004", name="同前缀后到", url="http://127.0.0.10:8/jyj/",
                 kind="subsite", parent="5101000001"),
        SiteSpec(code="5101000005", name="发改委", url="http://fgw.example.gov.cn/",
                 kind="department", hosts=["FGW2.example.gov.cn", "127.0.0.12:8"],
                 prefixes=["/", "/xxgk/"]),
    ]
    registry = Registry(sites=sites)
    index = ScopeIndex(registry)
    urls = [
        "http://127.0.0.10:8/", "http://127.0.0.10:8/jyj/", "http://127.0.0.10:8/jyj/a.html",
        "http://127.0.0.10:8/jyj/old/x.html", "http://127.0.0.10:8/jyjx/", "http://127.0.0.10:9/",
        "http://fgw.example.gov.cn/xxgk/a", "http://FGW.example.gov.cn/b",
        "http://fgw2.example.gov.cn/", "http://127.0.0.12:8/xxgk/", "http://other.cn/",
        "http://127.0.0.10:8", "http://127.0.0.10:8?x=1",
    ]
    for url in urls:
        want = registry.scan_site_for(url)
        got = index.site_for(url)
        assert (got.code if got else None) == (want.code if want else None), url
        assert registry.site_for(url) is got, url
    # Equal prefixes: the site listed first wins in both.
    assert index.site_for("http://127.0.0.10:8/jyj/x.html").code == "5101000002"
