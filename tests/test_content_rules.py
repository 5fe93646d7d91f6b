"""Page-content rules end to end: meta tags, search, typos, secret markings, guides, 暗链 and
hijacked external links. Real loopback sites → crawl → store → ``run_checks`` → findings.

Site F (UTF-8, services) carries the problems next to look-alikes that must not be
reported; site G (GBK, no service functions) has no search, a secret marking and
incomplete guides that must be ignored. X1–X4 are "external" sites on other addresses.
"""

from __future__ import annotations

import io
import json
import zlib
from datetime import datetime

import docx
import pytest
from sqlalchemy import select

from checks import guides, hidden_links, hijack, meta_tags, search, secrets, typos
from checks.runner import run_checks
from govmon.demo.server import Route
from indicators.thresholds import DEFAULT_SYSTEM_PATH as DEFAULT_SYSTEM
from parse import attachments, metatags
from parse import guides as guide_pages
from parse import hidden as hidden_pages
from parse import search as search_pages
from parse import typos as typo_list
from parse.page import PageView
from store.models import Finding, LinkCheck, Page, Run, Snapshot
from tests.conftest import run_crawl, spec

RULES = [m.RULE for m in (guides, hidden_links, hijack, meta_tags, search, secrets, typos)]
CODES = {"F": "5101000011", "G": "5101000012"}
SITE_META = ('<meta name="SiteName" content="示例市人民政府"><meta name="SiteDomain" '
             'content="www.example.gov.cn"><meta name="SiteIDCode" content="{code}">')
COLUMN_META = ('<meta name="ColumnName" content="政务动态"><meta name="ColumnDescription" '
               'content="本市政务动态"><meta name="ColumnKeywords" content="动态"><meta '
               'name="ColumnType" content="政务动态">')
ARTICLE_META = ('<meta name="ArticleTitle" content="{title}"><meta name="PubDate" '
                'content="2026-11-01 09:30"><meta name="ContentSource" content="市政府办公室">'
                '<meta name="Keywords" content="会议"><meta name="Author" content="办公室">'
                '<meta name="Description" content="会议"><meta name="Image" content="">'
                '<meta name="Url" content="{url}">')
SEARCH_FORM = ('<form action="/was5/web/search" method="get" name="searchform">'
               '<input type="hidden" name="channelid" value="230711"><input name="searchword" '
               'placeholder="请输入关键字"><input type="submit" value="搜索"></form>')
STYLE = ("<style>.hd{display:none} .menu ul{display:none} .menu li:hover ul{display:block}"
         " @media print {.noprint{display:none}}</style>")


def page(title: str, body: str, head: str = "", charset: str = "utf-8", nav: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}<title>{title}</title>'
            f'{STYLE}</head><body><div class="header">{nav}</div><div class="main">{body}</div>'
            '<div class="footer">主办单位：示例市人民政府办公室</div></body></html>')


def guide(name: str, labels: list[str]) -> str:
    rows = "".join(f"<tr><th>{label}</th><td>详见说明</td></tr>" for label in labels)
    return page(f"{name}办事指南_示例市人民政府",
                f"<h1>{name}办事指南</h1><table class='bszn'>{rows}</table>")


COMPLETE = ["事项名称", "办理依据", "受理条件", "申请材料", "受理地点", "实施主体", "收费依据",
            "办理时限", "咨询电话", "办理流程"]
# Each misses 5 element classes (设定依据, 办理地点, 收费标准, 联系电话, 办理流程); the title
# still names the item.
POOR = ["申请条件", "办理材料", "办理机构", "办理时间"]
ONE_SHORT = ["设定依据", "申请条件", "办理材料", "办理地点", "办理机构", "收费标准", "办理时间",
             "联系电话"]  # 办理流程 missing


