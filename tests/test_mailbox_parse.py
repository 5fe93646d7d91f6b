"""Reading boards: statuses, dates, labels and layouts as real mailboxes write them."""

from __future__ import annotations

from datetime import date

import pytest

from parse.message_lists import list_records, merge_detail, parse_detail
from parse.messages import Record, classify_channel, mask_private, normalise_status, parse_dates
from parse.paging import is_pager_link

AS_OF = date(2026, 1, 20)
ANSWERED = ["已回复", "已答复", "已办结", "已处理", "办结", "已办理", "已解决", "[已回复]",
            "已办结（已公开）", "不予受理"]
PENDING = ["未回复", "待回复", "待处理", "未办结", "办理中", "处理中", "受理", "已受理",
           "正在办理", "已转办", "【待处理】"]


@pytest.mark.parametrize("word", ANSWERED)
def test_answered_words(word: str) -> None:
    assert normalise_status(word) == "answered"


@pytest.mark.parametrize("word", PENDING)
def test_pending_words(word: str) -> None:
    assert normalise_status(word) == "pending"


def test_no_status_word() -> None:
    assert normalise_status("市交通运输局") is None and normalise_status("") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-10-14 10:17", date(2024, 10, 14)),
    ("2023-11-30  14:52", date(2023, 11, 30)),
    ("2023-08-19 10∶08", date(2023, 8, 19)),
    ("2020年08月02日", date(2020, 8, 2)),
    ("2024年3月7日", date(2024, 3, 7)),
    ("2020年09月15日 09时32分", date(2020, 9, 15)),
    ("2024.09.30 09:24:36 GMT+08:00", date(2024, 9, 30)),
    ("2024/6/19", date(2024, 6, 19)),
    ("[ 2025-09-03 ]", date(2025, 9, 3)),
    ("[01-16]", date(2026, 1, 16)),
    ("12-28", date(2025, 12, 28)),  # would be in the future this year: last year
])
def test_dates(text: str, expected: date) -> None:
    assert parse_dates(text, AS_OF)[0] == expected


def test_not_dates() -> None:
    assert parse_dates("TS2026010800012 编号", AS_OF) == []
    assert parse_dates("2025-13-45", AS_OF) == []


def test_table_with_header_and_private_columns() -> None:
    html = """<table><tr><th>序 号</th><th>信件标题</th><th>留言人</th><th>处理状态</th>
    <th>留言时间</th><th>答复时间</th><th>答复部门</th></tr>
    <tr><td>1</td><td><a href="d1.html" title="关于社保缴费基数调整的咨询问题">关于社保缴费...</a></td>
    <td>王小明</td><td>已办结</td><td>2025-12-01</td><td>2025-12-03</td><td>市人社局</td></tr>
    <tr><td>2</td><td><a href="d2.html">噪音扰民</a></td><td>李四</td><td>办理中</td>
    <td>2025/09/30</td><td></td><td></td></tr></table>"""
    recs, empty = list_records(html, "http://x/ldxx/", AS_OF)
    assert not empty
    assert [(r.title, r.url, r.submitted, r.replied, r.unit, r.raw_status, r.status)
            for r in recs] == [
        ("关于社保缴费基数调整的咨询问题", "http://x/ldxx/d1.html", date(2025, 12, 1),
         date(2025, 12, 3), "市人社局", "已办结", "answered"),
        ("噪音扰民", "http://x/ldxx/d2.html", date(2025, 9, 30), None, None, "办理中", "pending"),
    ]
    assert "王小明" not in repr(recs) and "李四" not in repr(recs)


def test_jact_rows_without_header() -> None:
    html = """<table><tr class="tr_css"><td>TS2026010800012</td>
    <td><a href="/jact/front/mailpubdetail.do?transactId=1">道路维修问题</a></td><td>已回复</td>
    <td>2025-10-09</td><td>市民服务受理中心</td></tr>
    <tr class="tr_css"><td>TS2026010800013</td><td><a href="/jact/front/mailpubdetail.do?transactId=2">
    噪音扰民 13912345678</a></td><td>未办结</td><td>2025-11-09</td><td>市生态环境局</td></tr></table>"""
    recs, _ = list_records(html, "http://x/jact/front/dataproxy_mailnewlist.action", AS_OF)
    assert [(r.title, r.submitted, r.addressee, r.status) for r in recs] == [
        ("道路维修问题", date(2025, 10, 9), "市民服务受理中心", "answered"),
        ("噪音扰民 139****5678", date(2025, 11, 9), "市生态环境局", "pending")]


