"""Footer identity (F2, F4) end to end: real loopback sites → crawl → derive → checks.

The sites share one crawl: A shows every identifier in plain HTML; B (GBK) writes its
footer from a GBK footer .js and an inline ``document.write(unescape(...))``; C lacks some
identifiers and shows another site's code; D splits its footer between an iframe, text
after ``</html>`` and PC/mobile footers with different ICP suffixes; F writes every ICP /
公安备案 form of cms-patterns.md; G holds the false 找错 and 主办 traps; H has an endless
calendar cut by the trap guard; I writes its footer from a script labelled gb2312 that
holds 镕; J has a few real pages without the 公安备案 line, a popup, a redirect and an
error page. Parsing details are unit-tested on strings below.
"""

from __future__ import annotations

import zlib

import pytest
from sqlalchemy import select

from checks import identity
from checks.runner import run_checks
from govmon.demo.server import Route
from indicators.thresholds import DEFAULT_SYSTEM_PATH as DEFAULT_SYSTEM
from parse.identity import read_page
from parse.page import PageView
from store.models import Finding, IdentityValue, LinkCheck, Page, PageFact, Run, SiteFact, Snapshot
from tests.conftest import run_crawl, spec

CODES = {"A": "5101000001", "B": "5101000002", "C": "5101000003", "D": "5101000004",
         "E": "5101000005", "F": "5101000006", "G": "5101000007", "H": "5101000008",
         "I": "5101000009", "J": "5101000010"}
NAV = ('<div class="header"><a href="/">首页</a> <a href="/col/col1/index.html">政务动态</a> '
       '<a href="/art/2026/11/1/art_1_1.html">要闻</a></div>')
CONAC = ('<span id="_ideConac"><a href="https://bszs.conac.cn/sitename?method=show&id=0A1B2C3D'
         '4E5F60718293A4B5C6D7E8F9"><img src="https://dcs.conac.cn/image/red.png"></a></span>')
PSB = ('<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=51010402000123">'
       '<img src="/images/ga.png">川公网安备 51010402000123号</a>')
SPONSOR = "<p>主办单位：示例市人民政府办公室　承办：示例市大数据中心</p>"
CONTACT = "<p>地址：示例市人民路1号　联系电话：028-61234567</p>"


def jiucuo(code: str) -> str:
    return (f'<script id="_jiucuo_" sitecode="{code}" '
            'src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>')


def page(title: str, body: str, footer: str, head: str = "", after: str = "",
         charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}<title>{title}</title>'
            f'</head><body>{NAV}<div class="main">{body}</div>'
            f'<div class="footer">{footer}</div></body></html>{after}')


def column_body() -> str:
    rows = "".join(f'<li><a href="/art/2026/11/1/art_1_1.html">工作动态{d}</a>'
                   f'<span>2026-11-{d:02d}</span></li>' for d in range(1, 6))
    return f'<ul class="list">{rows}</ul>'


ARTICLE = '<h1>示例市召开工作会议</h1><p>发布时间：2026-11-01</p><div id="zoom"><p>正文。</p></div>'


def site_a() -> dict[str, Route]:
    """Everything present, in plain HTML."""
    code = CODES["A"]
    footer = (f"{SPONSOR}{CONTACT}<p>网站标识码：{code}　蜀ICP备13001288号-1　{PSB}</p>"
              f"{CONAC}{jiucuo(code)}")
    head = f'<meta name="SiteIDCode" content="{code}">'
    # Sub-site E lives under /sub/ on A's server and takes its footer from a script of the
    # cluster's shared /common/ directory, outside its own scope.
    code_e = CODES["E"]
    shared = (f'document.write("<p>主办：示例市科技局 电话：028-61234500 网站标识码：{code_e} '
              '蜀ICP备13001288号-5 川公网安备 51010402000789号</p><span id=\'_ideConac\'></span>'
              f'<a href=\'http://10.0.0.1/exposure/jiucuo.html?site_code={code_e}\'>'
              '我为政府网站找错</a>");')
    sub_footer = '<script src="/common/footer_kjj.js"></script>'
    return {
        "/": Route(page("示例市人民政府", "<p>首页</p>", footer, head)),
        "/col/col1/index.html": Route(page("政务动态", column_body(), footer, head)),
        "/art/2026/11/1/art_1_1.html": Route(page("示例市召开工作会议", ARTICLE, footer, head)),
        "/sub/": Route(page("示例市科技局", '<a href="/sub/a.html">通知</a>', sub_footer)),
        "/sub/a.html": Route(page("通知", "<p>通知正文</p>", sub_footer)),
        "/common/footer_kjj.js": Route(shared, content_type="application/x-javascript"),
    }


