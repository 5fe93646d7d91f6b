"""Early warnings (预警) come before the vetoes they announce, never change a score, are
shown first everywhere, and reach the site's contacts by e-mail (a real SMTP server).

One loopback site (a 局) is crawled twice. Night 1, as of today: its homepage and its 工作
动态 column are 12 days old (veto at 14), four 动态 / first-level 通知公告 · 政策文件 columns
are stale (veto at five), three columns are blank (veto at five), a 局长信箱 letter is
about 2.9 months unanswered (veto at three months) and 1 of 30 real homepage probes
failed (3.3 %, veto at 5 %). Night 2, four days later: two more columns went blank and
one more probe failed — every warning has become its veto.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from rich.console import Console
from sqlalchemy import delete, select

import checks.availability
import checks.columns
import checks.columns_counts
import checks.mailbox
import checks.warnings
from checks.runner import run_checks
from crawler.netguard import Guard
from crawler.probe import probe_all
from govmon.demo.pages import Message, fd, mailbox_board, mailbox_detail
from govmon.demo.server import Route
from govmon.mail import MailError, as_message, connect, deliver, flush
from indicators.durations import Duration
from indicators.system import load_system
from reports.digest import build
from scoring.engine import score_run, score_site
from settings.config import MailSettings
from settings.site import Contact
from store.models import Finding, MailLog, Probe, Run, Scorecard
from tests.conftest import next_address, run_crawl, spec
from tests.smtp_server import self_signed, smtp_server

TODAY = date.today()
LATER = TODAY + timedelta(days=4)
MODULES = [checks.availability, checks.columns, checks.columns_counts, checks.mailbox,
           checks.warnings]
# name, path, newest item's age in days (None: blank), class the name gives
COLUMNS = [("工作动态", "/gzdt/", 12), ("基层动态", "/jcdt/", 30), ("媒体关注", "/mtgz/", 40),
           ("通知公告", "/tzgg/", 200), ("政策文件", "/zcwj/", 250), ("规划计划", "/ghjh/", None),
           ("人事信息", "/rsxx/", None), ("财政资金", "/czzj/", None), ("统计信息", "/tjxx/", 20),
           ("建议提案", "/jyta/", 25)]
NAV = "".join(f'<a href="{path}">{name}</a> ' for name, path, _ in COLUMNS)
PENDING = Duration(3, "m").before(LATER) - timedelta(days=1)  # unanswered: veto on night 2


def page(title: str, main: str, crumb: str = "") -> str:
    where = f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <span>{crumb}</span></div>' \
        if crumb else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> {NAV}<a href="/hdjl/jzxx/">局长信箱</a></div>'
            f'{where}<div class="main">{main}</div><div class="footer">主办单位：示例市审计局'
            "</div></body></html>")


def rows(path: str, age: int, n: int = 5) -> str:
    items = [(TODAY - timedelta(days=age + 3 * i)) for i in range(n)]
    return "".join(f'<li><a href="{path}art_{i}.html">{path.strip("/")}第{i}号信息</a>'
                   f"<span>{fd(day)}</span></li>" for i, day in enumerate(items))


def routes() -> dict[str, Route]:
    out = {"/": Route(page("示例市审计局", f'<div class="box"><h3>工作动态</h3><a class="more" '
                                           f'href="/gzdt/">更多</a><ul>{rows("/gzdt/", 12)}</ul></div>'))}
    for name, path, age in COLUMNS:
        main = "<p>暂无信息</p>" if age is None else f'<ul class="list">{rows(path, age)}</ul>'
        out[path] = Route(page(name, f"<h2>{name}</h2>{main}", name))
        for i in range(5):
            out[f"{path}art_{i}.html"] = Route(page(f"{name}{i}", f"<p>{name}正文。</p>", name))
    letters = [Message(no="JZ1", title="关于审计结果公开的咨询", unit="示例市审计局", question="请问？",
                       answer=None, submitted=PENDING, replied=None, status="未回复",
                       path="/hdjl/jzxx/detail.html?id=1"),
               Message(no="JZ2", title="关于审计报告查询的咨询", unit="示例市审计局", question="请问？",
                       answer="已答复。", submitted=TODAY - timedelta(days=20),
                       replied=TODAY - timedelta(days=18), status="已回复",
                       path="/hdjl/jzxx/detail.html?id=2")]
    out["/hdjl/jzxx/"] = Route(page("局长信箱", mailbox_board("局长信箱", letters), "局长信箱"))
    for m in letters:
        out[m.path] = Route(page(m.title, mailbox_detail(m), "局长信箱"))
    return out


def probe(site, times: int, fail_first: bool, server) -> None:  # noqa: ANN001
    """``times`` real probes of the homepage (the first answered 503 when asked), stored
    as ``govmon probe`` stores them."""
    if fail_first:
        server.routes["/"].before = [(503, {})]
    results = probe_all([site] * times, 5.0, "govmon-test", Guard([site]))
    return [Probe(site_id=0, at=r.at, ok=r.ok, status=r.status, elapsed_ms=r.elapsed_ms,
                  error=r.error) for r in results]


def check(crawled, as_of: datetime, probes: list[Probe]) -> int:  # noqa: ANN001
    with crawled.sessions.begin() as s:
        site_id = crawled.site_id(crawled.registry.sites[0].code)
        for p in probes:
            p.site_id = site_id
        s.add_all(probes)
        run = s.get(Run, crawled.result.run_id)
        run.started_at = as_of
        run_checks(s, run, registry=crawled.registry, rules=[m.RULE for m in MODULES])
        score_run(s, load_system("national-2019"), run.id)
        return run.id


@pytest.fixture(scope="module")
def nights(serve_module, tmp_path_factory):  # noqa: ANN001, ANN201
    server = serve_module(routes())
    site = spec(server.url("/"), "department", name="示例市审计局", contacts=[
        Contact(name="张三", email="zhangsan@shenji.example.gov.cn", role="负责人"),
        Contact(name="李四", email="lisi@shenji.example.gov.cn")])
    folder = tmp_path_factory.mktemp("warn")
    first = run_crawl([site], folder / "w.db", max_pages=80)
    run1 = check(first, datetime.combine(TODAY, datetime.min.time().replace(hour=9)),
                 probe(site, 30, True, server))
    for path in ("/tjxx/", "/jyta/"):  # two more columns emptied
        name = next(n for n, p, _ in COLUMNS if p == path)
        server.routes[path] = Route(page(name, f"<h2>{name}</h2><p>暂无信息</p>", name))
    second = run_crawl([site], folder / "w.db", max_pages=80)
    run2 = check(second, datetime.combine(LATER, datetime.min.time().replace(hour=9)),
                 probe(site, 10, True, server))
    first.info.update(run1=run1, run2=run2, site=site, folder=folder)
    return first


def findings(nights, run_id: int) -> dict[str, list[Finding]]:  # noqa: ANN001
    with nights.sessions() as s:
        out: dict[str, list[Finding]] = {}
        for f in s.scalars(select(Finding).where(Finding.run_id == run_id)):
            out.setdefault(f.rule, []).append(f)
        s.expunge_all()
    return out


AXES = {"warn.home.stale": "home.stale", "warn.column.stale": "column.stale",
        "warn.column.stale_many": "column.stale_many",
        "warn.column.blank_many": "column.blank_many",
        "warn.mailbox.unanswered": "mailbox.unanswered",
        "warn.site.unreachable": "site.unreachable"}


def test_a_warning_on_each_axis_comes_before_its_veto(nights) -> None:  # noqa: ANN001
    night1, night2 = findings(nights, nights.info["run1"]), findings(nights, nights.info["run2"])
    for warning, veto in AXES.items():
        assert warning in night1, warning
        assert all(f.severity == "warn" for f in night1[warning])
        assert warning not in night2, warning  # once the veto fires, the veto speaks
        assert veto in night2, veto
    assert not {"home.stale", "column.stale_many", "column.blank_many", "mailbox.unanswered",
                "site.unreachable"} & set(night1)
    (col,) = night1["warn.column.stale"]
    assert col.detail["column"] == "工作动态" and col.detail["value"] == "12天"
    assert [f.detail["column"] for f in night2["column.stale"]
            if f.detail["column"] == "工作动态"] == ["工作动态"]
    (many,) = night1["warn.column.stale_many"]
    assert (many.detail["threshold"], many.detail["veto_at"], many.detail["value"]) == (4, 5, 4)
    (blank,) = night1["warn.column.blank_many"]
    assert blank.detail["value"] == 3 and night2["column.blank_many"][0].detail["count"] == 5
    (probes,) = night1["warn.site.unreachable"]
    assert probes.detail["value"] == "3.3%" and probes.detail["probes"] == 30
    (letter,) = night1["warn.mailbox.unanswered"]
    assert letter.detail["submitted"] == PENDING.isoformat()


def test_warnings_never_change_a_score(nights) -> None:  # noqa: ANN001
    system = load_system("national-2019")
    run1 = nights.info["run1"]
    with nights.sessions.begin() as s:
        site_id = nights.site_id(nights.info["site"].code)
        before = score_site(s, system, run1, site_id)
        warned = s.scalars(select(Finding.id).where(Finding.run_id == run1,
                                                    Finding.severity == "warn")).all()
        assert len(warned) == 6
        s.execute(delete(Finding).where(Finding.id.in_(warned)))
        after = score_site(s, system, run1, site_id)
        s.rollback()
    assert (before.verdict, before.score) == (after.verdict, after.score)
    scored = {fid for r in before.indicators for fid in r.findings + r.evidence}
    assert not scored & set(warned)


def test_warnings_are_shown_first(nights, tmp_path: Path) -> None:  # noqa: ANN001
    from govmon.commands.nightly import Pipeline, _summary
    from reports.dashboard import generate_dashboard
    from reports.notices import generate_notices

    system = load_system("national-2019")
    run1 = nights.info["run1"]
    with nights.sessions.begin() as s:
        (notice,), _ = generate_notices(s, tmp_path / "n", system=system, period=f"run:{run1}",
                                        formats=("html", "docx", "xlsx"), shots=False)
        stem = notice.file_stem
        # the dashboard shows each site's newest card: as it stood after night 1
        s.execute(delete(Scorecard).where(Scorecard.run_id == nights.info["run2"]))
        generate_dashboard(s, tmp_path / "d", system=system)
        s.rollback()
    html = (tmp_path / "n" / f"{stem}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    headings = [h.get_text() for h in soup.select("article h2")]
    assert headings[:2] == ["预警事项", "一、检查结论"]
    assert len(soup.select("#warnings tr.warning")) == 6
    assert not {r["data-rule"] for r in soup.select("tr.problem, tr.hint")} & set(AXES)
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "n" / f"{stem}.xlsx").sheetnames[0] == "预警"
    board = BeautifulSoup((tmp_path / "d" / "index.html").read_text(encoding="utf-8"), "lxml")
    tables = [t.get("id") for t in board.select("main table")]
    assert tables.index("warnings") < tables.index("sites")
    assert board.select_one("#n-warnings").text == "6"
    out = StringIO()
    table = _summary(Pipeline(), nights.sessions, run1, True, datetime.now(), system.id)
    Console(file=out, width=250).print(table)
    lines = [line for line in out.getvalue().splitlines() if "│" in line]
    labels = [line.split("│")[1].strip() for line in lines]
    assert labels.index("预警") < labels.index("单项否决")
    assert "6 项" in lines[labels.index("预警")]


# -- e-mail digests ----------------------------------------------------------------------
def mail_settings(host: str, port: int, **kw) -> MailSettings:  # noqa: ANN003
    return MailSettings(host=host, port=port, security=kw.pop("security", "none"),
                        sender="政府网站监测 <govmon@example.gov.cn>",
                        supervisors=["zwgk@example.gov.cn"], **kw)


def digests(nights, run_id: int, mail: MailSettings) -> list:  # noqa: ANN001
    with nights.sessions() as s:
        return build(s, run_id, nights.registry, mail, system_id="national-2019")


def test_digests_reach_contacts_and_supervisors(nights, tmp_path: Path) -> None:  # noqa: ANN001
    host = next_address()
    run1, run2 = nights.info["run1"], nights.info["run2"]
    with smtp_server(host) as (inbox, port):
        mail = mail_settings(host, port)
        result = deliver(nights.sessions, run1, digests(nights, run1, mail), mail, tmp_path)
        assert (result.sent, result.failed) == (3, 0)
        (boss,) = inbox.to("zhangsan@shenji.example.gov.cn")
        assert "新增单项否决 0 项、预警 6 项" in str(boss["Subject"])
        body = boss.get_body(("plain",)).get_content()
        assert body.startswith("张三（负责人）：") and "新增预警（接近单项否决标准" in body
        assert "留言即将超期未答复" in body and "首页即将超期未更新" in body
        assert len(inbox.to("lisi@shenji.example.gov.cn")) == 1
        (summary,) = inbox.to("zwgk@example.gov.cn")
        text = summary.get_body(("plain",)).get_content()
        assert text.index("一、预警") < text.index("二、单项否决") and "示例市审计局" in text
        # a re-run of the night mails nobody twice
        again = deliver(nights.sessions, run1, digests(nights, run1, mail), mail, tmp_path)
        assert (again.sent, again.skipped, len(inbox.received)) == (0, 3, 3)
        # night 2: the vetoes are new, the warnings ended by escalating into them
        deliver(nights.sessions, run2, digests(nights, run2, mail), mail, tmp_path)
        night2 = inbox.to("zhangsan@shenji.example.gov.cn")[-1].get_body(("plain",)).get_content()
        assert "新增单项否决问题" in night2 and "已升级为单项否决" in night2
    with nights.sessions() as s:
        assert {r.status for r in s.scalars(select(MailLog))} == {"sent"}


def test_quiet_hours_hold_the_mail_until_flushed(nights, tmp_path: Path) -> None:  # noqa: ANN001
    host = next_address()
    run1 = nights.info["run1"]
    with nights.sessions.begin() as s:
        s.execute(delete(MailLog))
    with smtp_server(host) as (inbox, port):
        mail = mail_settings(host, port, quiet_hours="22:00-07:00")
        night = datetime.combine(TODAY, datetime.min.time().replace(hour=1, minute=30))
        held = deliver(nights.sessions, run1, digests(nights, run1, mail), mail, tmp_path,
                       now=night)
        assert (held.held, held.sent, inbox.received) == (3, 0, [])
        assert all(p.parent == tmp_path / "mail" / "outbox" for p in held.paths)
        assert flush(nights.sessions, mail, now=night).sent == 0  # still quiet
        morning = night.replace(hour=7, minute=30)
        assert flush(nights.sessions, mail, now=morning).sent == 3
        assert len(inbox.received) == 3 and not list((tmp_path / "mail" / "outbox").iterdir())


def test_dry_run_writes_eml_files(nights, tmp_path: Path) -> None:  # noqa: ANN001
    run1 = nights.info["run1"]
    mail = mail_settings("127.0.0.1", 9)  # nothing is sent: nothing listens there
    result = deliver(nights.sessions, run1, digests(nights, run1, mail), mail, tmp_path,
                     dry_run=True)
    assert result.written == 3 and result.sent == 0
    msgs = [as_message(p) for p in result.paths]
    assert {str(m["To"]).rsplit("<", 1)[-1].strip(">") for m in msgs} >= {
        "zhangsan@shenji.example.gov.cn", "zwgk@example.gov.cn"}
    assert all(p.suffix == ".eml" and "dry-run" in p.parts for p in result.paths)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS
@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_starttls_and_ssl_with_login(nights, tmp_path: Path, monkeypatch, mode: str) -> None:  # noqa: ANN001
    host = next_address()
    cert = self_signed(host, tmp_path)
    monkeypatch.setenv("GOVMON_TEST_SMTP", "s3cret")
    run1 = nights.info["run1"]
    with smtp_server(host, cert=cert, implicit_tls=mode == "ssl",
                     login=("govmon", "s3cret")) as (inbox, port):
        mail = mail_settings(host, port, security=mode, user="govmon",
                             password_env="GOVMON_TEST_SMTP", ca_file=str(cert[0]))
        one = digests(nights, run1, mail)[:1]

        def send() -> object:
            with nights.sessions.begin() as s:  # as if the night had not mailed yet
                s.execute(delete(MailLog).where(MailLog.run_id == run1))
            return deliver(nights.sessions, run1, one, mail, tmp_path)

        result = send()
        assert result.sent == 1 and len(inbox.received) == 1
        (got,) = inbox.received
        assert got[1] == ["zhangsan@shenji.example.gov.cn"] and "预警" in str(got[2]["Subject"])
        monkeypatch.delenv("GOVMON_TEST_SMTP")
        with pytest.raises(MailError, match="环境变量 GOVMON_TEST_SMTP 未设置"):
            connect(mail)