def site_f(x: dict[str, str]) -> dict[str, Route]:
    code = CODES["F"]
    site_meta = SITE_META.format(code=code)
    hidden = (
        f'<div style="position:absolute;top:-9999px;left:-9999px"><a href="{x["X1"]}/">'
        '澳门银河娱乐城</a></div>'
        f'<div class="hd"><a href="{x["X1"]}/plain">合作伙伴</a></div>'
        f'<a href="{x["X1"]}/credit" style="display:none">Produced By 大汉网络 大汉版通发布系统</a>'
        '<ul class="menu"><li>更多<ul>'
        f'<li><a href="{x["X1"]}/menu1">兄弟单位</a></li></ul></li></ul>'
        '<div style="display:none"><a href="/col/col1/index.html">政务动态</a></div>'
        '<div class="noprint" style="color:#333"><a href="/art/2026/11/2/art_1_2.html">打印</a>'
        '</div>')
    external = (
        f'<p>友情链接：<a href="{x["X2"]}/">示例学会</a> <a href="{x["X2"]}/move">示例协会</a> '
        f'<a href="{x["X2"]}/old">示例博览会</a> <a href="{x["X4"]}/">示例体育中心</a></p>')
    nav = ('<a href="/">首页</a> <a href="/col/col1/index.html">政务动态</a> '
           '<a href="/bszn/index.html">办事指南</a>')
    rows = "".join(f'<li><a href="/art/2026/11/{d}/art_1_{d}.html">工作动态{d}</a>'
                   f'<span>2026-11-{d:02d}</span></li>' for d in (1, 2, 1, 2, 1))
    article1 = ('<h1>示例市召开常务会议</h1><p>发布时间：2026-11-01 09:30　来源：市政府办公室</p>'
                '<div id="zoom"><p>会议传达了中华人民共合国有关法律。会议学习了《中华人民共和国宪法》'
                '和中华人民共和国监察法。</p><p>附件：机密★1年 关于XX的请示</p>'
                '<p>各单位要保守国家秘密，保护商业秘密。</p></div>')
    article2 = ('<h1>示例市开展宪法宣传</h1><p>发布时间：2026-11-02</p><div class="TRS_UEDITOR">'
                '<p>深入学习中华人民共和国宪法，坚持中国特色社会主义。全国人民代表大会。</p></div>')
    a1 = "/art/2026/11/1/art_1_1.html"
    a2 = "/art/2026/11/2/art_1_2.html"
    guide_links = "".join(f'<li><a href="/bszn/g{i}.html">第{i}项</a></li>' for i in range(1, 8))
    return {
        "/": Route(page("示例市人民政府", SEARCH_FORM + hidden + external, site_meta, nav=nav)),
        "/col/col1/index.html": Route(page("政务动态", f"<ul class='list'>{rows}</ul>"
                                           "<div class='page'>下一页 尾页</div>",
                                           site_meta + COLUMN_META, nav=nav)),
        a1: Route(page("示例市召开常务会议", article1, site_meta, nav=nav)),
        a2: Route(page("示例市开展宪法宣传", article2, site_meta + COLUMN_META + ARTICLE_META.format(
            title="示例市开展宪法宣传", url=a2), nav=nav)),
        "/bszn/index.html": Route(page("办事指南_示例市人民政府", f"<h1>办事指南</h1><ul>{guide_links}"
                                       "</ul>", nav=nav)),
        "/bszn/g1.html": Route(guide("食品经营许可", COMPLETE)),
        **{f"/bszn/g{i}.html": Route(guide(f"第{i}项服务", POOR)) for i in range(2, 7)},
        "/bszn/g7.html": Route(guide("建设工程规划许可", ONE_SHORT)),
    }


def site_g() -> dict[str, Route]:
    """GBK pages, no search, no service functions (incomplete guides are not checked)."""
    gbk = "text/html; charset=gbk"
    body = ('<h1>关于做好安全工作的通知</h1><p>发布日期：2026-10-20</p><div id="zoom">'
            '<p>秘密★6个月</p><p>请各单位认真落实。</p></div>')
    pages = {
        "/": page("示例县档案馆", '<a href="/tzgg/1.html">通知</a> <a href="/bszn/1.html">指南</a> '
                  '<a href="/bszn/2.html">指南2</a>', charset="gbk"),
        "/tzgg/1.html": page("关于做好安全工作的通知", body, charset="gbk"),
        "/bszn/1.html": guide("档案查询", POOR).replace("utf-8", "gbk"),
        "/bszn/2.html": guide("档案寄存", POOR).replace("utf-8", "gbk"),
    }
    return {p: Route(b.encode("gbk"), content_type=gbk) for p, b in pages.items()}