FOOTER_JS = """\
document.writeln("<div class='foot'>");
document.writeln("<p>主办：示例市教育局　地址：示例市文化路8号　电话：(028)87654321</p>");
document.writeln("<p>政府网站标识码：" + "%s" + "　<a href='https://beian.miit.gov.cn/'>蜀ICP备 13001288号</a></p>");
document.writeln("<p><img src='/images/ga.png' alt='川公网安备51010402000456号'>川公网安备\\n51010402000456</p>");
document.writeln("<script id='_jiucuo_' sitecode='%s' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'><\\/script>");
document.writeln("</div>");
"""


def site_b() -> dict[str, Route]:
    """GBK pages; the footer is written by a GBK footer.js (no charset) and inline script."""
    code = CODES["B"]
    conac = ('<script>document.write(unescape("%3Cspan id=\'_ideConac\' %3E%3Ca href=\'https://'
             'bszs.conac.cn/sitename%3Fmethod%3Dshow%26id%3D0A1B2C3D\'%3E%3Cimg src=\'https://'
             'dcs.conac.cn/image/red.png\'%3E%3C/a%3E%3C/span%3E"));</script>')
    footer = f'<script src="/js/footer.js"></script>{conac}'
    gbk = "text/html; charset=gbk"
    routes = {
        "/": page("示例市教育局", "<p>首页</p>", footer, charset="gbk"),
        "/col/col1/index.html": page("政务动态", column_body(), footer, charset="gbk"),
        "/art/2026/11/1/art_1_1.html": page("示例市召开工作会议", ARTICLE, footer,
                                            charset="gbk"),
    }
    out = {path: Route(body.encode("gbk"), content_type=gbk) for path, body in routes.items()}
    out["/js/footer.js"] = Route((FOOTER_JS % (code, code)).encode("gbk"),
                                 content_type="application/javascript")
    return out


def site_c() -> dict[str, Route]:
    """Identifiers missing or wrong (a footer copied from another site)."""
    plain = f"<p>版权所有：示例县人民政府　承办：示例县大数据中心</p><p>滇ICP备05001234号</p>{PSB}{CONAC}"
    wrong = ("<p>版权所有：示例县人民政府</p><p>网站标识码：5101000099　滇ICP备05001234号</p>"
             f"{jiucuo('5101000099')}")
    return {
        "/": Route(page("示例县人民政府", "<p>首页</p>", plain)),
        "/col/col1/index.html": Route(page("政务动态", column_body(), plain)),
        "/art/2026/11/1/art_1_1.html": Route(page(
            "示例县召开工作会议", ARTICLE, wrong,
            head='<meta name="SiteIDCode" content="5101000098">')),
    }


def site_d() -> dict[str, Route]:
    """Footer in an iframe, identifiers after </html>, PC + mobile footers."""
    code = CODES["D"]
    after = f"\n<div class='bq'>网站标识码：{code}　黔ICP备2021001234号-2</div>\n"
    frame_footer = (f"<html><body>{SPONSOR}{CONTACT}{PSB}{CONAC}{jiucuo(code)}</body></html>")
    home_footer = ('<iframe src="/footer.html" width="100%" height="120" frameborder="0"></iframe>'
                   '<iframe src="/module/visitcount/visit.jsp?type=1" width="0" height="0">'
                   '</iframe>')
    pc = f"{SPONSOR}{CONTACT}{PSB}{CONAC}{jiucuo(code)}<p>黔ICP备2021001234号-1</p>"
    mobile = (f"<div class='m-footer' style='display:none'>网站标识码：{code} "
              "黔ICP备2021001234号-3</div>")
    return {
        "/": Route(page("示例州人民政府", "<p>首页</p>", home_footer, after=after)),
        "/footer.html": Route(frame_footer),
        "/module/visitcount/visit.jsp": Route("<html><body>访问量：123</body></html>"),
        "/col/col1/index.html": Route(page("政务动态", column_body(), pc + mobile)),
        "/art/2026/11/1/art_1_1.html": Route(page("示例州召开工作会议", ARTICLE, pc + mobile)),
    }


