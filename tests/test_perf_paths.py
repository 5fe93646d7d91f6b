"""The crawl's and the checks' fast paths must give exactly what the plain versions give.

``ScopeIndex`` (behind ``Registry.site_for``) stands in for the plain scan and ``extract.resolve`` for
``canonical(urljoin(...))`` on every link of every page (bench/README.md): a difference
would silently change which site a link belongs to or which target is verified.
"""

from __future__ import annotations

import itertools
from urllib.parse import urljoin

import pytest

from crawler import extract
from crawler.urls import canonical
from parse import urls
from settings.registry import Registry, ScopeIndex, SiteSpec

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
        urls._RESOLVED.clear()
        for ref in REFS:
            urls.resolve(first, ref)
        for ref in REFS:
            want = canonical(urljoin(second, ref))
            if urls.resolve(second, ref) != want:
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
    for url in urls:  # again: answers now come from the memo
        want = registry.scan_site_for(url)
        got = index.site_for(url)
        assert (got.code if got else None) == (want.code if want else None), url


def test_scope_index_memo_is_bounded(monkeypatch) -> None:  # noqa: ANN001
    import settings.registry as reg

    monkeypatch.setattr(reg, "MEMO_MAX", 50)
    registry = Registry(sites=[SiteSpec(code="5101000001", name="门户",
                                        url="http://127.0.0.10:8/", kind="portal")])
    index = ScopeIndex(registry)
    for i in range(500):
        assert index.site_for(f"http://127.0.0.10:8/p{i}.html").code == "5101000001"
        assert len(index._memo) <= 50


def test_extract_fast_text_paths_match_the_plain_ones() -> None:
    """extract._clean joins str.split() instead of a \\s+ regex, and a childless <a> is read
    from .text rather than text_content(): both must give the same anchors."""
    import re

    import lxml.html

    from crawler.extract import _clean, parse

    samples = ["", "  ", "政务\u3000公开", "\xa0首页\xa0", "a\tb\nc\r\n d", "\x1c\x1dx\x1e\x1fy",
               "\u2028行\u2029段\u200b零宽", "  很长" * 80, "\x85下一行"]
    for text in samples:
        plain = re.sub(r"\s+", " ", text).strip()[:200] or None
        assert _clean(text) == plain, repr(text)
    html = ("<html><body><a href='/1'> 通知\n公告 </a><a href='/2'>A &amp; B&#12288;</a>"
            "<a href='/3'><span>新闻</span>动态</a><a href='/4'><!-- c -->注释后</a>"
            "<a href='/5'></a><a href='/6' title=' 标题 '></a><a href='/7'><img alt='图'></a>"
            "</body></html>")
    doc = lxml.html.document_fromstring(html)
    plain = {a.get("href"): _clean(a.text_content()) or _clean(a.get("title")) or _clean(
        next((i.get("alt") for i in a.iter("img")), None)) for a in doc.iter("a")}
    got = {link.url.rsplit("/", 1)[1]: link.anchor
           for link in parse(html, "http://a.cn/").links if link.tag == "a"}
    assert got == {k.strip("/"): v for k, v in plain.items()}


# -- checks: the page scan's fast paths ---------------------------------------------------
# The page scan runs every content rule on every stored page (50,000 on a large crawl), so
# its hot spots were rewritten: a C tree walk for text lines, XPath for on* handlers and
# footer candidates, existence-only or lookahead-led regexes, case-insensitive searches
# started at a plain substring hit. Each must give exactly what the plain version gives.
HTML_CASES = [
    "<html><body><div>a<!-- c -->t<script>x</script>s<p>p1<b>bb</b>pt</p>dt</div>end</body></html>",
    "<html><head><title>T</title><style>.x{}</style></head><body><?pi x?>after-pi<ul>"
    "<li>一<br>二</li><li>三<noscript>no</noscript>尾</li></ul><footer>页脚<p>版权</p></footer>"
    "外<div id='foot'>主办单位：某局</div><div class='bottom'><span>地址：</span></div>"
    "<table><tr><td>甲</td><td>乙</td></tr></table><template>t</template>后</body></html>",
    "<html><body onload=\"show('menu1')\"><div id='menu1' onclick='toggle(\"sub-2\")' "
    "onmouseover=\"#x\">m</div><a href='#' onfocus=\"a('b c')\">l</a><p>  多   空白 </p>"
    "<div class='copyright'>© <em>2026</em></div><!-- end --></body></html>",
]


