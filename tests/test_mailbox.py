"""Citizen mailboxes end to end: real boards on loopback servers → crawl → store → checks.

One crawl serves seven sites (a paged table board with every status wording, a jact board
in an iframe with ``startrecord`` paging, a dl/dd board with a survey column, a site with
only 信访 / 纪检举报, a site too big for the page budget, a broken 政务咨询 link, and a board
named by a registry hint). The crawl date is fixed by setting the run's ``started_at``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

import checks.mailbox
import checks.mailbox_channel
import checks.survey
from checks.runner import run_checks
from govmon.commands.mailbox import stats_table
from govmon.demo.server import Route
from store.models import CheckRun, Finding, MailboxStats, Message, Page, Run
from tests.conftest import html, run_crawl, spec

AS_OF = date(2026, 1, 20)
RULES = [checks.mailbox.RULE, checks.mailbox_channel.RULE, checks.survey.RULE]
THRESHOLDS = """\
thresholds:
  mailbox:
    unanswered: 3m
    window: 1y
    reply_working_days: 5
    board_stale: 2m
  survey:
    window: 1y
    bonus_count: 6
"""
CITIZEN = "张某某"
PHONE = "13912345678"
BODY = "本人住在幸福小区3栋"


def page(title: str, body: str) -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='header'><a href='/'>首页</a></div>"
            f"<div class='main'><div class='content'>{body}</div></div>"
            f"<div class='footer'><div class='info'><p>主办：示例市人民政府办公室</p>"
            f"<p>联系电话：0871-1234567</p></div></div></body></html>")


# -- site A: 领导信箱 (TRS), table with a header row, three pages paged by a script ----------
# (id, title, list status, submitted, replied, replying unit)
A_MESSAGES = [
    [("a1", "咨询城区停车收费标准", "已回复", "2026-01-12", "2026-01-14", "市发展改革委"),
     ("a2", "关于学区划分的咨询", "待回复", "2026-01-15", None, None),
     ("a3", "老旧小区改造进度", "已答复", "2025-12-01", "2025年12月5日", "市住建局"),
     ("a4", "公积金贷款额度", "已办结", "2025-11-03", "2025-11-17", "市公积金中心"),
     ("a5", "供暖费补贴咨询", "处理中", "2025-12-20", None, None),
     ("a6", "公交线路调整建议", "已处理", "2025-10-21", "2025-10-24", "")],
    [("a7", "国庆期间景区门票", "已解决", "2025-10-09", "2025-10-16", "市文旅局"),
     ("a8", "国庆假期医保报销", "办结", "2025-09-30", "2025-10-10", "市医保局"),
     ("a9", "调休期间办证", "已办理", "2025-09-26", "2025-10-09", "市公安局"),
     ("a10", "道路积水问题", "未回复", "2025-10-21", None, None),
     ("a11", "路灯损坏报修", "待处理", "2025-10-20", None, None)],
    [("a12", "噪声扰民投诉", "未办结", "2025-10-19", None, None),
     ("a13", "违建举报处理", "办理中", "2025-08-01", None, None),
     ("a14", "低保申请咨询", "受理", "2025-06-10", None, None),
     ("a15", "户籍迁移咨询", "已受理", "2025-03-03", None, None),
     ("a16", "旧案咨询", "处理中", "2024-12-01", None, None)],
]
A_STATUS = {"a1": "answered", "a3": "answered", "a4": "answered", "a6": "answered",
            "a7": "answered", "a8": "answered", "a9": "answered", "a2": "pending",
            "a5": "pending", "a10": "pending", "a11": "pending", "a12": "pending",
            "a13": "pending", "a14": "pending", "a15": "pending", "a16": "pending"}


def _a_list(k: int) -> str:
    rows = "".join(
        f"<tr><td>{n}</td><td><a href='/ldxx/202601/t{mid}.html' target='_blank'>{title}</a>"
        f"</td><td>张**</td><td>{status}</td><td>{sub}</td></tr>"
        for n, (mid, title, status, sub, _r, _u) in enumerate(A_MESSAGES[k], start=1))
    # TRS: the pager is written by a script, no <a> leads to the later pages
    pager = f"<div class='page'><script>createPageHTML(3, {k}, \"index\", \"html\");</script></div>"
    return page("领导信箱", "<table class='list'><thead><tr><th>序号</th><th>信件标题</th>"
                "<th>来信人</th><th>办理状态</th><th>留言时间</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>{pager}")


def _a_detail(title: str, status: str, sub: str, replied: str | None, unit: str | None) -> str:
    reply = "您好，您反映的问题已转相关部门核实处理。" if replied else "暂无"
    return page(f"{title}-领导信箱", f"""