def site_f() -> dict[str, Route]:
    """Every ICP and 公安备案 form of cms-patterns.md, PC and mobile footers (different
    suffixes), the 公安备案 number only in a recordcode= link on one page."""
    code = CODES["F"]
    common = f"{SPONSOR}{CONTACT}{CONAC}{jiucuo(code)}<p>网站标识码{code}</p>"
    pc = (f"<div class='footer'>{common}<p>ICP备案编号：鄂ICP备19001234-2号</p>"
          "<p>郑公备：41010002000123</p></div>")
    mobile = ("<div class='m-foot'><p>晋ICP备05001234</p><p>蜀ICP备：19001234号</p>"
              "<p>公安机关备案号：41010002000123</p></div>")
    linked = (f"<div class='footer'>{common}<p>备案号：蜀ICP备05552681-2号</p>"
              "<a href='https://beian.mps.gov.cn/#/query/webSearch?code=41010002000123'>"
              "<img src='/ga.png'></a></div>")

    def pg(title: str, body: str, foot: str) -> str:
        return (f"<html><head><title>{title}</title></head><body>{NAV}"
                f"<div class='main'>{body}</div>{foot}</body></html>")

    return {
        "/": Route(pg("示例市人民政府", "<p>首页</p>", pc + mobile)),
        "/col/col1/index.html": Route(pg("政务动态", column_body(), pc)),
        "/art/2026/11/1/art_1_1.html": Route(pg("示例市召开工作会议", ARTICLE, linked)),
    }


TRAP_SCRIPT = ("<style>span#_span_jiucuo{display:inline-block}.jiucuo-btn{color:red}</style>"
               "<span id='_span_jiucuo' class='jiucuo-btn'></span>"
               "<script>function openJiucuo(){window.open('https://zfwzgl.www.gov.cn/exposure/"
               "jiucuo.html?site_code=5101000007&url='+location.href);}</script>")


def site_g() -> dict[str, Route]:
    """The bare word jiucuo in a CSS selector and a function nothing calls is no 找错
    entrance; a short article quoting 主办单位 for an event is no 主办单位 of the site."""
    code = CODES["G"]
    footer = (f"<p>版权所有：示例区人民政府</p>{CONTACT}<p>网站标识码：{code} 蜀ICP备13001288号-7</p>"
              f"{PSB}{CONAC}{TRAP_SCRIPT}")
    short = '<h1>讲座通知</h1><div id="zoom"><p>主办单位：示例区文化馆</p><p>欢迎参加。</p></div>'
    return {
        "/": Route(page("示例区人民政府", "<p>首页</p>", footer)),
        "/col/col1/index.html": Route(page("政务动态", column_body(), footer)),
        "/art/2026/11/1/art_1_1.html": Route(page("讲座通知", short, footer)),
    }


def calendar(method: str, path: str) -> Route | None:
    if not path.startswith("/cal?month="):
        return None
    n = int(path.split("=", 1)[1])
    return Route(f"<html><head><title>日历</title></head><body><table><tr><td>{n}月</td></tr>"
                 f"</table><a href='/cal?month={n + 1}'>下月</a></body></html>")


def site_h_routes() -> dict[str, Route]:
    code = CODES["H"]
    footer = f"{SPONSOR}{CONTACT}<p>网站标识码：{code} 蜀ICP备13001288号-8</p>{PSB}{CONAC}{jiucuo(code)}"
    return {
        "/": Route(page("示例镇人民政府", "<a href='/cal?month=1'>活动日历</a>", footer)),
        "/col/col1/index.html": Route(page("政务动态", column_body(), footer)),
        "/art/2026/11/1/art_1_1.html": Route(page("示例镇召开工作会议", ARTICLE, footer)),
    }


ROUNG_JS = """document.writeln("<div class='foot'><p>主办单位：示例市镕城区人民政府</p>");
document.writeln("<p>网站标识码：%s 粤ICP备05001234号-9 粤公网安备44010402000123号</p>");
document.writeln("<p>联系电话：0663-1234567</p></div>");
"""


