"""JSON-backed lists end to end: a loopback site whose columns and 政务咨询 board load their
rows from JSON endpoints → crawl → store → column and mailbox findings.

The site (one module crawl, crawl date fixed at 2026-11-18 through the run's start):
* 新闻动态: ``$.ajax({url, data: {columnId: cid, pageNum: 1, pageSize: 5}})`` — a
  PageHelper-style answer (``data.list``, ``pages``), 12 rows over 3 pages, dates in epoch
  **milliseconds**, relative links resolved against the list page, a pinned old row on
  top, one undated row (dated from its article), the newest row at 2026-11-04 00:30 China
  time (still 11-03 in UTC: the 2-week limit falls exactly between the two readings);
* 部门动态: ``fetch('/api/trs/docs?…&page=' + page)`` — TRS field names (``DOCTITLE``,
  ``DOCPUBURL``, ``DOCRELTIME`` as a string), stale;
* 通知公告: ``$.getJSON`` answering ``{"total": 0, "rows": []}`` — blank;
* 数据开放: its endpoint answers 404 — still "needs a browser", neither blank nor an error;
* every page: a template sidebar (热点信息) loaded from JSON — neither a column's list nor
  a board's messages (政策解读, a plain HTML page showing 暂无信息, stays blank);
* 政务咨询: ``$.post`` with a form (``boxId`` from a script variable, the page number a
  function parameter); rows with ``dateline`` in epoch **seconds**, ``stateInfo``,
  ``answerId``, a nested answer object; the page itself says 暂无数据 before the script runs.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

import checks.columns
import checks.mailbox
from checks.runner import run_checks
from govmon.demo.server import Route
from parse.jsonlists import Endpoint, discover, later_pages, list_info, parse_json_text
from parse.jsonrows import epoch_date, value_date
from parse.paging import MAX_PAGES
from store.models import Column, Finding, Item, Message, Run
from tests.conftest import run_crawl, spec

CST = timezone(timedelta(hours=8))
AS_OF = date(2026, 11, 18)
THRESHOLDS = """\
thresholds:
  home_stale: 2w
  column_stale: {news: 2w, notice: 6m, personnel: 1y}
  mailbox:
    unanswered: 3m
    window: 1y
    reply_working_days: 5
    board_stale: 2m