def _plain_text_lines(root, skip=None):  # noqa: ANN001, ANN202 - the former stack walk
    from parse.page import _WS, BLOCK_TAGS, SKIP_TAGS

    lines: list[str] = []
    buf: list[str] = []

    def newline() -> None:
        if buf:
            line = _WS.sub(" ", "".join(buf)).strip()
            buf.clear()
            if line:
                lines.append(line)

    stack = [(root, False)]
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        if closing:
            if tag in BLOCK_TAGS:
                newline()
            if el.tail:
                buf.append(el.tail)
            continue
        if tag is None or tag in SKIP_TAGS or (skip is not None and skip(el)):
            if el.tail:
                buf.append(el.tail)
            continue
        if tag in BLOCK_TAGS:
            newline()
        if el.text:
            buf.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    newline()
    return lines


def test_text_lines_match_the_plain_walk() -> None:
    from parse.page import is_footer, parse_html, text_lines

    for case in HTML_CASES:
        doc = parse_html(case)
        assert text_lines(doc) == _plain_text_lines(doc)
        assert text_lines(doc, skip=is_footer) == _plain_text_lines(doc, skip=is_footer)
    lines = text_lines(parse_html(HTML_CASES[0]))
    assert lines == ["ats", "p1bbpt", "dt", "end"]  # comment, script left out; tails kept


def test_handler_ids_and_footers_match_the_plain_loops() -> None:
    import re

    from parse import hidden as hidden_links
    from parse.page import PageView, footer_elements, is_footer, text_of

    for case in HTML_CASES:
        view = PageView(url="http://h/", html=case)
        text = " ".join(view.inline_scripts)
        for el in view.doc.iter():
            if isinstance(el.tag, str):
                text += " " + " ".join(v for k, v in el.attrib.items() if k.startswith("on"))
        assert hidden_links._toggled_ids(view) == set(re.findall(r"[\"'#]([A-Za-z][\w-]*)", text))
        plain = [text_of(el) for el in view.doc.iter() if isinstance(el.tag, str) and is_footer(el)]
        fast = [text_of(el) for el in footer_elements(view.doc)]
        assert fast == plain
    assert hidden_links._toggled_ids(PageView(url="http://h/", html=HTML_CASES[2])) >= {
        "menu1", "sub-2", "x", "b"}


RUN = "示例市人民政府办公室主办承办单位示例市大数据中心" * 40
TEXTS = [
    "", RUN, RUN + "主办", "主办方：某公司", "甲乙 主办的活动", "由甲 主办", "主 办 单 位 ：某局",
    "电话：028-61234567", "联系我们", "信箱 abc.def+x@mail.example.gov.cn 欢迎",
    RUN + "x@y", RUN + "a@b.c", "邮箱：", "E-MAIL:", "tel 12", "028 - 61234567", "10285-1234567",
    'class="TRS_Editor"', "<UCAPCONTENT>", "ID = 'Zoom'>", 'class = "x article-content"',
    "İd='zoom'", "ſearch", "/SEARCH/", "was5/web/search", "jrobot/search?x", "xsearch",
    "网站标识码：5101000001", "政府网站标识码bm12345678", "网站标识码 123", "K", "KONAC.CN",
]