def test_dl_blocks_and_one_dl_with_many_messages() -> None:
    html = """<div class="list"><dl><dt><a href="m1.html">停车难</a></dt>
    <dd>留 言 时 间：2025-09-26</dd><dd>回复时间∶2025-10-09</dd><dd>状态：已答复</dd></dl>
    <dl><dt><a href="m2.html">供暖不足</a></dt><dd><span>留言时间：</span><span>2025-12-20</span></dd>
    <dd>状态：待回复</dd></dl></div>
    <div class="other"><dl><dt><a href="m3.html">路灯不亮</a></dt><dd>提问时间：2025-11-01</dd>
    <dd>[已回复]</dd><dt><a href="m4.html">井盖缺失</a></dt><dd>提问时间：2025-11-02</dd>
    <dd>[受理中]</dd></dl></div>"""
    recs, _ = list_records(html, "http://x/zxzx/", AS_OF)
    assert [(r.title, r.submitted, r.replied, r.status) for r in recs] == [
        ("停车难", date(2025, 9, 26), date(2025, 10, 9), "answered"),
        ("供暖不足", date(2025, 12, 20), None, "pending"),
        ("路灯不亮", date(2025, 11, 1), None, "answered"),
        ("井盖缺失", date(2025, 11, 2), None, "pending")]


def test_li_rows_skip_pager_and_navigation() -> None:
    html = """<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xxgk/">信息公开</a></li></ul>
    <ul class="msg"><li><a href="a.html">咨询公积金提取</a><span>[已处理]</span><span>2025-11-02</span></li>
    <li><a href="b.html">户口迁移</a><span>受理</span><span>12-28</span></li>
    <li><a href="c.html">水费账单</a><span>市民服务受理中心</span><span>已办结</span><span>2025-10-01</span></li>
    <li><a href="?page=2">下一页</a></li></ul>"""
    recs, _ = list_records(html, "http://x/12345/", AS_OF)
    assert [(r.title, r.submitted, r.status) for r in recs] == [
        ("咨询公积金提取", date(2025, 11, 2), "answered"), ("户口迁移", date(2025, 12, 28), "pending"),
        ("水费账单", date(2025, 10, 1), "answered")]
    assert recs[2].addressee == "市民服务受理中心"


def test_div_rows_and_empty_board() -> None:
    html = """<div class="rows"><div class="row"><a href="x1.html">关于垃圾清运的建议</a>
    <em>办理状态：已办理</em><i>2025-10-02</i></div><div class="row"><a href="x2.html">咨询就业补贴</a>
    <em>办理状态：处理中</em><i>2025-12-02</i></div></div>"""
    recs, _ = list_records(html, "http://x/hd/", AS_OF)
    assert [(r.title, r.status) for r in recs] == [("关于垃圾清运的建议", "answered"),
                                                   ("咨询就业补贴", "pending")]
    recs, empty = list_records("<div><ul></ul><p>暂无数据</p></div>", "http://x/hd/", AS_OF)
    assert recs == [] and empty


def test_survey_items_use_the_start_date() -> None:
    html = """<ul><li><a href="s1.html">全市营商环境问卷调查</a><span>征集时间：2025-06-10 至 2025-07-10</span></li>
    <li><a href="s2.html">公交线网优化意见征集</a><span>2025-03-01</span></li></ul>"""
    recs, _ = list_records(html, "http://x/wsdc/", AS_OF, messages=False)
    assert [(r.title, r.dates[0]) for r in recs] == [("全市营商环境问卷调查", date(2025, 6, 10)),
                                                     ("公交线网优化意见征集", date(2025, 3, 1))]


DETAIL = """<html><body><div class="top"><a href="/">首页</a> &gt; 领导信箱</div>
<div class="main"><div class="letter"><h1>停车难</h1><table>
<tr><td>留言人</td><td>王五</td></tr><tr><td>留言时间</td><td>2025-09-26 10:17</td></tr>
<tr><td>留言内容</td><td><p>小区停车太难了</p><p>希望尽快回复：谢谢</p></td></tr>
<tr><th>答复单位</th><td><b>{unit}</b></td></tr><tr><th>答复时间：</th><td>{replied}</td></tr>
<tr><td><b>答复内容：</b></td><td>{reply}</td></tr></table></div></div>
<div class="footer"><div class="inner"><p>版权所有：示例市人民政府</p></div></div></body></html>"""