"""
NAV = [("首页", "/"), ("新闻动态", "/xwdt/"), ("部门动态", "/bmdt/"), ("通知公告", "/tzgg/"),
       ("数据开放", "/sjkf/"), ("政策解读", "/zcjd/"), ("政务咨询", "/hdjl/zxzx/index.html")]


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    """A moment in China time."""
    return datetime(y, mo, d, h, mi, tzinfo=CST)


# Every page's template loads a 热点信息 sidebar from JSON: a widget, no column's list.
HOT_SCRIPT = '$.getJSON("/api/hot/list", function (d) { side(d.data); });\n'


def hot_list() -> str:
    return json.dumps({"code": 0, "data": [
        {"title": NEWS[i][0], "url": news_url(i), "pubDate": "2026-11-16 08:00:00"}
        for i in (1, 2, 3)]}, ensure_ascii=False)


def doc(title: str, main: str, column: str | None = None, script: str = "") -> str:
    meta = f'<meta name="ColumnName" content="{column}">' if column else ""
    nav = "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in NAV)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_示例区人民政府'
            f'</title>{meta}<script src="/js/jquery.min.js"></script></head><body>'
            f'<div class="nav"><ul>{nav}</ul></div><div class="main">{main}</div>'
            f'<div class="footer"><p>主办单位：示例区人民政府办公室</p></div>'
            f'<script type="text/javascript">{HOT_SCRIPT}{script}</script></body></html>')


def shell(name: str, script: str, placeholder: str = "加载中…") -> str:
    return doc(name, f'<div class="position">当前位置：<a href="/">首页</a> &gt; {name}</div>'
               f'<h2>{name}</h2><ul id="list"><li class="loading">{placeholder}</li></ul>'
               '<div id="pager"></div>', column=name, script=script)


# -- 新闻动态: epoch milliseconds, three pages ------------------------------------------------
NEWS_NEWEST = at(2026, 11, 4, 0, 30)  # 2026-11-03 16:30 UTC
NEWS = ([("示例区召开安全生产工作会议（置顶）", at(2025, 5, 1), True)]
        + [(f"示例区新闻动态第{i}期：民生实事推进情况", NEWS_NEWEST - timedelta(days=3 * i), False)
           for i in range(10)]
        + [("示例区举办就业创业服务活动", None, False)])
UNDATED_DAY = date(2026, 9, 1)  # the byline of the undated row's article
NEWS_SIZE = 5


def news_url(i: int) -> str:
    return f"/xwdt/202611/t2026110{i % 10}_{1000 + i}.html"


def news_page(num: int) -> str:
    rows = []
    for i, (title, when, top) in enumerate(NEWS[(num - 1) * NEWS_SIZE:num * NEWS_SIZE],
                                           start=(num - 1) * NEWS_SIZE):
        row = {"id": 1000 + i, "title": title, "url": "." + news_url(i)[len("/xwdt"):],
               "isTop": int(top), "columnName": "新闻动态"}
        if when is not None:
            row["publishTime"] = int(when.timestamp() * 1000)
        rows.append(row)
    pages = -(-len(NEWS) // NEWS_SIZE)
    return json.dumps({"code": 200, "msg": "success", "data": {
        "pageNum": num, "pageSize": NEWS_SIZE, "size": len(rows), "total": len(NEWS),
        "pages": pages, "list": rows}}, ensure_ascii=False)


NEWS_SCRIPT = """
var cid = 12;
$(function () {
  $.ajax({
    url: "/api/cms/list",
    type: "get",
    dataType: "json",
    data: {columnId: cid, pageNum: 1, pageSize: 5, t: new Date().getTime()},
    success: function (res) { render(res.data.list); pager(res.data.pages); }
  });
});
"""

# -- 部门动态: TRS field names, string dates, stale --------------------------------------------
DEPT = [("区市场监管局开展食品安全检查", "2026-10-20 10:12:00"),
        ("区教育局部署秋季开学工作", "2026-09-01 08:00:00")]
DEPT_SCRIPT = """
var page = 1;
fetch('/api/trs/docs?channelid=88&page=' + page).then(function (r) { return r.json(); })
  .then(function (d) { draw(d.datas); });