def test_existence_only_and_lookahead_patterns_match_the_originals() -> None:
    import re

    from parse import identity, search
    from parse.page import CONTAINER

    leading = {  # a lookahead in front: the very same matches
        CONTAINER: re.compile(
            r"<ucapcontent\b|\bid\s*=\s*[\"']?(?:zoom|ucap-content|article-content|artibody)"
            r"[\"'\s>]|\bclass\s*=\s*[\"'][^\"']*\b(?:trs_ueditor|trs_editor|pages_content|"
            r"article-content|article_content)\b", re.I),
        search.SEARCH_URL: re.compile(r"was5|was40|jsearch|jrobot|(?<![a-z])search|sousuo|/so/|"
                                      r"/ss/|query\.do|fulltext|retrieval", re.I),
        search.SCRIPT_SEARCH: re.compile(r"was5/web/search|was40/search|jsearchfront|"
                                         r"jrobot/search|search\.do|searchword", re.I),
        identity.SITE_CODE: re.compile(r"(?:政府)?网站标识码\s*[：:]?\s*(bm\d{8}|\d{10})(?!\d)",
                                       re.I),
    }
    for fast, plain in leading.items():
        for t in TEXTS:
            assert [m.span() for m in fast.finditer(t)] == [m.span() for m in plain.finditer(t)]


@pytest.mark.parametrize("raw", [
    '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=51010402000123">',
    '<A HREF="HTTP://WWW.BEIAN.GOV.CN/x?code=51010402000123">', '<span id="_IDECONAC">',
    '<img src="https://DCS.CONAC.CN/image/red.png">',
    '<script id="_jiucuo_" sitecode="5101000001" src="https://x/exposure/JIUCUO.js"></script>',
    '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=5101000009">找错</a>',
    'İ ſ K before <span id="_ideConac">',  # letters whose str.lower() shifts positions
    "no identifiers at all",
])
def test_substring_starts_match_plain_searches(raw: str) -> None:
    """The identity reader starts its searches at substrings found in ASCII-folded text;
    the same values as plain case-insensitive searches over the whole markup."""
    import re

    from parse import identity

    fast = identity.PageIdentity()
    identity._codes_from_markup(fast, raw, "html", None)
    plain = identity.PageIdentity()
    for m in identity.PSB_LINK.finditer(raw):
        plain.add("psb", m.group(1), "html")
    if re.search(r"bszs\.conac\.cn|dcs\.conac\.cn|_ideconac", raw, re.I):
        plain.add("conac", "标识", "html")
    for tag in identity.JIUCUO_SCRIPT.findall(raw):
        for c in identity.TAG_SITECODE.findall(tag):
            identity._entrance(plain, c.lower(), "html")
    for m in identity.JIUCUO_PAGE.finditer(raw):
        identity._entrance(plain, m.group(1).lower(), "html")
    assert set(fast.found) == set(plain.found)


def test_guide_label_lines_ruled_out_by_first_character_only_when_they_cannot_match(
        tmp_path) -> None:  # noqa: ANN001
    import re

    from parse import guides

    spec = guides.elements()
    assert spec.starts is not None
    lines = ["办理时限：5个工作日", "  （三）办理地点", "【收费标准】免费", "3. 申请条件", "١٢、设定依据",
             "一、办理流程：", "(办理时间)", "本局召开会议", "　 受理条件", "法定时限", "x办理时限",
             "", "   ", "申请材料 清单", "十二 . 咨询电话：", "网站地图 | 联系我们", "〔办理依据〕",
             "收 费 标 准", "A办理时限"]
    plain = [spec.line.match(re.sub(r"\s+", "", line)) is not None for line in lines]
    assert [guides._label_line(spec, line) for line in lines] == plain
    assert any(plain) and not all(plain)
    data = tmp_path / "elements.yaml"
    data.write_text("elements:\n  事项名称: [名称, \" \"]\n", encoding="utf-8")
    assert guides.load(data).starts is None  # an empty label: no first character rules out