def test_detail_page_fields() -> None:
    d = parse_detail(DETAIL.format(unit="市公安局交警支队", replied="2025年10月9日",
                                   reply="<p>您好，已增设停车位。</p>"), AS_OF)
    assert (d.submitted, d.replied, d.unit, d.reply_text) == (
        date(2025, 9, 26), date(2025, 10, 9), "市公安局交警支队", True)


def test_detail_page_without_reply() -> None:
    """An empty reply cell must not borrow the footer, nor the citizen's '回复：' text."""
    d = parse_detail(DETAIL.format(unit="", replied="", reply=""), AS_OF)
    assert (d.submitted, d.replied, d.unit, d.reply_text) == (date(2025, 9, 26), None, None,
                                                               False)
    d = parse_detail(DETAIL.format(unit="", replied="", reply="暂无"), AS_OF)
    assert d.reply_text is False


def test_reply_section_heading_and_last_on_page() -> None:
    html = """<html><body><div class="main"><div class="box"><h1>供暖不足</h1>
    <p>留言时间：2025-12-20</p><div class="reply"><h3>回复内容：</h3></div></div></div>
    <div class="footer"><div><p>地址：示例市人民路1号</p></div></div></body></html>"""
    assert parse_detail(html, AS_OF).reply_text is False
    html2 = html.replace("<h3>回复内容：</h3>", "<h3>回复内容：</h3><p>已协调供热公司。</p>")
    assert parse_detail(html2, AS_OF).reply_text is True


def test_unrecognised_detail_page_changes_nothing() -> None:
    """A detail page govmon cannot read (no known labels) leaves the status unknown: it is
    not evidence of "no reply"."""
    rec = Record(title="停车难", url="http://x/1.html", submitted=date(2025, 9, 1))
    merge_detail(rec, parse_detail("<html><body><div id='app'>加载中</div></body></html>", AS_OF))
    assert rec.status == "unknown" and not rec.detail_seen
    merge_detail(rec, parse_detail(DETAIL.format(unit="", replied="", reply=""), AS_OF))
    assert rec.status == "pending" and rec.detail_seen


def test_mask_private() -> None:
    assert mask_private("联系我13912345678") == "联系我139****5678"
    assert mask_private("身份证510104199001011234") == "身份证510104********1234"
    assert mask_private("电话0871-65432100") == "电话0871-*******"


@pytest.mark.parametrize(("anchor", "url", "kind"), [
    ("领导信箱", "http://x/a/", "consult"),
    ("政务咨询", "http://x/a/", "consult"),
    ("书记信箱", "http://x/a/", "consult"),
    ("12345热线", "http://x/a/", "consult"),
    ("我要写信", "http://x/a/", "consult"),
    ("投诉举报", "http://x/a/", "complaint"),
    ("网上信访", "http://x/a/", "petition"),
    ("纪检监察举报", "http://x/a/", "discipline"),
    ("调查征集", "http://x/a/", "survey"),
    ("意见征集", "http://x/a/", "survey"),
    ("在线访谈", "http://x/a/", "interview"),
    (None, "http://x/jact/front/mailpublist.do?sysid=6", "consult"),
    ("点击进入", "http://x/hdjl/ldxx/", "consult"),
    ("下一页", "http://x/ldxx/index_1.html", None),
    ("关于社保缴费基数调整问题的咨询回复", "http://x/a/", None),
    ("政务公开", "http://x/zwgk/", None),
])
def test_channel_kinds(anchor: str | None, url: str, kind: str | None) -> None:
    assert classify_channel(anchor, url) == kind


@pytest.mark.parametrize(("src", "target", "anchor", "pager"), [
    ("http://x/ldxx/index.html", "http://x/ldxx/index_1.html", "下一页", True),
    ("http://x/ldxx/", "http://x/ldxx/index_2.html", "3", True),
    ("http://x/hd/list.do?pageIndex=1", "http://x/hd/list.do?pageIndex=2", "2", True),
    ("http://x/hd/list.do", "http://x/hd/list.do?cur_page=2", None, True),
    ("http://x/jact/front/mailpublist.do?sysid=6",
     "http://x/jact/front/dataproxy_mailnewlist.action?startrecord=20&endrecord=38", "下一页", True),
    ("http://x/ldxx/index.html", "http://x/", "首页", False),
    ("http://x/ldxx/index.html", "http://x/ldxx/t1.html", "停车难", False),
    ("http://x/ldxx/index.html", "http://y/ldxx/index_1.html", "下一页", False),
])
def test_pager_links(src: str, target: str, anchor: str | None, pager: bool) -> None:
    assert is_pager_link(src, target, anchor) is pager