"""


def dept_page() -> str:
    return json.dumps({"totalPage": 1, "datas": [
        {"DOCID": 500 + i, "DOCTITLE": t, "DOCPUBURL": f"/bmdt/202610/t20261020_{500 + i}.html",
         "DOCRELTIME": d} for i, (t, d) in enumerate(DEPT)]}, ensure_ascii=False)


# -- 政务咨询: $.post, epoch seconds ------------------------------------------------------------
MAIL_SCRIPT = """
var boxId = "3";
function loadMails(pageIndex) {
  $.post('/interact/consult/list', {pageIndex: pageIndex, pageSize: 10, boxId: boxId},
         function (res) { showMails(res.data.list); }, 'json');
}
loadMails(1);
"""
# (title, submitted, stateInfo, answerId, answered at, answering unit)
MAILS = [
    ("关于老旧小区加装电梯补贴的咨询", at(2026, 11, 2, 10), "已回复", 9001, at(2026, 11, 13, 16),
     "区住建局"),
    ("学区划分咨询", at(2026, 7, 15), "待回复", None, None, None),
    ("社保卡补办流程", at(2026, 11, 10), "已办结", 9003, at(2026, 11, 11), "区人社局"),
    # 2026-08-18 00:30 in China is 08-17 in UTC: exactly three months before the crawl date
    ("夜间施工噪声扰民", at(2026, 8, 18, 0, 30), "处理中", None, None, None),
]
NESTED = ("公交线路调整建议", at(2026, 11, 5), at(2026, 11, 6), "区交通运输局")


def mail_page() -> str:
    rows = []
    for n, (title, sub, state, answer_id, ans, unit) in enumerate(MAILS):
        row = {"id": f"ZX2026{n:04d}", "title": title, "dateline": int(sub.timestamp()),
               "stateInfo": state, "answerId": answer_id, "userName": "张某某",
               "content": "本人住在幸福小区3栋，电话13912345678"}
        if ans is not None:
            row.update(answerTime=int(ans.timestamp()), answerDept=unit)
        rows.append(row)
    title, sub, ans, unit = NESTED
    rows.append({"id": "ZX20269999", "title": title, "dateline": int(sub.timestamp()),
                 "answer": {"answerId": 9005, "dateline": int(ans.timestamp()),
                            "deptName": unit, "content": "已转公交公司研究。"}})
    return json.dumps({"success": True, "data": {"totalCount": len(rows), "pageSize": 10,
                                                 "list": rows}}, ensure_ascii=False)


def article(title: str, day: date) -> str:
    return doc(title, f"<h1>{title}</h1><div class='info'>发布时间：{day:%Y-%m-%d} 10:00</div>"
               f"<div id='zoom'><p>{title}。</p></div>")


def routes() -> dict[str, Route]:
    home_block = "".join(f'<li><a href="{news_url(i)}">{NEWS[i][0]}</a><span>11-16</span></li>'
                         for i in (1, 2))
    r = {
        "/": Route(doc("示例区人民政府", f'<div class="box"><h3>要闻</h3><ul>{home_block}</ul>'
                       '<a class="more" href="/xwdt/">更多</a></div>')),
        "/xwdt/": Route(shell("新闻动态", NEWS_SCRIPT)),
        "/bmdt/": Route(shell("部门动态", DEPT_SCRIPT)),
        "/tzgg/": Route(shell("通知公告", '$.getJSON("/api/notice/list.do?pageNo=1&pageSize=15",'
                              " function (r) { draw(r.rows); });")),
        "/sjkf/": Route(shell("数据开放", "$.ajax({url: '/api/open/list', success: draw});",
                              placeholder="暂无数据")),
        "/hdjl/zxzx/index.html": Route(shell("政务咨询", MAIL_SCRIPT, placeholder="暂无数据")),
        # plain HTML, really empty (its only script is the template's sidebar)
        "/zcjd/": Route(doc("政策解读", '<h2>政策解读</h2><ul class="list"><li class="nodata">'
                            "暂无信息</li></ul>", column="政策解读")),
        "/api/trs/docs": Route(dept_page(), content_type="application/json;charset=UTF-8"),
        # many CMSs serve their JSON as text/html
        "/api/notice/list.do": Route(json.dumps({"total": 0, "rows": []}),
                                     content_type="text/html;charset=UTF-8"),
        "/interact/consult/list": Route(mail_page(), content_type="application/json"),
        "/api/hot/list": Route(hot_list(), content_type="application/json"),
        "/js/jquery.min.js": Route("/* jQuery */", content_type="application/javascript"),
    }
    for i, (title, when, _top) in enumerate(NEWS):
        r[news_url(i)] = Route(article(title, when.date() if when else UNDATED_DAY))
    for i, (title, d) in enumerate(DEPT):
        r[f"/bmdt/202610/t20261020_{500 + i}.html"] = Route(article(title, date.fromisoformat(d[:10])))
    return r


def dynamic(method: str, raw: str) -> Route | None:
    parts = urlsplit(raw)
    if parts.path != "/api/cms/list" or method != "GET":
        return None
    q = parse_qs(parts.query)
    if q.get("columnId") != ["12"] or q.get("pageSize") != ["5"]:
        return Route(json.dumps({"code": 400, "msg": "参数错误"}), content_type="application/json")
    return Route(news_page(int(q["pageNum"][0])), content_type="application/json")


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    srv = serve_module(routes(), dynamic=dynamic)
    site = spec(srv.url("/"), name="示例区人民政府")
    tmp = tmp_path_factory.mktemp("jsonlists")
    crawled = run_crawl([site], tmp / "store.db", max_pages=100)
    system = tmp / "system.yaml"
    system.write_text(THRESHOLDS, encoding="utf-8")
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        run.started_at = datetime(2026, 11, 18, 9)
        summary = run_checks(s, run, registry=crawled.registry, system_path=system,
                             rules=[checks.columns.RULE, checks.mailbox.RULE])
        assert not summary.errors, summary.errors
    return {"crawled": crawled, "srv": srv, "site": site}


def _findings(world, rule: str) -> list[Finding]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        return list(s.scalars(select(Finding).where(
            Finding.run_id == crawled.result.run_id, Finding.rule == rule).order_by(Finding.url)))


def _columns(world) -> dict[str, Column]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        return {c.name: c for c in s.scalars(select(Column).where(
            Column.run_id == crawled.result.run_id))}


def _items(world, name: str) -> list[Item]:  # noqa: ANN001
    col = _columns(world)[name]
    with world["crawled"].sessions() as s:
        return list(s.scalars(select(Item).where(Item.column_id == col.id)
                              .order_by(Item.position)))


# -- crawl ---------------------------------------------------------------------------------
def test_crawl_fetches_and_stores_the_json_endpoints(world) -> None:  # noqa: ANN001
    crawled, srv = world["crawled"], world["srv"]
    pages = crawled.pages(world["site"].code)
    for n in (1, 2, 3):  # the list's later pages, from the answer's page count
        url = srv.url(f"/api/cms/list?columnId=12&pageNum={n}&pageSize=5")
        assert url in pages, sorted(pages)
        assert pages[url].content_type == "application/json"
        assert pages[url].referrer == srv.url("/xwdt/")
    assert srv.hits("/api/cms/list?columnId=12&pageNum=4&pageSize=5") == 0
    # POST: the form is sent in the body, the page is stored under URL + form fields
    assert ("POST", "/interact/consult/list") in srv.requests
    mail = srv.url("/interact/consult/list?pageIndex=1&pageSize=10&boxId=3")
    assert pages[mail].status == 200 and pages[mail].final_url == mail
    notice = pages[srv.url("/api/notice/list.do?pageNo=1&pageSize=15")]
    assert notice.content_type == "application/json"  # served as text/html, body is JSON
    # the 404 endpoint was asked for, but is neither stored nor counted as a site error
    assert srv.hits("/api/open/list") == 1 and srv.url("/api/open/list") not in pages
    assert srv.hits("/js/jquery.min.js") == 1 and srv.hits("/js/jquery.min.js", "POST") == 0
    rs = crawled.run_site(world["site"].code)
    assert rs.complete and rs.errors == 0 and rs.pages == len(pages) - 1  # the script is no page
    # rows' links are links of the JSON page, resolved against the list page, and crawled
    first = pages[srv.url("/api/cms/list?columnId=12&pageNum=1&pageSize=5")]
    targets = {link.target: link.anchor for link in crawled.links(world["site"].code)
               if link.page_id == first.id}
    assert targets == {srv.url(news_url(i)): NEWS[i][0] for i in range(5)}
    assert all(srv.url(news_url(i)) in pages for i in range(len(NEWS)))


# -- columns ---------------------------------------------------------------------------------
def test_json_column_items_and_update_date_in_china_time(world) -> None:  # noqa: ANN001
    cols = _columns(world)
    news = cols["新闻动态"]
    assert (news.kind, news.update_class, news.paging) == ("list", "news", "json")
    assert news.items == len(NEWS) and news.dated == len(NEWS)
    # 2026-11-04 00:30 CST: a UTC reading (11-03) would make the column one day too old
    assert (news.newest, news.newest_source) == (date(2026, 11, 4), "list")
    items = _items(world, "新闻动态")
    assert [i.title for i in items] == [t for t, _w, _p in NEWS]
    assert items[0].pinned and items[0].date == date(2025, 5, 1) and not items[1].pinned
    assert items[1].url == world["srv"].url(news_url(1))
    assert items[1].page_url == world["srv"].url("/xwdt/")
    assert [i.date for i in items[1:11]] == [(NEWS_NEWEST - timedelta(days=3 * k)).date()
                                             for k in range(10)]
    assert (items[-1].date, items[-1].date_source) == (UNDATED_DAY, "byline")
    dept = cols["部门动态"]
    assert (dept.kind, dept.items, dept.newest) == ("list", 2, date(2026, 10, 20))


def test_json_column_findings(world) -> None:  # noqa: ANN001
    stale = {f.detail["column"]: f for f in _findings(world, "column.stale")}
    assert set(stale) == {"部门动态"}  # 新闻动态 is exactly 14 days old: not stale
    assert stale["部门动态"].detail["newest"] == "2026-10-20"
    assert stale["部门动态"].detail["days"] == 29
    blank = {f.detail["column"]: f for f in _findings(world, "column.blank")}
    assert set(blank) == {"通知公告", "政策解读"}
    assert "接口未返回任何信息" in blank["通知公告"].message
    assert blank["政策解读"].detail["evidence"] == "页面仅显示“暂无信息”"  # the sidebar is no list
    cols = _columns(world)
    # its endpoint failed: its 暂无数据 (shown before the script runs) proves nothing
    assert cols["数据开放"].kind == "spa" and "未判断是否空白" in cols["数据开放"].note


# -- mailbox ---------------------------------------------------------------------------------
def test_json_mailbox_messages(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        msgs = {m.title: m for m in s.scalars(select(Message).where(
            Message.run_id == crawled.result.run_id))}
    assert set(msgs) == {m[0] for m in MAILS} | {NESTED[0]}
    m1 = msgs["关于老旧小区加装电梯补贴的咨询"]
    assert (m1.submitted, m1.replied, m1.status, m1.raw_status, m1.reply_unit) == (
        date(2026, 11, 2), date(2026, 11, 13), "answered", "已回复", "区住建局")
    assert m1.url is None and m1.board_url == world["srv"].url("/hdjl/zxzx/index.html")
    assert msgs["学区划分咨询"].status == "pending"
    assert msgs["夜间施工噪声扰民"].submitted == date(2026, 8, 18)
    nested = msgs[NESTED[0]]
    assert (nested.status, nested.replied, nested.reply_unit, nested.has_reply_text) == (
        "answered", date(2026, 11, 6), "区交通运输局", True)
    stored = repr([[getattr(m, c.name) for c in Message.__table__.columns] for m in msgs.values()])
    assert "张某某" not in stored and "13912345678" not in stored and "幸福小区" not in stored


def test_json_mailbox_findings(world) -> None:  # noqa: ANN001
    board = world["srv"].url("/hdjl/zxzx/index.html")
    unanswered = _findings(world, "mailbox.unanswered")
    # 08-18 00:30 CST is not before 2026-08-18 (three months before the crawl date)
    assert [(f.url, f.detail) for f in unanswered] == [
        (board, {"submitted": "2026-07-15", "status": "待回复", "days": 126})]
    assert "学区划分咨询" in unanswered[0].message
    slow = _findings(world, "mailbox.slow_reply")
    assert [f.detail for f in slow] == [{"submitted": "2026-11-02", "replied": "2026-11-13",
                                         "working_days": 9, "limit": 5}]
    # the page's own 暂无数据 (before its script ran) does not make the board look empty
    assert _findings(world, "mailbox.board_stale") == []
    assert _findings(world, "mailbox.fields_missing") == []


# -- units -----------------------------------------------------------------------------------
def test_epoch_dates_are_china_dates_whatever_the_machine_zone() -> None:
    late = at(2026, 11, 3, 23, 30)  # 15:30 UTC, but 11-04 east of UTC+8
    early = at(2026, 11, 4, 0, 30)  # still 11-03 in UTC
    old = os.environ.get("TZ")
    try:
        for zone in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Shanghai"):
            os.environ["TZ"] = zone
            time.tzset()
            assert epoch_date(int(late.timestamp())) == date(2026, 11, 3), zone
            assert epoch_date(int(late.timestamp() * 1000)) == date(2026, 11, 3), zone
            assert epoch_date(int(early.timestamp())) == date(2026, 11, 4), zone
            assert epoch_date(str(int(early.timestamp() * 1000))) == date(2026, 11, 4), zone
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
    assert epoch_date(1_700_000_000.5) == date(2023, 11, 15)
    for bad in (0, -5, True, None, "abc", "12", 10 ** 20, 4_102_444_800 * 1000 * 10):
        assert epoch_date(bad) is None, bad


def test_json_date_strings() -> None:
    assert value_date("/Date(1793723400000)/") == date(2026, 11, 4)  # 2026-11-03 16:30 UTC
    assert value_date("2026-11-03T16:30:00Z") == date(2026, 11, 4)
    assert value_date("2026-11-03T16:30:00.000+0000") == date(2026, 11, 4)
    assert value_date("2026-11-04T00:30:00+08:00") == date(2026, 11, 4)
    assert value_date("2026-11-03 23:30") == date(2026, 11, 3)  # as written: China time
    assert value_date("2024年3月7日") == date(2024, 3, 7)
    assert value_date("2024.09.30 09:24:36 GMT+08:00") == date(2024, 9, 30)
    assert value_date("1793723400") == date(2026, 11, 4)
    assert value_date("") is None and value_date("暂无") is None and value_date(False) is None


def test_discover_endpoint_forms() -> None:
    page = """<script type="text/xml"><datastore>$.getJSON("/in/xml")</datastore></script>