<div class='letter'><h1>{title}</h1>
<table class='info'>
<tr><th>来信人</th><td>{CITIZEN}</td><th>联系电话</th><td>{PHONE}</td></tr>
<tr><th>留言时间</th><td>{sub} 10:17</td><th>办理状态</th><td>{status}</td></tr>
<tr><th>来信内容</th><td colspan='3'><p>{BODY}，希望尽快回复：谢谢</p></td></tr>
</table>
<div class='reply'><table>
<tr><th>答复单位</th><td>{unit or ''}</td><th>答复时间</th><td>{replied or ''}</td></tr>
<tr><th>答复内容</th><td colspan='3'><p>{reply}</p></td></tr>
</table></div></div>""")


def site_a_routes() -> dict[str, Route]:
    routes = {"/": Route(page("甲市人民政府", "<div class='nav'><a href='/'>首页</a>"
                              "<a href='/ldxx/index.html'>领导信箱</a></div>"
                              "<ul><li><a href='/ldxx/index.html'>给市长写信</a></li></ul>"))}
    for k, name in enumerate(["index.html", "index_1.html", "index_2.html"]):
        routes[f"/ldxx/{name}"] = Route(_a_list(k))
    for rows in A_MESSAGES:
        for mid, title, status, sub, replied, unit in rows:
            routes[f"/ldxx/202601/t{mid}.html"] = Route(_a_detail(title, status, sub, replied,
                                                                  unit))
    return routes


# -- site B: jact 市长信箱 in an iframe, tr.tr_css rows, startrecord paging; an empty 12345 ---
B_PAGES = [
    [("101", "道路维修问题", "已回复", "2026-01-08", "2026-01-09 16:00:00"),
     ("102", "出租车拒载投诉", "办理中", "2026-01-05", None),
     ("103", "小区电梯维修", "已回复", "2025-12-10", "2025-12-12 10:00:00")],
    [("104", "农民工工资拖欠", "办理中", "2025-10-01", None),
     ("105", "学校周边交通", "已回复", "2025-09-15", "2025-09-19 09:30:00")],
]
JACT = "/jact/front/dataproxy_mailnewlist.action"


def _b_list(k: int) -> str:
    rows = "".join(
        f"<tr class='tr_css'><td>TS20260{tid}</td><td><a href='/jact/front/mailpubdetail.do?"
        f"transactId={tid}&amp;sysid=6' target='_blank'>{title}</a></td><td>{status}</td>"
        f"<td>{sub}</td><td>市交通运输局</td></tr>"
        for tid, title, status, sub, _r in B_PAGES[k])
    nav = (f"<a href='{JACT}?startrecord=20&amp;endrecord=38&amp;perpage=19&amp;sysid=6'>"
           "下一页</a>" if k == 0 else
           f"<a href='{JACT}?startrecord=1&amp;endrecord=19&amp;perpage=19&amp;sysid=6'>上一页</a>")
    return ("<html><head><meta charset='utf-8'></head><body>"
            "<table class='title_table'><tr class='tr_title'><td>编号</td><td>标题</td>"
            "<td>处理情况</td><td>提交时间</td><td>提交部门</td></tr></table>"
            f"<table class='list_table'>{rows}</table><div class='page'>{nav}</div></body></html>")


def _b_detail(title: str, status: str, sub: str, replied: str | None) -> str:
    return ("<html><head><meta charset='utf-8'><title>信件详情</title></head><body>"
            "<div class='main'><table class='detail'>"
            f"<tr><td class='label'>信件标题：</td><td>{title}</td></tr>"
            f"<tr><td class='label'>写信人：</td><td>{CITIZEN}</td></tr>"
            f"<tr><td class='label'>写信时间：</td><td>{sub} 09:12:33</td></tr>"
            f"<tr><td class='label'>信件内容：</td><td>{BODY}</td></tr>"
            f"<tr><td class='label'>处理情况：</td><td>{status}</td></tr>"
            + (f"<tr><td class='label'>回复单位：</td><td>市交通运输局</td></tr>"
               f"<tr><td class='label'>回复时间：</td><td>{replied}</td></tr>"
               "<tr><td class='label'>回复内容：</td><td>您好，已安排处理。</td></tr>"
               if replied else "")
            + "</table></div><div class='foot'><p>版权所有：乙市人民政府</p></div></body></html>")


def site_b_routes() -> dict[str, Route]:
    first = f"{JACT}?startrecord=1&endrecord=19&perpage=19&sysid=6"
    routes = {
        "/": Route(page("乙市人民政府", "<a href='/jact/front/mailpublist.do?sysid=6'>市长信箱</a>"
                        " <a href='/12345/index.html'>12345热线</a>")),
        "/jact/front/mailpublist.do?sysid=6": Route(page(
            "市长信箱", f"<iframe src='{first.replace('&', '&amp;')}' width='100%'></iframe>")),
        first: Route(_b_list(0)),
        f"{JACT}?startrecord=20&endrecord=38&perpage=19&sysid=6": Route(_b_list(1)),
        "/12345/index.html": Route(page("12345热线", "<ul class='list'></ul>"
                                        "<div class='nodata'>暂无数据</div>")),
    }
    for rows in B_PAGES:
        for tid, title, status, sub, replied in rows:
            routes[f"/jact/front/mailpubdetail.do?transactId={tid}&sysid=6"] = Route(
                _b_detail(title, status, sub, replied))
    return routes


# -- site C: 在线咨询 as dl/dd blocks, a 网上调查 column, a 信访 link -----------------------
C_MESSAGES = [("201", "社保卡补办流程", "已回复", "2026-01-06", "2026-01-07"),
              ("202", "营业执照办理", "待回复", "2025-09-01", None),
              ("203", "出口退税咨询", "已回复", "2027-02-01", "2027-02-10")]
C_SURVEYS = [("2026年民生实事项目征集", "2025-12-01 至 2025-12-31"),
             ("全市营商环境问卷调查", "2025-06-10 至 2025-07-10"),
             ("公交线网优化意见征集", "2025-03-01 至 2025-03-15"),
             ("2024年政府工作报告建议征集", "2024-11-01 至 2024-11-30")]


def site_c_routes() -> dict[str, Route]:
    dls = "".join(
        f"<dl><dt><a href='/zxzx/content_{mid}.html'>{title}</a></dt>"
        f"<dd><span>咨询时间：</span><span>{sub}</span>"
        + (f"<span>回复时间：</span><span>{rep}</span>" if rep else "") + "</dd>"
        f"<dd>状态：{status}</dd></dl>"
        for mid, title, status, sub, rep in C_MESSAGES)
    routes = {
        "/": Route(page("丙县人民政府", "<ul class='nav'><li><a href='/zxzx/list.html'>在线咨询</a>"
                        "</li><li><a href='/wsdc/index.html'>网上调查</a></li>"
                        "<li><a href='/xf/index.html'>网上信访</a></li></ul>")),
        "/zxzx/list.html": Route(page("在线咨询", f"<div class='zx-list'>{dls}</div>")),
        "/xf/index.html": Route(page("网上信访", "<p>请登录省信访平台</p>")),
        "/wsdc/index.html": Route(page("网上调查", "<ul class='dc-list'>" + "".join(
            f"<li><a href='/wsdc/dc{i}.html'>{t}</a><span>征集时间：{d}</span></li>"
            for i, (t, d) in enumerate(C_SURVEYS)) + "</ul>")),
    }
    for i, (t, _d) in enumerate(C_SURVEYS):
        routes[f"/wsdc/dc{i}.html"] = Route(page(t, "<form><input name='q'></form>"))
    for mid, title, _status, sub, rep in C_MESSAGES:
        routes[f"/zxzx/content_{mid}.html"] = Route(page(title, (
            f"<h2>{title}</h2><p>咨询时间：{sub}</p><p>咨询内容：{BODY}</p>"
            + (f"<p>回复部门：县政务服务中心</p><p>回复时间：{rep}</p>"
               "<div class='answer'><h3>回复内容：</h3><p>已在系统中办理。</p></div>" if rep else
               "<p>状态：待回复</p>"))))
    return routes


# -- sites D (only 信访 / 纪检), E (too big), F (broken 政务咨询), G (registry hint) -----------
def site_d_routes() -> dict[str, Route]:
    return {"/": Route(page("丁区人民政府", "<a href='/xfxx/index.html'>网上信访</a> "
                            "<a href='/jjjc/index.html'>纪检监察举报</a>")),
            "/xfxx/index.html": Route(page("网上信访", "<p>信访须知</p>")),
            "/jjjc/index.html": Route(page("纪检监察举报", "<p>举报须知</p>"))}


def site_e_routes() -> dict[str, Route]:
    routes = {"/": Route(html("戊镇人民政府", [f"/n{i}.html" for i in range(30)]))}
    routes.update({f"/n{i}.html": Route(html(f"新闻{i}")) for i in range(30)})
    return routes


def site_f_routes() -> dict[str, Route]:
    return {"/": Route(page("己县人民政府", "<a href='/zwzx/index.html'>政务咨询</a>"))}


G_ROWS = [("g1", "燃气费异常", "[待处理]", "2025-08-15"),
          ("g2", "小区绿化", "[已处理]", "2025-11-10")]


def site_g_routes() -> dict[str, Route]:
    lis = "".join(f"<li><a href='/hd/{gid}.html'>{t}</a><span class='zt'>{s}</span>"
                  f"<span class='date'>{d}</span></li>" for gid, t, s, d in G_ROWS)
    return {
        "/": Route(page("庚县人民政府", "<a href='/hd/list.html'>百姓直通车</a> "
                        "<a href='/other/index.html'>信箱</a>")),
        "/hd/list.html": Route(page("百姓直通车", f"<ul class='msg'>{lis}</ul>")),
        "/hd/g1.html": Route(page("燃气费异常", "<p>留言时间：2025-08-15</p><p>答复内容：暂无</p>")),
        "/hd/g2.html": Route(page("小区绿化", "<p>留言时间：2025-11-10</p><p>答复时间：2025-11-12</p>"
                                  "<p>答复单位：县园林绿化局</p><p>答复内容：已安排补种。</p>")),
        "/other/index.html": Route(page("信箱", "<ul><li><a href='/other/x.html'>旧信件</a>"
                                        "<span>未回复</span><span>2025-05-05</span></li></ul>")),
        "/other/x.html": Route(page("旧信件", "<p>留言时间：2025-05-05</p>")),
    }


@pytest.fixture(scope="module")
def world(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    servers = {key: serve_module(routes()) for key, routes in (
        ("A", site_a_routes), ("B", site_b_routes), ("C", site_c_routes),
        ("D", site_d_routes), ("E", site_e_routes), ("F", site_f_routes),
        ("G", site_g_routes))}
    specs = {key: spec(srv.url("/"), name=f"测试{key}") for key, srv in servers.items()}
    specs["G"].hints = {"mailbox": servers["G"].url("/hd/list.html")}
    tmp = tmp_path_factory.mktemp("mailbox")
    crawled = run_crawl(list(specs.values()), tmp / "store.db", max_pages=25)
    system = tmp / "system.yaml"
    system.write_text(THRESHOLDS, encoding="utf-8")
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        run.started_at = datetime.combine(AS_OF, datetime.min.time().replace(hour=9))
        summary = run_checks(s, run, registry=crawled.registry, system_path=system,
                             rules=RULES)
    return {"crawled": crawled, "servers": servers, "specs": specs, "system": system,
            "summary": summary}


def _findings(world, key: str, rule: str | None = None) -> list[Finding]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        q = select(Finding).where(Finding.run_id == crawled.result.run_id,
                                  Finding.site_id == crawled.site_id(world["specs"][key].code))
        if rule:
            q = q.where(Finding.rule == rule)
        return list(s.scalars(q.order_by(Finding.url)))


def _messages(world, key: str) -> dict[str, Message]:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        rows = s.scalars(select(Message).where(
            Message.run_id == crawled.result.run_id,
            Message.site_id == crawled.site_id(world["specs"][key].code)))
        return {m.title: m for m in rows}


def _a_title(mid: str) -> str:
    return next(t for rows in A_MESSAGES for m, t, *_ in rows if m == mid)


def test_crawl_reaches_later_pages_of_boards(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    assert world["summary"].errors == []
    a_pages = crawled.pages(world["specs"]["A"].code)
    base_a = world["servers"]["A"].url("")
    assert {f"{base_a}/ldxx/index_1.html", f"{base_a}/ldxx/index_2.html"} <= set(a_pages)
    b_pages = crawled.pages(world["specs"]["B"].code)
    base_b = world["servers"]["B"].url("")
    assert f"{base_b}{JACT}?startrecord=20&endrecord=38&perpage=19&sysid=6" in b_pages
    # messages listed only on the last pages were read
    assert {"户籍迁移咨询", "旧案咨询"} <= set(_messages(world, "A"))
    assert "农民工工资拖欠" in _messages(world, "B")


def test_every_status_wording_is_normalised(world) -> None:  # noqa: ANN001
    msgs = _messages(world, "A")
    assert len(msgs) == 16
    got = {mid: msgs[_a_title(mid)].status for mid in A_STATUS}
    assert got == A_STATUS
    raw = {msgs[_a_title(mid)].raw_status for mid in A_STATUS}
    assert raw == {"已回复", "已答复", "已办结", "已处理", "办结", "已办理", "已解决",
                   "未回复", "待回复", "待处理", "未办结", "办理中", "处理中", "受理", "已受理"}
    a3 = msgs["老旧小区改造进度"]  # reply date written 2025年12月5日 on the detail page
    assert (a3.submitted, a3.replied, a3.reply_unit) == (date(2025, 12, 1), date(2025, 12, 5),
                                                         "市住建局")
    assert a3.has_reply_text is True and a3.detail_seen is True


def test_unanswered_just_over_three_months_only(world) -> None:  # noqa: ANN001
    found = {f.detail["submitted"]: f for f in _findings(world, "A", "mailbox.unanswered")}
    # 2025-10-19 is one day more than 3 months before 2026-01-20; 10-20 and 10-21 are not;
    # 2024-12-01 is outside the one-year window.
    assert set(found) == {"2025-10-19", "2025-08-01", "2025-06-10", "2025-03-03"}
    f = found["2025-10-19"]
    assert f.detail == {"submitted": "2025-10-19", "status": "未办结", "days": 93}
    assert f.severity == "veto"
    assert f.url.endswith("/ldxx/202601/ta12.html") and f.source.endswith("/ldxx/index.html")
    assert "噪声扰民投诉" in f.message and "93 天未答复" in f.message


def test_slow_replies_in_official_working_days(world) -> None:  # noqa: ANN001
    slow = {f.detail["submitted"]: f.detail for f in _findings(world, "A", "mailbox.slow_reply")}
    assert slow == {
        # 10-09 → 10-16 includes the make-up Saturday 2025-10-11: 6 working days
        "2025-10-09": {"submitted": "2025-10-09", "replied": "2025-10-16", "working_days": 6,
                       "limit": 5},
        "2025-11-03": {"submitted": "2025-11-03", "replied": "2025-11-17", "working_days": 10,
                       "limit": 5},
    }
    msgs = _messages(world, "A")
    # 国庆 2025-10-01..08 is not counted; the make-up Sunday 2025-09-28 is
    assert msgs["国庆假期医保报销"].working_days == 2
    assert msgs["调休期间办证"].working_days == 4


def test_fields_missing_and_stats(world) -> None:  # noqa: ANN001
    missing = _findings(world, "A", "mailbox.fields_missing")
    assert [(f.detail, f.url.rsplit("/", 1)[1]) for f in missing] == [
        ({"missing": ["答复单位"]}, "ta6.html")]
    crawled = world["crawled"]
    with crawled.sessions() as s:
        st = s.scalars(select(MailboxStats).where(
            MailboxStats.run_id == crawled.result.run_id,
            MailboxStats.site_id == crawled.site_id(world["specs"]["A"].code))).one()
    assert (st.boards, st.messages, st.in_window, st.answered, st.unanswered) == (1, 16, 15, 7, 8)
    assert st.reply_rate == round(7 / 15, 4)
    assert (st.median_working_days, st.p90_working_days) == (4.0, 10.0)
    assert st.oldest_unanswered == date(2025, 3, 3)
    assert st.oldest_unanswered_url.endswith("/ldxx/202601/ta15.html")
    assert st.calendar_fallback is False


def test_jact_board_in_iframe(world) -> None:  # noqa: ANN001
    msgs = _messages(world, "B")
    assert set(msgs) == {t for rows in B_PAGES for _i, t, *_ in rows}
    m = msgs["道路维修问题"]
    assert (m.submitted, m.replied, m.reply_unit, m.status) == (
        date(2026, 1, 8), date(2026, 1, 9), "市交通运输局", "answered")
    assert [f.detail for f in _findings(world, "B", "mailbox.unanswered")] == [
        {"submitted": "2025-10-01", "status": "办理中", "days": 111}]
    stale = _findings(world, "B", "mailbox.board_stale")  # the empty 12345 board
    assert [(f.url.rsplit("/", 2)[-2], f.detail) for f in stale] == [("12345", {"newest": None})]


def test_dl_board_survey_and_petition(world) -> None:  # noqa: ANN001
    msgs = _messages(world, "C")
    assert msgs["社保卡补办流程"].replied == date(2026, 1, 7)
    assert msgs["社保卡补办流程"].reply_unit == "县政务服务中心"
    assert [f.detail for f in _findings(world, "C", "mailbox.unanswered")] == [
        {"submitted": "2025-09-01", "status": "待回复", "days": 141}]
    assert _findings(world, "C", "mailbox.slow_reply") == []  # the 2027 reply is in the future
    assert _findings(world, "C", "mailbox.missing") == []
    # three surveys in the year: active (fewer than B7's six is scoring's business)
    assert _findings(world, "C", "survey.inactive") == []
    with world["crawled"].sessions() as s:
        st = s.scalars(select(MailboxStats).where(MailboxStats.site_id == world["crawled"].site_id(
            world["specs"]["C"].code))).one()
        assert st.surveys == 3


def test_missing_channel_needs_a_complete_crawl(world) -> None:  # noqa: ANN001
    d = _findings(world, "D", "mailbox.missing")
    assert len(d) == 1 and d[0].detail == {} and "信访" in d[0].message
    assert d[0].url == world["specs"]["D"].url
    assert [f.detail for f in _findings(world, "D", "survey.inactive")] == [
        {"newest": None, "count": 0}]
    with world["crawled"].sessions() as s:
        st = s.scalars(select(MailboxStats).where(MailboxStats.site_id == world["crawled"].site_id(
            world["specs"]["D"].code))).one()
        assert (st.boards, st.messages) == (0, 0) and st.detail["notes"] == ["未发现政务咨询栏目"]
        assert {x["kind"] for x in st.detail["excluded"]} == {"petition", "discipline"}
    f = _findings(world, "F", "mailbox.missing")
    assert len(f) == 1 and "无法访问" in f[0].message
    # E ran out of page budget: absence is unknown, the rule was skipped and said so
    crawled = world["crawled"]
    assert crawled.run_site(world["specs"]["E"].code).complete is False
    assert _findings(world, "E") == []
    with crawled.sessions() as s:
        runs = {c.module: c for c in s.scalars(select(CheckRun).where(
            CheckRun.run_id == crawled.result.run_id,
            CheckRun.site_id == crawled.site_id(world["specs"]["E"].code)))}
    assert runs["mailbox_channel"].status == "skipped" and "不完整" in runs["mailbox_channel"].reason
    assert runs["mailbox"].status == "ran"
    for key in ("A", "B", "C", "G"):
        assert _findings(world, key, "mailbox.missing") == []


def test_registry_hint_overrides_discovery(world) -> None:  # noqa: ANN001
    msgs = _messages(world, "G")
    assert set(msgs) == {"燃气费异常", "小区绿化"}  # the board behind the "信箱" link is ignored
    assert [f.detail for f in _findings(world, "G", "mailbox.unanswered")] == [
        {"submitted": "2025-08-15", "status": "待处理", "days": 158}]
    assert [f.detail for f in _findings(world, "G", "mailbox.board_stale")] == [
        {"newest": "2025-11-12"}]


def test_no_bodies_or_citizen_data_stored(world) -> None:  # noqa: ANN001
    crawled = world["crawled"]
    with crawled.sessions() as s:
        blobs = [repr([getattr(m, c.name) for c in Message.__table__.columns])
                 for m in s.scalars(select(Message))]
        blobs += [repr(st.detail) for st in s.scalars(select(MailboxStats))]
        blobs += [f.message + repr(f.detail) for f in s.scalars(select(Finding))]
        # the crawl did store the page (the snapshot is the crawl's evidence, not ours)
        assert s.scalar(select(Page).where(Page.url.like("%/ldxx/202601/ta12.html"))) is not None
    text = "\n".join(blobs)
    assert blobs and CITIZEN not in text and PHONE not in text and BODY not in text


def test_calendar_fallback_for_uncovered_year(world) -> None:  # noqa: ANN001
    """Re-check the same crawl as of 2027-03-15: 2027 is not in the installed calendar."""
    crawled = world["crawled"]
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        run.started_at = datetime(2027, 3, 15, 9)
        run_checks(s, run, registry=crawled.registry, system_path=world["system"],
                   rules=RULES)
    try:
        slow = _findings(world, "C", "mailbox.slow_reply")
        assert [f.detail for f in slow] == [{"submitted": "2027-02-01", "replied": "2027-02-10",
                                             "working_days": 7, "limit": 5}]
        assert "2027年的法定节假日安排未收录" in slow[0].message
        with crawled.sessions() as s:
            st = s.scalars(select(MailboxStats).where(
                MailboxStats.run_id == crawled.result.run_id,
                MailboxStats.site_id == crawled.site_id(world["specs"]["C"].code))).one()
            assert st.calendar_fallback is True and "按周一至周五" in st.detail["notes"][0]
    finally:
        with crawled.sessions.begin() as s:
            run = s.get(Run, crawled.result.run_id)
            run.started_at = datetime.combine(AS_OF, datetime.min.time().replace(hour=9))
            run_checks(s, run, registry=crawled.registry, system_path=world["system"],
                       rules=RULES)


def test_mailbox_command_prints_statistics(world, tmp_path: Path, capsys,  # noqa: ANN001
                                           monkeypatch) -> None:  # noqa: ANN001
    import govmon.commands.mailbox as command
    from derive.read import site_stats
    from govmon.cli import main

    monkeypatch.setattr(command, "console", Console(width=300))
    crawled = world["crawled"]
    code = main(["-w", str(tmp_path), "--db", crawled.db, "mailbox"])
    out = capsys.readouterr().out
    assert code == 0 and "政务咨询留言统计" in out
    with crawled.sessions() as s:
        rows = site_stats(s, crawled.result.run_id)
    console = Console(record=True, width=250)
    console.print(stats_table(rows, crawled.result.run_id))
    table = console.export_text()
    a_line = next(line for line in table.splitlines() if world["specs"]["A"].code in line)
    for cell in ("16", "15", "47%", "2025-03-03"):
        assert cell in a_line
    code = main(["-w", str(tmp_path), "--db", crawled.db, "mailbox", "--site",
                 world["specs"]["B"].code])
    out = capsys.readouterr().out
    assert code == 0 and "农民工工资拖欠" in out
    assert main(["-w", str(tmp_path), "--db", crawled.db, "mailbox", "--run", "999"]) == 2