def site_i() -> dict[str, Route]:
    """The footer script is labelled gb2312 but holds 镕 (GBK only): decoded as GB18030."""
    code = CODES["I"]
    footer = f'<script src="/js/foot.js"></script>{CONAC}{jiucuo(code)}'
    out = {path: Route(page(title, body, footer)) for path, title, body in (
        ("/", "示例区人民政府", "<p>首页</p>"),
        ("/col/col1/index.html", "政务动态", column_body()),
        ("/art/2026/11/1/art_1_1.html", "示例区召开工作会议", ARTICLE))}
    out["/js/foot.js"] = Route((ROUNG_JS % code).encode("gb18030"),
                               content_type="application/javascript; charset=gb2312")
    return out


def site_j() -> dict[str, Route]:
    """Twelve content pages, two of them without the 公安备案 line; a popup without the
    site's template, a redirect and an error page; dated by byline (one written with
    character references), by URL and by PubDate meta."""
    code = CODES["J"]
    full = f"{SPONSOR}{CONTACT}<p>网站标识码：{code} 蜀ICP备13001288号-10</p>{PSB}{CONAC}{jiucuo(code)}"
    lacking = full.replace(PSB, "")
    arts = [f"/art/2026/11/{d}/art_1_{d}.html" for d in range(1, 9)] + [
        "/content/post_9.html", "/content/post_10.html"]
    rows = "".join(f'<li><a href="{u}">工作动态第{i}条</a></li>' for i, u in enumerate(arts))
    out = {
        "/": Route(page("示例县人民政府", '<a href="/popup/share.html">分享</a>'
                        '<a href="/old.html">旧版</a><a href="/gone.html">已删除</a>', full)),
        "/col/col1/index.html": Route(page("政务动态", f'<ul class="list">{rows}</ul>', full)),
        "/popup/share.html": Route("<html><head><title>分享</title></head><body><p>分享到微信"
                                   "</p></body></html>"),
        "/old.html": Route(status=302, headers={"Location": "/art/2026/11/1/art_1_1.html"}),
    }
    for i, u in enumerate(arts):
        if i == 0:
            byline = "<p>&#21457;&#24067;&#26102;&#38388;&#65306;2026-10-30</p>"
        elif u.startswith("/content/"):
            byline = ""
        else:
            byline = "<p>来源：本站</p>"
        head = ('<meta name="PubDate" content="2026-11-20 08:00">' if u.endswith("_10.html")
                else "")
        crumb = ('<div class="position">当前位置：<a href="/">首页</a> &gt; '
                 '<a href="/col/col1/index.html">政务动态</a> &gt; 正文</div>')
        body = f'{crumb}<h1>工作动态第{i}条</h1>{byline}<div id="zoom"><p>正文。</p></div>'
        out[u] = Route(page(f"工作动态第{i}条", body, lacking if i >= 8 else full, head=head))
    return out


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    builders = {"A": site_a, "B": site_b, "C": site_c, "D": site_d, "F": site_f, "G": site_g,
                "I": site_i, "J": site_j}
    servers = {key: serve_module(build()) for key, build in builders.items()}
    servers["H"] = serve_module(site_h_routes(), dynamic=calendar)
    specs = {key: spec(srv.url("/"), code=CODES[key], name=f"测试{key}")
             for key, srv in servers.items()}
    specs["E"] = spec(servers["A"].url("/sub/"), kind="subsite", parent=CODES["A"],
                      code=CODES["E"], name="测试E")
    tmp = tmp_path_factory.mktemp("identity")
    # External badge/filing hosts are on the public internet: not verified in tests.
    # a deep budget: the calendar is cut by the trap guard (12 query variants per path)
    crawled = run_crawl(list(specs.values()), tmp / "store.db", max_pages=40, max_depth=30,
                        max_query_variants=12, verify_external=False)
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        summary = run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                             rules=[identity.RULE])
    return {"crawled": crawled, "specs": specs, "servers": servers, "summary": summary}


def findings(world, key: str) -> dict[str, list[Finding]]:  # noqa: ANN001
    crawled = world["crawled"]
    out: dict[str, list[Finding]] = {}
    with crawled.sessions() as s:
        for f in s.scalars(select(Finding).where(
                Finding.run_id == crawled.result.run_id,
                Finding.site_id == crawled.site_id(CODES[key])).order_by(Finding.id)):
            out.setdefault(f.rule, []).append(f)
    return out