def external_sites(serve) -> dict[str, str]:  # noqa: ANN001
    def plain(title: str) -> Route:
        return Route(f"<html><head><title>{title}</title></head><body>{title}</body></html>")

    x3 = serve({"/": plain("域名停放 - 此域名可出售")})
    x1 = serve({"/": plain("澳门银河娱乐城-官方网站"), "/plain": plain("某公司"),
                "/credit": plain("大汉网络"), "/menu1": plain("兄弟单位")})
    x2 = serve({"/": plain("示例学会"), "/new": plain("示例协会"),
                "/move": Route(status=301, headers={"Location": "/new"}),
                "/old": Route(status=302, headers={"Location": x3.url("/")})})
    x4 = serve({"/": plain("皇冠体育-在线投注平台")})
    return {"X1": x1.base, "X2": x2.base, "X3": x3.base, "X4": x4.base}


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    x = external_sites(serve_module)
    servers = {"F": serve_module(site_f(x)), "G": serve_module(site_g())}
    specs = {k: spec(s.url("/"), code=CODES[k], name=f"测试{k}") for k, s in servers.items()}
    specs["G"].has_services = False
    tmp = tmp_path_factory.mktemp("content")
    crawled = run_crawl(list(specs.values()), tmp / "store.db", max_pages=40,
                        trusted=["127.0.0.0/8"])
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        summary = run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                             rules=RULES)
    return {"crawled": crawled, "servers": servers, "x": x, "summary": summary}


def findings(world, key: str, rule: str) -> list[Finding]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        return list(s.scalars(select(Finding).where(
            Finding.run_id == crawled.result.run_id, Finding.rule == rule,
            Finding.site_id == crawled.site_id(CODES[key])).order_by(Finding.url)))


def url(world, key: str, path: str) -> str:  # noqa: ANN001
    return world["servers"][key].url(path)


def test_crawl_complete_and_rules_ran(world) -> None:  # noqa: ANN001
    assert world["crawled"].result.status == "complete"
    assert not world["summary"].errors and not world["summary"].skipped


# -- meta.tags_missing -----------------------------------------------------------------

def test_meta_tags_missing_only_on_the_article_without_them(world) -> None:  # noqa: ANN001
    found = findings(world, "F", "meta.tags_missing")
    assert [f.url for f in found] == [url(world, "F", "/art/2026/11/1/art_1_1.html")]
    f = found[0]
    assert f.detail["kind"] == "article"
    assert f.detail["missing"] == ["ArticleTitle", "PubDate", "ContentSource"]
    assert f.detail["also_missing"] == ["Keywords", "Author", "Description", "Image", "Url"]
    assert f.message == "内容页缺少页面元标签：内容标签 ArticleTitle, PubDate, ContentSource"


def test_single_page_column_is_a_column_page() -> None:
    html = ("<html><head><meta name='SiteName' content='x'><meta name='SiteDomain' content='x'>"
            "<meta name='SiteIDCode' content='5101000011'><meta name='ColumnName' content='机构概况'>"
            "</head><body><h1>机构概况</h1><div class='TRS_Editor' id='zoom'><p>简介</p></div>"
            "</body></html>")
    view = PageView(url="http://h/zjsl/jggk/", html=html)
    facts = metatags.extract_page(view)
    assert view.kind == "article" and facts["kind"] == "column"
    assert meta_tags.missing_tags(facts["metas"], "column") == [
        "ColumnDescription", "ColumnKeywords", "ColumnType"]


