"""crawler.extract on markup real government pages serve."""

from crawler.extract import parse


def test_xml_declared_xhtml_page_keeps_title_and_links():
    body = ('<?xml version="1.0" encoding="gbk"?>\n<!DOCTYPE html><html><head><title>通知公告'
            '</title></head><body><a href="./202611/t20261103_1.html">关于…的通知</a></body></html>')
    facts = parse(body, "http://www.example.gov.cn/tzgg/")
    assert facts.title == "通知公告"
    assert [link.url for link in facts.links] == [
        "http://www.example.gov.cn/tzgg/202611/t20261103_1.html"]


def test_soft404_by_title_but_not_by_a_long_page_mentioning_it():
    assert parse("<html><head><title>您访问的页面不存在</title></head><body></body></html>",
                 "http://a.cn/").soft404
    long_text = "政务公开内容。" * 200 + "如遇页面不存在，请联系我们。"
    assert not parse(f"<html><head><title>政务公开</title></head><body><p>{long_text}</p>"
                     "</body></html>", "http://a.cn/").soft404


def test_soft404_phrasings_the_quick_token_test_must_let_through():
    """extract.parse skips the heading/body scans when no soft-404 token is in the HTML;
    each of these spellings must still reach them."""
    def page(head_title: str, body: str) -> str:
        return f"<html><head><title>{head_title}</title></head><body>{body}</body></html>"

    soft = [
        page("提示", "<h2>抱歉，您要访问的页面已被删除</h2>"),
        page("提示", "<div>信息不存在或已过期</div>"),
        page("Error", "<p>404 Not Found</p>"),
        page("Error", "<p>PAGE NOT FOUND</p>"),
        page("Error", "<p>Page not found</p>"),
        page("提示", "<div>页面未找到</div>"),
        page("提示", "<div><span>您访问的页面</span>\n  <span>不存在</span></div>"),
        page("提示", "<div>找不到该页面</div>"),
        # 页面不存在 written as numeric character references by the CMS's escaper
        page("提示", "<div>&#39029;&#38754;&#19981;&#23384;&#22312;</div>"),
        page("&#x9875;&#x9762;&#x4E0D;&#x5B58;&#x5728;", ""),
    ]
    for html in soft:
        assert parse(html, "http://a.cn/x.html").soft404, html
    assert not parse(page("政务公开", "<div>本站信息发布</div>"), "http://a.cn/").soft404


def test_pager_siblings_are_other_pages_of_the_same_list():
    from crawler.urls import is_pager_sibling

    same_list = [
        ("http://a.cn/hdjl/zwzx/index.html?pageIndex=1", "http://a.cn/hdjl/zwzx/index.html?pageIndex=2"),
        ("http://a.cn/hdjl/zwzx/", "http://a.cn/hdjl/zwzx/?pageIndex=2"),
        ("http://a.cn/tzgg/index.html", "http://a.cn/tzgg/index_2.html"),
        ("http://a.cn/list.asp?classid=3", "http://a.cn/list.asp?classid=3&page=2"),
    ]
    other = [
        ("http://a.cn/tzgg/index.html", "http://a.cn/zcwj/index_2.html"),
        ("http://a.cn/cal?month=3", "http://a.cn/cal?month=4"),  # a calendar is not a pager
        ("http://a.cn/list.asp?classid=3", "http://a.cn/list.asp?classid=4"),
        ("http://a.cn/tzgg/index.html", "http://a.cn/tzgg/202611/t20261103_1.html"),
        ("http://a.cn/art/1.html", "http://a.cn/art/2.html"),
    ]
    assert all(is_pager_sibling(a, b) for a, b in same_list)
    assert not any(is_pager_sibling(a, b) for a, b in other)