def test_all_sites_crawled_and_checked(world) -> None:  # noqa: ANN001
    assert world["crawled"].result.status == "complete"
    assert not world["summary"].errors


def test_plain_html_footer_complete_gives_no_finding(world) -> None:  # noqa: ANN001
    assert findings(world, "A") == {}


def test_footer_js_is_stored_once_with_its_gbk_encoding(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    url = world["servers"]["B"].url("/js/footer.js")
    pages = crawled.pages(CODES["B"])
    script = pages[url]
    assert "javascript" in script.content_type
    assert script.depth == 1 and script.encoding in ("gbk", "gb18030", "gb2312")
    with crawled.sessions() as s:
        body = zlib.decompress(s.get(Snapshot, script.id).body).decode(script.encoding)
        lc = s.scalars(select(LinkCheck).where(LinkCheck.run_id == crawled.result.run_id,
                                               LinkCheck.target == url)).one()
    assert "政府网站标识码" in body
    assert (lc.outcome, lc.method) == ("ok", "crawl")
    assert world["servers"]["B"].hits("/js/footer.js") == 1  # once per run, not per page
    assert crawled.run_site(CODES["B"]).pages == 3  # scripts are not counted as pages


def test_script_written_gbk_footer_counts(world) -> None:  # noqa: ANN001
    assert findings(world, "B") == {}


def test_shared_footer_script_outside_the_sites_scope(world) -> None:  # noqa: ANN001
    assert findings(world, "E") == {}
    script = world["servers"]["A"].url("/common/footer_kjj.js")
    assert "javascript" in world["crawled"].pages()[script].content_type


def test_iframe_footer_after_html_and_mobile_footer_count(world) -> None:  # noqa: ANN001
    # The footer frame and the hidden visit counter frame are not pages lacking a footer.
    assert findings(world, "D") == {}


def test_missing_identifiers_site_level_and_page_level(world) -> None:  # noqa: ANN001
    found = findings(world, "C")
    home = world["servers"]["C"].url("/")
    article = world["servers"]["C"].url("/art/2026/11/1/art_1_1.html")
    # no page shows them: the site lacks them
    for rule in ("identity.sponsor_missing", "identity.contact_missing"):  # 版权所有/承办 ≠ 主办
        (f,) = found[rule]
        assert f.detail["pages"] == f.detail["checked"] == 3 and f.url == home
    # some pages lack what others show: one page-level finding per item
    partial = {f.detail["item"]: f for f in found["identity.pages_missing"]}
    assert {k: f.detail["pages"] for k, f in partial.items()} == {
        "site_code": 2, "jiucuo": 2, "psb": 1, "conac": 1}
    assert not {"identity.site_code_missing", "identity.jiucuo_missing",
                "identity.psb_missing", "identity.conac_missing",
                "identity.icp_missing"} & set(found)  # 滇ICP备 is recognised
    jc = partial["jiucuo"]
    assert jc.detail["on_homepage"] is True and jc.detail["share"] == round(2 / 3, 4)
    assert "“我为政府网站找错”入口" in jc.message and "首页页脚也没有" in jc.message
    psb = partial["psb"]
    assert psb.detail["sample"] == [article] and psb.detail["on_homepage"] is False
    assert "公安机关备案标识" in psb.message and "33%" in psb.message


def test_wrong_codes_reported_by_where_they_show(world) -> None:  # noqa: ANN001
    found = {f.detail["where"]: f for f in findings(world, "C")["identity.site_code_mismatch"]}
    assert set(found) == {"footer", "meta", "jiucuo"}
    assert found["footer"].detail["found"] == "5101000099"
    assert found["footer"].detail["expected"] == CODES["C"]
    assert found["meta"].detail["found"] == "5101000098"
    assert "SiteIDCode" in found["meta"].message and "5101000098" in found["meta"].message
    assert "页脚与找错入口的标识码一致（5101000099）" in found["footer"].message
    assert found["jiucuo"].detail["pages"] == 1


def test_findings_persist_on_a_second_check(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        run = s.get(Run, crawled.result.run_id)
        summary = run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                             rules=[identity.RULE])
        s.rollback()
    assert summary.findings == sum(len(v) for key in CODES
                                   for v in findings(world, key).values())


def values(world, key: str) -> dict[str, set[tuple[str, str]]]:  # noqa: ANN001
    """item -> {(value, carrier)} stored by the derive step for a site."""
    crawled = world["crawled"]
    out: dict[str, set[tuple[str, str]]] = {}
    with crawled.sessions() as s:
        for v in s.scalars(select(IdentityValue).where(
                IdentityValue.run_id == crawled.result.run_id,
                IdentityValue.site_id == crawled.site_id(CODES[key]))):
            out.setdefault(v.item, set()).add((v.value, v.carrier))
    return out


def page_facts(world, key: str) -> dict[str, PageFact]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        return {p.url: p for p in s.scalars(select(PageFact).where(
            PageFact.run_id == crawled.result.run_id,
            PageFact.site_id == crawled.site_id(CODES[key])))}


def test_values_are_stored_with_their_carriers(world) -> None:  # noqa: ANN001
    a = values(world, "A")
    assert a["site_code"] == {(CODES["A"], "html"), (CODES["A"], "meta"), (CODES["A"], "jiucuo")}
    assert a["icp"] == {("蜀ICP备13001288号-1", "html")}
    assert a["psb"] == {("51010402000123", "html")}
    assert a["sponsor"] == {("示例市人民政府办公室", "html")}
    assert a["conac"] == {("0A1B2C3D4E5F60718293A4B5C6D7E8F9", "html")}
    assert a["jiucuo"] == {(CODES["A"], "html")}
    b = values(world, "B")  # the GBK footer.js and an inline document.write
    assert ("蜀ICP备13001288号", "script_file") in b["icp"]
    assert ("示例市教育局", "script_file") in b["sponsor"]
    assert ("0A1B2C3D", "script") in b["conac"]
    d = values(world, "D")  # an iframe footer, text after </html>, PC and mobile footers
    assert {"黔ICP备2021001234号-1", "黔ICP备2021001234号-2", "黔ICP备2021001234号-3"} == {
        v for v, _ in d["icp"]}
    assert (CODES["D"], "html") in d["site_code"]  # after </html>
    assert ("示例市人民政府办公室", "iframe") in d["sponsor"]
    e = values(world, "E")
    assert ("示例市科技局", "script_file") in e["sponsor"]


def test_every_icp_and_psb_form_counts(world) -> None:  # noqa: ANN001
    assert findings(world, "F") == {}
    f = values(world, "F")
    assert {v for v, _ in f["icp"]} == {"鄂ICP备19001234-2号", "晋ICP备05001234",
                                        "蜀ICP备19001234号", "蜀ICP备05552681-2号"}
    assert {v for v, _ in f["psb"]} == {"41010002000123"}


def test_jiucuo_and_sponsor_traps(world) -> None:  # noqa: ANN001
    found = findings(world, "G")
    (jc,) = found["identity.jiucuo_missing"]  # a CSS selector and an unused function
    assert jc.detail["pages"] == jc.detail["checked"] == 3
    (sp,) = found["identity.sponsor_missing"]  # the short article's event 主办单位
    assert sp.detail["pages"] == sp.detail["checked"] == 3
    assert "jiucuo" not in values(world, "G") and "sponsor" not in values(world, "G")
    assert set(found) == {"identity.jiucuo_missing", "identity.sponsor_missing"}


def test_calendar_trap_pages_do_not_make_the_site_miss_its_code(world) -> None:  # noqa: ANN001
    assert findings(world, "H") == {}
    facts = page_facts(world, "H")
    cal = [p for u, p in facts.items() if "/cal?" in u]
    assert len(cal) >= 12 and all(p.excluded == "trap" and not p.content for p in cal)
    assert world["crawled"].run_site(CODES["H"]).trap_pruned > 0


def test_gb2312_script_with_roung(world) -> None:  # noqa: ANN001
    assert findings(world, "I") == {}
    i = values(world, "I")
    assert ("示例市镕城区人民政府", "script_file") in i["sponsor"]
    assert ("粤ICP备05001234号-9", "script_file") in i["icp"]


def test_page_level_absence_only_on_content_pages(world) -> None:  # noqa: ANN001
    found = findings(world, "J")
    (f,) = found["identity.pages_missing"]
    assert set(found) == {"identity.pages_missing"}
    assert (f.detail["item"], f.detail["pages"], f.detail["checked"]) == ("psb", 2, 12)
    assert f.detail["share"] == round(2 / 12, 4)
    facts = page_facts(world, "J")
    srv = world["servers"]["J"]
    assert facts[srv.url("/popup/share.html")].excluded == "outside"
    assert facts[srv.url("/old.html")].excluded == "redirect"
    assert srv.url("/gone.html") not in facts  # an error page is no page of the site
    crawled = world["crawled"]
    with crawled.sessions() as s:
        sf = s.scalars(select(SiteFact).where(SiteFact.run_id == crawled.result.run_id,
                                              SiteFact.site_id == crawled.site_id(CODES["J"]))
                       ).one()
    assert (sf.content_pages, sf.shown["psb"], sf.shown["icp"], sf.cms) == (12, 10, 12, "hanweb")


def test_a_date_for_every_article(world) -> None:  # noqa: ANN001
    from datetime import date

    facts = page_facts(world, "J")
    srv = world["servers"]["J"]
    got = {u.replace(srv.url(""), ""): (p.date, p.date_source) for u, p in facts.items()
           if p.kind == "article"}
    assert got["/art/2026/11/1/art_1_1.html"] == (date(2026, 10, 30), "byline")  # &#21457;...
    assert got["/art/2026/11/3/art_1_3.html"] == (date(2026, 11, 3), "url")
    assert got["/content/post_10.html"] == (date(2026, 11, 20), "meta")
    assert facts[srv.url("/art/2026/11/3/art_1_3.html")].title == "工作动态第2条"


# -- parsing, on strings ---------------------------------------------------------------

def facts(html: str):  # noqa: ANN201
    return read_page(PageView(url="http://127.0.0.1/a.html", html=html))


@pytest.mark.parametrize("text", [
    "蜀ICP备 13001288号", "黔ICP备2021001234号-2", "滇ICP备05001234号", "陇ICP备 12000001号 - 3",
    "京ICP证030173号", "川 ICP 备 13001288 号",
])
def test_icp_variants(text: str) -> None:
    assert facts(f"<html><body><div class='footer'>{text}</div></body></html>").has("icp")


@pytest.mark.parametrize("text", ["ICP备13001288号", "蜀ICP备123号", "ICP备案：无"])
def test_icp_not_recognised_without_province_or_number(text: str) -> None:
    assert not facts(f"<html><body>{text}</body></html>").has("icp")


def test_psb_forms() -> None:
    assert facts("<html><body>川公网安备\n 51010402000123</body></html>").has("psb")  # no 号
    assert facts("<html><body><img alt='蜀公网安备51010402000123号'></body></html>").has("psb")
    assert facts("<html><body><a href='https://beian.mps.gov.cn/#/query/webSearch?code="
                 "51010402000123'>备案</a></body></html>").has("psb")
    assert facts("<html><body>郑公备：41010002000123</body></html>").values("psb") == [
        "41010002000123"]
    assert facts("<html><body>公安备案号：41010002000123</body></html>").has("psb")
    assert not facts("<html><body><a href='https://beian.miit.gov.cn/'>备案</a></body></html>"
                     ).has("psb")


def test_site_code_shapes_and_badge_sitecode() -> None:
    f = facts("<html><head><meta name='SiteIDCode' content='BM29000002'></head><body>"
              "<p>网站标识码bm29000002</p><script>var config = {sitecode: '8a8a8a8a8a8a'};"
              "</script></body></html>")
    assert f.values("site_code") == ["bm29000002"]
    assert set(f.found) == {("site_code", "bm29000002", "meta"),
                            ("site_code", "bm29000002", "html")}
    assert not f.has("jiucuo")  # a CMS setting's sitecode is a badge ID, not the code
    assert not facts("<html><body>网站标识码：51010000011</body></html>").has("site_code")


def test_jiucuo_as_onclick_to_bare_ip() -> None:
    f = facts("<html><body><a href='javascript:void(0)' onclick=\"window.open('http://"
              "10.1.1.1/exposure/jiucuo.html?site_code=5101000001&url='+location.href)\">"
              "我为政府网站找错</a></body></html>")
    assert f.values("jiucuo") == ["5101000001"]


def test_sponsor_only_in_footer_and_not_chengban() -> None:
    # Beyond the footer tail (last 2,000 characters): an event notice naming its 主办单位.
    body = "<div id='zoom'><p>主办单位：市文化馆（活动通知）</p></div>" + "<p>正文内容</p>" * 500
    f = facts(f"<html><body>{body}<div class='footer'>承办：某中心</div></body></html>")
    assert not f.has("sponsor")
    f = facts("<html><body><div class='footer'>示例市人民政府办公室主办</div></body></html>")
    assert f.values("sponsor") == ["示例市人民政府办公室"]
    # a short page: its last characters are article text, not a footer
    f = facts("<html><body><h1>讲座</h1><div id='zoom'><p>主办单位：市文化馆</p></div>"
              "<div class='footer'>版权所有 蜀ICP备13001288号</div></body></html>")
    assert not f.has("sponsor")


@pytest.mark.parametrize("html, working", [
    ("<style>#_span_jiucuo{color:red}</style><span id='_span_jiucuo'></span>", False),
    ("<script>function jc(){window.open('http://z/exposure/jiucuo.html?site_code=5101000001')}"
     "</script>", False),  # a function nothing calls
    ("<a onclick='jc()'>找错</a><script>function jc(){window.open("
     "'http://z/exposure/jiucuo.html?site_code=5101000001')}</script>", True),
    ("<a href='/liuyan/jiucuo.jsp'>我为政府网站找错</a>", False),  # the site's own form
    ("<script id='_jiucuo_' sitecode='5101000001' src='/js/jiucuo.js'></script>", True),
    ("<script src='https://pucha.kaipuyun.cn/exposure/jiucuo.js'></script>", True),
])
def test_only_a_working_jiucuo_entrance_counts(html: str, working: bool) -> None:
    assert facts(f"<html><body>{html}</body></html>").has("jiucuo") is working


def test_stored_script_pages_are_not_html_pages(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        rows = s.scalars(select(Page).where(Page.run_id == crawled.result.run_id,
                                            Page.url.like("%.js"))).all()
    assert rows and all("html" not in (p.content_type or "") for p in rows)



def test_exports_and_sites_show(world, tmp_path, capsys) -> None:  # noqa: ANN001
    import csv
    import io
    import json

    from govmon.cli import main

    db = world["crawled"].db
    base = ["-w", str(tmp_path), "--db", db]
    out = tmp_path / "identity.json"
    assert main([*base, "export", "identity", "--format", "json", "-o", str(out)]) == 0
    recs = {r["site"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    f = recs[CODES["F"]]
    assert set(f["icp"].split("；")) == {"鄂ICP备19001234-2号", "晋ICP备05001234",
                                        "蜀ICP备19001234号", "蜀ICP备05552681-2号"}
    assert f["icp_share"] == 1.0 and f["psb"] == "41010002000123"
    j = recs[CODES["J"]]
    assert (j["psb_share"], j["content_pages"], j["cms"]) == (round(10 / 12, 4), 12, "hanweb")
    assert {"item": "sponsor", "value": "示例市人民政府办公室", "carrier": "html", "pages": 12,
            "page": world["servers"]["J"].url("/"), "source": None} in j["values"]
    capsys.readouterr()
    assert main([*base, "export", "identity", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeff")  # UTF-8 with BOM: Excel on Chinese Windows
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(CODES) and "values" not in rows[0]
    assert {r["site"]: r["sponsor"] for r in rows}[CODES["I"]] == "示例市镕城区人民政府"
    assert main([*base, "export", "pages", "--format", "csv"]) == 0
    pages = list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert list(pages[0])[:6] == ["site", "url", "title", "date", "date_source", "column"]
    art = {p["url"]: p for p in pages}[world["servers"]["J"].url("/art/2026/11/1/art_1_1.html")]
    assert (art["date"], art["date_source"], art["title"]) == ("2026-10-30", "byline", "工作动态第0条")
    assert art["column"] == "政务动态"  # from its breadcrumb
    assert main([*base, "sites", "show", CODES["D"]]) == 0
    shown = capsys.readouterr().out
    for text in ("黔ICP备2021001234号-3", "内嵌框架", "网站标识码", "示例市人民政府办公室"):
        assert text in shown