def test_page_kind_heuristic() -> None:
    rows = "".join(f"<li><a href='/a{i}.html'>标题{i}</a><span>[11-0{i}]</span></li>"
                   for i in range(1, 7))
    column = PageView(url="http://h/col/col1/index.html", html=f"<html><body><ul>{rows}</ul>"
                      "</body></html>")
    related = rows[:200]
    article = PageView(url="http://h/202611/t20261101_5.html", html=(
        "<html><body><p>发布时间：2026-11-01</p><div class='TRS_Editor'>正文</div>"
        f"<ul>{related}</ul></body></html>"))
    form = PageView(url="http://h/hdjl/write.html", html="<html><body><form><input name='t'>"
                    "</form></body></html>")
    assert (column.kind, article.kind, form.kind) == ("column", "article", None)


# -- search.missing --------------------------------------------------------------------

def test_search_missing_only_where_there_is_none(world) -> None:  # noqa: ANN001
    assert findings(world, "F", "search.missing") == []
    found = findings(world, "G", "search.missing")
    assert len(found) == 1 and found[0].url == url(world, "G", "/")
    assert found[0].detail["pages"] == 4 and "未发现站内搜索" in found[0].message


def test_search_entrances_on_strings() -> None:
    def facts(body: str) -> dict:
        return search_pages.extract_page(PageView(url="http://h/", html=f"<html><body>{body}"
                                            "</body></html>"))
    assert facts("<form action='/jrobot/search.do'><input name='q'></form>")["form"]
    assert facts("<input type='text' placeholder='站内搜索'>")["form"]
    assert facts("<a href='/search/index.html'>高级检索</a>")["links"] == ["http://h/search/index.html"]
    assert facts("<script>var u='/was5/web/search?channelid=1';</script>")["script"]
    assert search_pages.script_has_search(
        "document.writeln('<form action=\"/jsearchfront/search.do\"><input name=\"q\"></form>');")
    assert not search_pages.script_has_search("document.writeln('<form action=\"/hdjl/submit.do\">');")
    mailbox = facts("<form action='/hdjl/submit.do'><input name='title'><input name='content'>"
                    "<input type='submit' value='提交'></form><a href='/research/'>调研</a>")
    assert not mailbox["form"] and not mailbox["script"] and not mailbox["links"]


# -- content.serious_typo --------------------------------------------------------------

def test_serious_typo_with_context_and_no_false_positive(world) -> None:  # noqa: ANN001
    found = findings(world, "F", "content.serious_typo")
    assert len(found) == 1  # 中华人民共和国 inside 《中华人民共和国宪法》 is not 华人民共和国
    f = found[0]
    assert f.url == url(world, "F", "/art/2026/11/1/art_1_1.html")
    assert (f.detail["wrong"], f.detail["right"]) == ("中华人民共合国", "中华人民共和国")
    assert f.detail["context"] == "来源：市政府办公室 会议传达了中华人民共合国有关法律。会议学习了《中华人民"
    assert len(f.detail["context"]) == 7 + 2 * 15  # ±15 characters
    assert "“中华人民共合国”应为“中华人民共和国”" in f.message


def test_typo_list_rules() -> None:
    hits = typo_list.find_typos("《华人民共和国宪法》与中华人民共和国；国务院付总理；交付总理办公会研究")
    assert [(h["wrong"], h["right"]) for h in hits] == [("华人民共和国", "中华人民共和国"),
                                                         ("付总理", "副总理")]
    assert typo_list.find_typos("中国特色社会主义，全国人民代表大会，最高人民检察院") == []


