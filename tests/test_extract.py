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
