"""Footer identity rules (F2, F4) end to end: real loopback sites → crawl → store → checks.

Four sites share one crawl: A shows every identifier in plain HTML; B (GBK) writes its
footer from a GBK footer .js and an inline ``document.write(unescape(...))``; C lacks some
identifiers and shows another site's code; D splits its footer between an iframe, text
after ``</html>`` and PC/mobile footers. Parsing details are unit-tested on strings below.
"""

from __future__ import annotations

import zlib

import pytest
from sqlalchemy import select

from checks import identity
from checks._pageview import PageView
from checks.base import DEFAULT_SYSTEM
from checks.runner import run_checks
from govmon.demo.server import Route
from store.models import Finding, LinkCheck, Page, Run, Snapshot
from tests.conftest import run_crawl, spec

CODES = {"A": "5101000001", "B": "5101000002", "C": "5101000003", "D": "5101000004",
         "E": "5101000005"}
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


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    builders = {"A": site_a, "B": site_b, "C": site_c, "D": site_d}
    servers = {key: serve_module(build()) for key, build in builders.items()}
    specs = {key: spec(srv.url("/"), code=CODES[key], name=f"测试{key}")
             for key, srv in servers.items()}
    specs["E"] = spec(servers["A"].url("/sub/"), kind="subsite", parent=CODES["A"],
                      code=CODES["E"], name="测试E")
    tmp = tmp_path_factory.mktemp("identity")
    # External badge/filing hosts are on the public internet: not verified in tests.
    crawled = run_crawl(list(specs.values()), tmp / "store.db", max_pages=30,
                        verify_external=False)
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        summary = run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                             modules=[identity])
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


def test_missing_identifiers_counted_per_page(world) -> None:  # noqa: ANN001
    found = findings(world, "C")
    home = world["servers"]["C"].url("/")
    article = world["servers"]["C"].url("/art/2026/11/1/art_1_1.html")
    expected_pages = {
        "identity.site_code_missing": 2,  # home + column; the article shows a (wrong) code
        "identity.sponsor_missing": 3,  # 版权所有 / 承办 are not 主办单位
        "identity.contact_missing": 3,
        "identity.jiucuo_missing": 2,
        "identity.psb_missing": 1,
        "identity.conac_missing": 1,
    }
    for rule, pages in expected_pages.items():
        assert len(found[rule]) == 1, rule
        f = found[rule][0]
        assert f.detail["pages"] == pages, rule
        assert f.detail["checked"] == 3
        assert f.url == home
    assert "identity.icp_missing" not in found  # 滇ICP备 is recognised
    jc = found["identity.jiucuo_missing"][0]
    assert jc.detail["on_homepage"] is True
    assert "“我为政府网站找错”入口" in jc.message and "首页页脚也没有" in jc.message
    psb = found["identity.psb_missing"][0]
    assert psb.detail["sample"] == [article] and psb.detail["on_homepage"] is False
    assert "公安机关备案标识" in psb.message


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
                             modules=[identity])
        s.rollback()
    assert summary.findings == sum(len(v) for v in findings(world, "C").values())


# -- parsing, on strings ---------------------------------------------------------------

def facts(html: str) -> identity.IdentityFacts:
    return identity.extract_page(PageView(url="http://127.0.0.1/a.html", html=html))


@pytest.mark.parametrize("text", [
    "蜀ICP备 13001288号", "黔ICP备2021001234号-2", "滇ICP备05001234号", "陇ICP备 12000001号 - 3",
    "京ICP证030173号", "川 ICP 备 13001288 号",
])
def test_icp_variants(text: str) -> None:
    assert facts(f"<html><body><div class='footer'>{text}</div></body></html>").icp


@pytest.mark.parametrize("text", ["ICP备13001288号", "蜀ICP备123号", "ICP备案：无"])
def test_icp_not_recognised_without_province_or_number(text: str) -> None:
    assert not facts(f"<html><body>{text}</body></html>").icp


def test_psb_forms() -> None:
    assert facts("<html><body>川公网安备\n 51010402000123</body></html>").psb  # no 号
    assert facts("<html><body><img alt='蜀公网安备51010402000123号'></body></html>").psb
    assert facts("<html><body><a href='https://beian.mps.gov.cn/#/query/webSearch?code="
                 "51010402000123'>备案</a></body></html>").psb
    assert not facts("<html><body><a href='https://beian.miit.gov.cn/'>备案</a></body></html>").psb


def test_site_code_shapes_and_badge_sitecode() -> None:
    f = facts("<html><head><meta name='SiteIDCode' content='BM29000002'></head><body>"
              "<p>网站标识码bm29000002</p><script>var config = {sitecode: '8a8a8a8a8a8a'};"
              "</script></body></html>")
    assert f.codes == {"bm29000002"} and f.meta_code == "bm29000002"
    assert f.jiucuo_codes == set()  # a CMS setting's sitecode is a badge ID, not the code
    assert facts("<html><body>网站标识码：51010000011</body></html>").codes == set()


def test_jiucuo_as_onclick_to_bare_ip() -> None:
    f = facts("<html><body><a href='javascript:void(0)' onclick=\"window.open('http://"
              "10.1.1.1/exposure/jiucuo.html?site_code=5101000001&url='+location.href)\">"
              "我为政府网站找错</a></body></html>")
    assert f.jiucuo and f.jiucuo_codes == {"5101000001"}


def test_sponsor_only_in_footer_and_not_chengban() -> None:
    # Beyond the footer tail (last 2,000 characters): an event notice naming its 主办单位.
    body = "<div id='zoom'><p>主办单位：市文化馆（活动通知）</p></div>" + "<p>正文内容</p>" * 500
    f = facts(f"<html><body>{body}<div class='footer'>承办：某中心</div></body></html>")
    assert not f.sponsor
    f = facts("<html><body><div class='footer'>示例市人民政府办公室主办</div></body></html>")
    assert f.sponsor


def test_stored_script_pages_are_not_html_pages(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        rows = s.scalars(select(Page).where(Page.run_id == crawled.result.run_id,
                                            Page.url.like("%.js"))).all()
    assert rows and all("html" not in (p.content_type or "") for p in rows)