def test_typo_list_bad_file_is_one_clear_line(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "typos.yaml"
    bad.write_text("entries:\n  - {wrong: 错字}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"typos\.yaml: entries\[1\] 需要 wrong 和 right"):
        typo_list.load(bad)


# -- content.secret_marking ------------------------------------------------------------

def test_secret_markings_in_utf8_and_gbk_pages(world) -> None:  # noqa: ANN001
    f_found = findings(world, "F", "content.secret_marking")
    assert [f.detail["marking"] for f in f_found] == ["机密★1年"]  # not 国家秘密 / 商业秘密
    assert "附件：机密★1年 关于XX的请示" in f_found[0].detail["context"]
    g_found = findings(world, "G", "content.secret_marking")
    assert [(f.detail["marking"], f.url) for f in g_found] == [
        ("秘密★6个月", url(world, "G", "/tzgg/1.html"))]


def test_secret_marking_in_a_stored_docx_attachment(world) -> None:  # noqa: ANN001
    """The crawl does not store attachments yet; a snapshot that exists is read."""
    document = docx.Document()
    document.add_paragraph("绝密★长期")
    document.add_paragraph("关于XX工程的实施方案")
    buf = io.BytesIO()
    document.save(buf)
    crawled = world["crawled"]
    with crawled.sessions() as s:
        run = s.get(Run, crawled.result.run_id)
        att = Page(run_id=run.id, site_id=crawled.site_id(CODES["F"]), status=200,
                   url=url(world, "F", "/art/2026/11/1/W020261101.docx"), depth=2,
                   content_type="application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document", fetched_at=datetime.now())
        s.add(att)
        s.flush()
        s.add(Snapshot(page_id=att.id, run_id=run.id, body=zlib.compress(buf.getvalue())))
        s.flush()
        run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                   rules=[secrets.RULE])
        att_url = att.url
        rows = [(f.url, f.detail, f.message) for f in s.scalars(select(Finding).where(
            Finding.run_id == run.id, Finding.rule == "content.secret_marking"))]
        s.rollback()  # leave the module's store as crawled
    on_att = [(detail, message) for u, detail, message in rows if u == att_url]
    assert len(on_att) == 1 and on_att[0][0]["marking"] == "绝密★长期"
    assert on_att[0][0]["where"] == "attachment" and "附件中出现密级标志" in on_att[0][1]
    assert attachments.attachment_text(b"not a zip", ".docx") is None


# -- guides ----------------------------------------------------------------------------

def test_guides_incomplete_and_many(world) -> None:  # noqa: ANN001
    found = {f.url: f for f in findings(world, "F", "guide.incomplete")}
    poor = {url(world, "F", f"/bszn/g{i}.html") for i in range(2, 7)}
    assert set(found) == poor | {url(world, "F", "/bszn/g7.html")}  # not g1, not the list
    g2 = found[url(world, "F", "/bszn/g2.html")]
    assert g2.detail["missing"] == ["设定依据", "办理地点", "收费标准", "联系电话", "办理流程"]
    assert g2.detail["missing_count"] == 5
    assert "第2项服务" in g2.message
    assert found[url(world, "F", "/bszn/g7.html")].detail["missing"] == ["办理流程"]
    many = findings(world, "F", "guide.incomplete_many")
    assert len(many) == 1 and many[0].detail["count"] == 5
    assert many[0].detail["guides"] == 7


def test_guides_not_checked_without_service_functions(world) -> None:  # noqa: ANN001
    assert findings(world, "G", "guide.incomplete") == []
    assert findings(world, "G", "guide.incomplete_many") == []


def test_guide_labels_on_strings() -> None:
    lines = ["一、设定依据", "（二）受理条件：具有资质", "【办理时限】20个工作日", "3.收费：不收费",
             "办 理 地 点：政务服务中心", "本事项的办理依据详见附件"]
    assert guide_pages.labels_in(lines) == {"设定依据", "申请条件", "办理时间", "收费标准", "办理地点"}


# -- content.hidden_link ---------------------------------------------------------------

def test_hidden_links(world) -> None:  # noqa: ANN001
    x1 = world["x"]["X1"]
    found = {f.url: f for f in findings(world, "F", "content.hidden_link")}
    # The vendor credit, the :hover menu and the hidden same-site menu are not 暗链.
    assert set(found) == {f"{x1}/", f"{x1}/plain"}
    gamble = found[f"{x1}/"]
    assert gamble.detail["how"] == "off-screen"
    assert gamble.detail["evidence"] == ["娱乐城", "澳门银河"]
    assert gamble.source == url(world, "F", "/")
    assert "赌博/色情" in gamble.message
    assert found[f"{x1}/plain"].detail["how"] == "display:none"  # by the .hd class rule


@pytest.mark.parametrize("style,how", [
    ("font-size:0px", "font-size:0"), ("width:0;height:0;overflow:hidden", "zero size"),
    ("height:1px;overflow:hidden", "zero size"), ("visibility:hidden", "visibility:hidden"),
    ("color:#FFF;background-color:#ffffff", "same colour"), ("text-indent:-9999em", "off-screen"),
    ("opacity:0", "opacity:0"),
])
def test_hiding_styles(style: str, how: str) -> None:
    view = PageView(url="http://h/", html=f"<html><body><div style='{style}'>"
                    "<a href='http://spam.example/'>x</a></div></body></html>")
    assert [link["how"] for link in hidden_pages.extract_page(view)] == [how]


@pytest.mark.parametrize("css", [
    '.note:after{content:"@"}',  # an @ inside a string
    "a[href^='mailto:x@y.cn']{color:red}",  # ... inside an attribute selector
    '@media print{.p{display:none}} /* @ } { */',  # a comment with braces after an at-rule
    '.q{background:url("a;b{c}.png")}',  # braces and ; inside a URL string
])
def test_style_rules_after_tricky_css_still_hide(css: str) -> None:
    view = PageView(url="http://h/", html=(
        f"<html><head><style>{css} .dl{{display:none}}</style></head><body>"
        "<div class='dl'><a href='http://spam.example/'>博彩</a></div></body></html>"))
    assert [link["how"] for link in hidden_pages.extract_page(view)] == ["display:none"]


def test_hidden_block_written_by_inline_script() -> None:
    view = PageView(url="http://h/", html=(
        "<html><body><script>document.write(unescape(\"%3Cdiv%20style%3D%22position%3A"
        "absolute%3Btop%3A-999px%22%3E%3Ca%20href%3D%22http%3A//yy.example/%22%3E%E7%99%BE"
        "%E5%AE%B6%E4%B9%90%3C/a%3E%3C/div%3E\"));</script></body></html>"))
    assert hidden_pages.extract_page(view) == [{
        "target": "http://yy.example/", "how": "off-screen", "anchor": "百家乐", "menu": False,
        "words": ["百家乐"]}]


def test_visible_and_inherited_colour_links() -> None:
    view = PageView(url="http://h/", html="<html><body><div style='background:#fff'>"
                    "<a href='http://a.example/' style='color:#fff'>同色</a>"
                    "<a href='http://b.example/' style='color:#333'>可见</a></div></body></html>")
    assert [(x["target"], x["how"]) for x in hidden_pages.extract_page(view)] == [
        ("http://a.example/", "same colour")]


# -- link.hijacked ---------------------------------------------------------------------

def test_hijacked_external_links(world) -> None:  # noqa: ANN001
    x = world["x"]
    found = {f.url: f for f in findings(world, "F", "link.hijacked")}
    # X2/ (normal) and X2/move (same-host redirect) are fine.
    assert set(found) == {f"{x['X2']}/old", f"{x['X4']}/", f"{x['X1']}/"}
    moved = found[f"{x['X2']}/old"]
    assert moved.detail["final_url"] == f"{x['X3']}/"
    assert moved.detail["evidence"] == [f"跳转到无关域名 {x['X3'].split('//')[1].split(':')[0]}"]
    assert "首页上的外部链接“示例博览会”" in moved.message
    titled = found[f"{x['X4']}/"]
    assert "皇冠体育" in titled.detail["evidence"][0] and titled.detail["title"] == "皇冠体育-在线投注平台"


def test_verifier_keeps_titles_of_external_pages(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    x = world["x"]
    with crawled.sessions() as s:
        checks = {c.target: c for c in s.scalars(select(LinkCheck).where(
            LinkCheck.run_id == crawled.result.run_id))}
    assert checks[f"{x['X2']}/"].title == "示例学会"
    assert checks[f"{x['X2']}/"].method == "GET"
    assert checks[f"{x['X2']}/move"].final_url == f"{x['X2']}/new"


@pytest.mark.parametrize("host, domain", [
    ("www.a.sh.cn", "a.sh.cn"), ("www.info.gov.hk", "info.gov.hk"),
    ("www.sc.gov.cn", "sc.gov.cn"), ("news.example.com", "example.com"),
    ("127.0.0.5", "127.0.0.5"),
])
def test_registrable_domains_from_the_public_suffix_list(host: str, domain: str) -> None:
    from parse.linkrisk import registrable

    assert registrable(host) == domain


def test_redirect_to_another_sh_cn_domain_is_evidence() -> None:
    scopes = [("www.x.gov.cn", "/")]
    assert hijack.evidence("http://www.a.sh.cn/", "http://www.b.sh.cn/", None, scopes) == [
        "跳转到无关域名 www.b.sh.cn"]
    assert hijack.evidence("http://www.a.sh.cn/", "http://news.a.sh.cn/", None, scopes) == []
    # gov.hk is a public suffix: two departments' hosts are two domains, not "gov.hk"
    assert hijack.evidence("http://www.info.gov.hk/", "http://www.td.gov.hk/", None,
                           scopes) == ["跳转到无关域名 www.td.gov.hk"]


def test_hijack_evidence_rules() -> None:
    scopes = [("www.example.gov.cn", "/")]
    assert hijack.evidence("http://a.example.com/", "https://www.a.example.com/x", None, scopes) == []
    assert hijack.evidence("http://old.org.cn/", "http://www.fgw.gov.cn/", None, scopes) == []
    assert hijack.evidence("http://www.xx.gov.cn/", None, "打击网络赌博 娱乐城", scopes) == []
    assert hijack.evidence("http://expo.org.cn/", "http://bet.example.net/", None, scopes) == [
        "跳转到无关域名 bet.example.net"]


def test_meta_sample_ignores_scheme_host_and_port() -> None:
    """The F8 sample must not change when a site moves host, port or scheme."""
    from checks.meta_tags import sample_key

    paths = [f"/col/art/{n}.html" for n in range(40)]
    order_a = sorted(paths, key=lambda p: sample_key("http://127.0.0.2:8080" + p))
    order_b = sorted(paths, key=lambda p: sample_key("https://www.example.gov.cn" + p))
    assert order_a == order_b
    assert order_a != sorted(paths)  # still a pseudo-random order, not the crawl order


# -- page scans in worker processes ------------------------------------------------------
def _stored_findings(s, run_id: int) -> list[tuple]:  # noqa: ANN001
    return sorted((f.site_id, f.rule, f.url, f.source, f.severity, f.message,
                   json.dumps(f.detail, sort_keys=True, ensure_ascii=False), f.fingerprint,
                   f.state) for f in s.scalars(select(Finding).where(Finding.run_id == run_id)))


def test_scans_in_worker_processes_give_the_same_findings(world) -> None:  # noqa: ANN001
    """``workers`` > 1: the sites' pages are scanned in other processes, with the same
    findings as the scan in the checking process (the fixture checked with one)."""
    crawled = world["crawled"]
    with crawled.sessions() as s:
        inline = _stored_findings(s, crawled.result.run_id)
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        summary = run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM,
                             rules=RULES, workers=2)
        parallel = _stored_findings(s, run.id)
    assert not summary.errors
    assert summary.scans_ahead == 2  # both sites' scans came from the workers
    assert {rule for _, rule, *_ in inline} >= {"content.hidden_link", "guide.incomplete",
                                                "link.hijacked", "content.secret_marking"}
    assert parallel == inline


def test_no_worker_processes_for_one_worker_or_an_in_memory_store(tmp_path) -> None:  # noqa: ANN001
    from derive.pool import scanning_ahead

    with scanning_ahead("sqlite://", 1, [1, 2], workers=4, extractors={}) as pool:
        assert pool is None  # other processes cannot see an in-memory database
    with scanning_ahead(f"sqlite:///{tmp_path / 'x.db'}", 1, [1, 2], workers=1,
                        extractors={}) as pool:
        assert pool is None