<script>var ajaxParam = {col:1,appid:1}; $.getJSON("/api/first");</script>
<script src="/js/list.js"></script>
<script type="text/html" id="tpl"><li>{{ $.get("/api/template") }}</li></script>
<script type='text/javascript'>
var boxId = "3"; var params = {pageIndex: 1, pageSize: 10, boxId: boxId};
// $.ajax({url: "/old/api"})
$.ajax({url: "/api/a", type: "POST", data: params});
$.ajax({url: ctx + "/api/unknown-prefix"});
fetch(`/api/b?pageNo=${pn}&c=${boxId}`);
axios.get('/api/c', {params: {current: 2, cat: 'x'}});
jQuery.get("https://other.example.cn/api/list");
$.get("/visit/count.do?id=5"); $.get("/inc/header.html"); $.get("/module/web/jpage/dataproxy.jsp");
</script>"""
    got = {(e.url, e.method, e.form) for e in discover(page, "http://h.gov.cn/x/index.html")}
    assert got == {
        ("http://h.gov.cn/api/first", "GET", ()),
        ("http://h.gov.cn/api/a?pageIndex=1&pageSize=10&boxId=3", "POST",
         ("pageIndex", "pageSize", "boxId")),
        ("http://h.gov.cn/api/b?pageNo=1&c=3", "GET", ()),
        ("http://h.gov.cn/api/c?current=2&cat=x", "GET", ()),
        ("https://other.example.cn/api/list", "GET", ()),  # the spider drops other sites
    }
    post = Endpoint("http://h.gov.cn/api/a?s=1&pageIndex=2", "POST", ("pageIndex",))
    assert post.request_target() == ("http://h.gov.cn/api/a?s=1", "pageIndex=2")
    assert discover("<p>$.ajax({url: '/api/x'})</p>", "http://h.gov.cn/") == []  # not a script


def test_answers_and_bounded_paging() -> None:
    assert parse_json_text('jQuery1124({"rows": []});') == {"rows": []}  # JSONP
    assert parse_json_text("<html>登录</html>") is None
    empty = list_info({"total": 0, "rows": []})
    assert empty.rows == [] and empty.total_records == 0
    # objects without titles: unknown (not an empty list), even beside an empty array
    assert list_info({"data": [{"id": 1, "xm": "x"}], "top": []}).rows is None
    spring = list_info({"content": [{"docTitle": "甲"}], "totalElements": 23, "size": 10})
    ep = Endpoint("http://h.gov.cn/api/l?page=0&size=10")
    assert [e.url for e in later_pages(ep, spring)] == [  # 0-based: pages 0, 1, 2
        "http://h.gov.cn/api/l?page=1&size=10", "http://h.gov.cn/api/l?page=2&size=10"]
    absurd = list_info({"totalCount": 10 ** 9, "list": [{"title": "甲"}] * 20})
    pages = later_pages(Endpoint("http://h.gov.cn/api/l?pageIndex=1"), absurd)
    assert len(pages) == MAX_PAGES - 1 and pages[-1].url.endswith(f"pageIndex={MAX_PAGES}")
    assert later_pages(Endpoint("http://h.gov.cn/api/l"), absurd) == []  # no page parameter
