"""Reports read back from the files they write, checked against the store.

The store is built directly (sites, two runs in two quarters, the checks' bookkeeping,
findings, a week of probes per window) and scored by the real engine; the reports are
written by the real commands and opened with BeautifulSoup, python-docx and openpyxl.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from bs4 import BeautifulSoup
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from govmon.cli import main
from indicators.rules_catalogue import RULES
from indicators.system import load_system
from reports.notice_model import add_working_days
from scoring import engine
from store.db import open_store
from store.fingerprints import fingerprint
from store.models import CheckRun, Finding, Probe, Run, RunSite, Scorecard, Site

NATIONAL = load_system("national-2019")
Q3_RUN, Q4_RUN = datetime(2026, 8, 20, 2, 0), datetime(2026, 11, 20, 2, 0)
Q3_END, Q4_DAY = date(2026, 9, 30), date(2026, 11, 20)
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://127.0.0.1/x","点我")'


@dataclass
class World:
    db: str
    sessions: sessionmaker[Session]
    ws: Path
    codes: dict[str, str]  # role -> site code
    run1: int
    run2: int

    def base(self) -> list[str]:
        return ["-w", str(self.ws), "--db", self.db]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "template.db"
    open_store(f"sqlite:///{path}").kw["bind"].dispose()
    return path


def _site(s: Session, code: str, name: str, kind: str, *, parent: str | None = None,
          services: bool = True, status: str = "运行") -> Site:
    site = Site(code=code, name=name, url=f"http://127.0.0.9/{code}/", kind=kind,
                parent_code=parent, has_services=services, status=status,
                updated_at=Q3_RUN)
    s.add(site)
    s.flush()
    return site


def _run(s: Session, sites: list[Site], at: datetime) -> Run:
    run = Run(started_at=at, finished_at=at + timedelta(hours=1), status="complete")
    s.add(run)
    s.flush()
    for site in sites:
        s.add(RunSite(run_id=run.id, site_id=site.id, status="complete", complete=True,
                      pages=30))
        s.add(CheckRun(run_id=run.id, site_id=site.id, module="all", rules=list(RULES),
                       status="ran", checked_at=at))
    s.flush()
    return run


def _finding(s: Session, run: Run, site: Site, rule: str, subject: str, message: str, *,
             url: str | None = None, source: str | None = None, first: datetime | None = None,
             state: str = "new", **detail: object) -> Finding:
    f = Finding(run_id=run.id, site_id=site.id, rule=rule, url=url or site.url + subject,
                source=source, severity=NATIONAL.rule_severity(rule), message=message,
                detail=detail, fingerprint=fingerprint(site.code, rule, subject), state=state,
                first_seen=first or run.started_at, last_seen=run.started_at)
    s.add(f)
    s.flush()
    return f


def _probes(s: Session, site: Site, end: date) -> None:
    last = datetime.combine(end, time.max)
    s.add_all(Probe(site_id=site.id, at=last - timedelta(minutes=70 * i + 1), ok=True,
                    status=200, elapsed_ms=200) for i in range(140))


def build_world(path: Path, ws: Path) -> World:
    """Three running sites and a closed one, two runs (2026Q3 and 2026Q4), scored."""
    db = f"sqlite:///{path}"
    sessions = open_store(db, upgrade=False)
    with sessions.begin() as s:
        portal = _site(s, "5101990001", "示例市人民政府", "portal")
        edu = _site(s, "5101990002", "示例市教育局", "subsite", parent=portal.code)
        stats = _site(s, "5101990011", "示例市统计局", "department", services=False)
        _site(s, "5101990012", "示例市粮食局", "department", status="关停")
        for site in (portal, edu, stats):
            for day in (Q3_RUN.date(), Q3_END, Q4_DAY):
                _probes(s, site, day)
        r1 = _run(s, [portal, edu, stats], Q3_RUN)
        _finding(s, r1, portal, "link.broken", "gone.html", "首页上的站内链接“旧栏目”无法访问 (HTTP 404)",
                 source=portal.url, kind="internal", status=404, on_homepage=True,
                 anchor="旧栏目")
        _finding(s, r1, portal, "column.missing", "机构职能", "未找到“机构职能”栏目",
                 url=portal.url, **{"class": "机构职能"})
        for cls in ("概况信息", "领导信息"):
            _finding(s, r1, stats, "column.missing", cls, f"未找到“{cls}”栏目", url=stats.url,
                     **{"class": cls})
        r2 = _run(s, [portal, edu, stats], Q4_RUN)
        _finding(s, r2, portal, "column.missing", "机构职能", "未找到“机构职能”栏目",
                 url=portal.url, first=Q3_RUN, state="persisting", **{"class": "机构职能"})
        _finding(s, r2, portal, "link.broken", "new.html",
                 f"页面上的站内链接“{XSS}”无法访问 (HTTP 404)", source=portal.url + "a.html",
                 kind="internal", status=404, on_homepage=False, anchor=XSS)
        _finding(s, r2, portal, "link.broken", "x.html",
                 f"页面上的站内链接“{FORMULA}”无法访问 (HTTP 404)\x07",
                 url="javascript:alert(2)", source="javascript:alert(3)", kind="internal",
                 status=404, on_homepage=False, anchor=FORMULA)
        _finding(s, r2, portal, "meta.tags_missing", "b.html", "栏目页缺少页面元标签",
                 missing=["SiteName", "ColumnName"], kind="column", title=XSS)
        _finding(s, r2, portal, "survey.inactive", "survey", "近1年仅开展 2 次调查征集",
                 newest="2026-10-01", count=2)
        _finding(s, r2, edu, "mailbox.missing", "mailbox", "未发现政务咨询渠道 (信箱/咨询/留言)",
                 url=edu.url)
        _finding(s, r2, edu, "column.stale", "tzgg/", "一级栏目“通知公告”已 200 天未更新",
                 source=edu.url, column="通知公告", newest="2026-05-04", days=200,
                 limit_days=184, level=1, **{"class": "notice"})
        engine.score_run(s, NATIONAL, r1.id)
        engine.score_run(s, NATIONAL, r2.id)
        engine.score_quarter(s, NATIONAL, "2026Q3", as_of=Q3_END)
        engine.score_quarter(s, NATIONAL, "2026Q4", as_of=Q4_DAY)
        codes = {"portal": portal.code, "edu": edu.code, "stats": stats.code,
                 "grain": "5101990012"}
        ids = (r1.id, r2.id)
    return World(db=db, sessions=sessions, ws=ws, codes=codes, run1=ids[0], run2=ids[1])


@pytest.fixture
def world(tmp_path: Path, template: Path) -> World:
    path = tmp_path / "reports.db"
    shutil.copyfile(template, path)
    ws = tmp_path / "ws"
    ws.mkdir()
    return build_world(path, ws)


def _cards(w: World, period: str) -> dict[str, Scorecard]:
    with w.sessions() as s:
        return {site.code: card for card, site in s.execute(
            select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
            .where(Scorecard.period == period, Scorecard.system == "national-2019"))}


def _findings(w: World, run: int, code: str) -> list[Finding]:
    with w.sessions() as s:
        site = s.scalars(select(Site).where(Site.code == code)).one()
        return list(s.scalars(select(Finding).where(Finding.run_id == run,
                                                    Finding.site_id == site.id)))


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def _docx_text(path: Path) -> tuple[list[tuple[str, str]], list[list[list[str]]]]:
    doc = Document(str(path))
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return paras, tables


# -- working days ----------------------------------------------------------------------
def test_deadline_counts_official_working_days():
    # Monday before National Day 2026: 9/29, 9/30, then the holiday 10/1–10/7, then
    # 10/8, 10/9 and the make-up Saturday 10/10 (调休上班).
    assert add_working_days(date(2026, 9, 28), 5) == (date(2026, 10, 10), [])
    day, fallback = add_working_days(date(2026, 11, 20), 15)
    counted = [date(2026, 11, 20) + timedelta(days=i) for i in range(1, 40)]
    assert day == [d for d in counted if chinese_calendar.is_workday(d)][14]
    assert fallback == []
    # a year the calendar does not know: Monday to Friday, and said so
    day, fallback = add_working_days(date(2099, 12, 25), 3)
    assert fallback and day == date(2099, 12, 30)


# -- notices ---------------------------------------------------------------------------
def test_notices_html_docx_xlsx_match_the_store(world: World, capsys):
    out = world.ws / "out"
    assert main([*world.base(), "report", "notices", "--output", str(out), "--date",
                 "2026-09-28", "--deadline-days", "5", "--sender", "示例市人民政府办公室"]) == 0
    printed = capsys.readouterr().out
    notices = out / "notices"
    assert "整改期限 2026-10-10" in printed
    cards = _cards(world, f"run:{world.run2}")
    assert set(cards) == {world.codes[r] for r in ("portal", "edu", "stats")}
    portal = world.codes["portal"]
    stem = notices / f"notice-{portal}-run{world.run2}"
    assert str(stem) + ".html" in printed

    # HTML ---------------------------------------------------------------------------
    soup = _soup(Path(str(stem) + ".html"))
    text = soup.get_text(" ", strip=True)
    assert soup.title.text == "关于示例市人民政府网站存在问题的整改通知"
    assert soup.select_one(".redhead").text == "示例市人民政府办公室"
    assert re.fullmatch(r"网监整改〔2026〕\d+号", soup.select_one(".docno").text)
    assert "《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）" in text
    card = cards[portal]
    assert card.verdict == "合格" and card.score is not None
    assert soup.select_one("#verdict").text == card.verdict
    assert soup.select_one("#score").text == f"{card.score:g} 分"
    assert "抓取检查日期：2026年11月20日" in text
    problems = [f for f in _findings(world, world.run2, portal) if f.severity != "info"]
    rows = soup.select("tr.problem")
    assert len(rows) == len(problems) == 4
    assert sorted(r["data-rule"] for r in rows) == sorted(f.rule for f in problems)
    for f in problems:
        row = next(r for r in rows if f.url in r.get_text())
        assert f"{f.first_seen.date().isoformat()} 起" in row.get_text()
        assert "2026-10-10" in row.get_text()  # the deadline
        if f.source:
            assert f.source in row.get_text()
    persisting = next(r for r in rows if r["data-rule"] == "column.missing")
    assert "2026-08-20 起" in persisting.get_text() and "持续存在" in persisting.get_text()
    headings = [h.get_text() for h in soup.select("h3")]
    assert any(h.startswith("（一）D2 机构职能") for h in headings), headings
    assert any("F3 可用性（扣 0.2 分，上限 1 分）" in h for h in headings), headings
    f3 = next(t for t in soup.select("table.problems")
              if t.select("tr.problem[data-rule='link.broken']"))
    # rule IDs only in the annex that maps problems to rules, never in the body text
    body = soup.select_one("article").get_text()
    annex = soup.select_one("#annex-rules")
    assert "link.broken" in annex.get_text()
    assert "link.broken" not in body.replace(annex.get_text(), "")
    assert len(f3.select("tr.problem")) == 2
    assert [h["data-rule"] for h in soup.select("tr.hint")] == ["survey.inactive"]
    fixed = soup.select("tr.fixed-problem")
    assert len(fixed) == 1 and portal_url(world) + "gone.html" in fixed[0].get_text()
    assert "已整改" in fixed[0].get_text() and "2026-08-20" in fixed[0].get_text()
    assert "于2026年10月10日前" in text and "5 个工作日" in text
    assert soup.select_one(".sign").get_text(" ", strip=True) == "示例市人民政府办公室 2026年9月28日"

    # the department: no problems, a first notice would say so; here the problems fixed
    stats = _soup(notices / f"notice-{world.codes['stats']}-run{world.run2}.html")
    assert not stats.select("tr.problem")
    assert "本次检查未发现需要整改的问题" in stats.get_text()
    assert len(stats.select("tr.fixed-problem")) == 2  # both missing columns now exist
    edu = _soup(notices / f"notice-{world.codes['edu']}-run{world.run2}.html")
    assert edu.select_one("#verdict").text == "不合格"
    assert "触发单项否决指标：V5 互动回应差" in edu.get_text()
    assert "V5 互动回应差（单项否决，已触发）" in edu.get_text()
    assert edu.select_one(".addressee").text == "示例市教育局："

    # DOCX ---------------------------------------------------------------------------
    paras, tables = _docx_text(Path(str(stem) + ".docx"))
    styles = dict((t, st) for st, t in paras)
    assert styles["关于示例市人民政府网站存在问题的整改通知"] == "Title"
    heading_texts = [t for st, t in paras if st.startswith("Heading")]
    for h in ("一、检查结论", "二、存在的问题", "三、其他提示事项（不扣分）",
              "四、上次检查以来已整改的问题"):
        assert h in heading_texts
    assert any(t.startswith("（一）D2 机构职能") for t in heading_texts)
    problem_rows = [row for t in tables if t[0][:3] == ["序号", "问题描述", "问题网址 / 发现页面"]
                    for row in t[1:]]
    assert len(problem_rows) == 4
    assert {row[0] for row in problem_rows} == {"1", "2", "3", "4"}
    assert all(row[4].endswith("整改期限：\n2026-10-10") for row in problem_rows)
    assert any(XSS in row[1] for row in problem_rows)  # literal text, not markup
    assert tables[0][1][:2] == ["示例市人民政府", portal]
    texts = [t for _, t in paras]
    sign = texts.index("2026年9月28日")
    assert texts[sign - 1] == "示例市人民政府办公室"
    assert "附件2" in texts[sign:] and "问题与检查规则对照" in texts[sign:]

    # XLSX ---------------------------------------------------------------------------
    wb = load_workbook(str(stem) + ".xlsx")
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["序号", "网站标识码", "网站名称"] and "整改期限" in header
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{len(problems) + 1}"
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["H"].width == 48
    data = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    assert len(data) == len(problems)
    by_url = {r["问题网址"]: r for r in data}
    for f in problems:
        r = by_url[f.url]
        assert r["网站标识码"] == portal and r["检查规则编号"] == f.rule
        assert r["首次发现"].date() == f.first_seen.date()
        assert r["整改期限"].date() == date(2026, 10, 10)
    assert [c.value for c in wb["已整改"][2]][4] == "首页上的站内链接“旧栏目”无法访问 (HTTP 404)"
    combined = load_workbook(notices / f"problems-run{world.run2}.xlsx")["问题清单"]
    total = sum(1 for f in _findings(world, world.run2, world.codes["edu"]) if
                f.severity != "info") + len(problems)
    assert combined.max_row == total + 1


def portal_url(w: World) -> str:
    return f"http://127.0.0.9/{w.codes['portal']}/"


def test_crawled_text_is_escaped_and_neutralised_everywhere(world: World):
    out = world.ws / "out"
    base = [*world.base()]
    assert main([*base, "report", "notices", "--output", str(out)]) == 0
    assert main([*base, "report", "scorecard", "--quarter", "2026Q4", "-o", str(out)]) == 0
    assert main([*base, "report", "dashboard", "-o", str(out)]) == 0
    htmls = sorted(out.rglob("*.html"))
    assert len(htmls) >= 3 + 1 + 5
    for path in htmls:
        raw = path.read_text(encoding="utf-8")
        soup = BeautifulSoup(raw, "lxml")
        assert not soup.find_all("script"), path  # nothing from a page became a script
        assert "javascript:" not in " ".join(a.get("href", "") for a in soup.find_all("a"))
        assert "\x07" not in raw
        # self-contained: no stylesheet, image, font or script fetched from anywhere
        assert not soup.find_all(["link", "iframe", "object", "embed"]), path
        assert all(i["src"].startswith("data:image/png;base64,") for i in soup.find_all("img"))
        assert "@import" not in raw and "url(" not in raw
    portal_page = _soup(out / "dashboard" / "sites" / f"{world.codes['portal']}.html")
    assert XSS in portal_page.get_text()  # shown as text
    notice = out / "notices" / f"notice-{world.codes['portal']}-run{world.run2}.html"
    raw = notice.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and XSS not in raw
    # the javascript: URL is printed, never linked
    assert "javascript:alert(2)" in _soup(notice).get_text()

    wb = load_workbook(out / "notices" / f"notice-{world.codes['portal']}-run{world.run2}.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    # the anchor text is kept as it is, as a text cell (no formula, no apostrophe)
    assert FORMULA in texts and "'" + FORMULA not in texts
    assert not [t for t in texts if "\x07" in t]
    doc = Document(str(notice.with_suffix(".docx")))
    body = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert XSS in body and FORMULA in body and "\x07" not in body


# -- quarterly comparison --------------------------------------------------------------
def test_scorecard_ranks_compares_and_counts_like_the_store(world: World, capsys):
    out = world.ws / "out"
    assert main([*world.base(), "report", "scorecard", "--quarter", "2026q4", "-o",
                 str(out)]) == 0
    assert "2026Q4 季度评分对比 (对比 2026Q3)" in capsys.readouterr().out
    q4, q3 = _cards(world, "2026Q4"), _cards(world, "2026Q3")
    p, e, d = (world.codes[r] for r in ("portal", "edu", "stats"))
    assert {c: q4[c].verdict for c in q4} == {p: "合格", e: "不合格", d: "合格"}
    assert {c: q3[c].verdict for c in q3} == {p: "合格", e: "合格", d: "合格"}

    soup = _soup(out / "scorecard-2026Q4-vs-2026Q3.html")
    rows = soup.select("table.ranking tr.site")
    # scored sites by score, then the vetoed one
    scored = sorted((c for c in (p, d)), key=lambda c: -q4[c].score)
    assert [r["data-code"] for r in rows] == [*scored, e]
    for r in rows:
        code = r["data-code"]
        cells = [td.get_text(" ", strip=True) for td in r.find_all("td")]
        assert r["data-verdict"] == q4[code].verdict
        if q4[code].score is None:
            # a single veto ranks after every other verdict, with a real rank number
            assert cells[0] == "3" and cells[4] == "—" and "V5 互动回应差" in cells[6]
            assert cells[-1] == "合格→不合格"
        else:
            assert cells[4] == f"{q4[code].score:g}"
            delta = round(q4[code].score - q3[code].score, 2)
            assert cells[-1] == (f"{delta:+g}" if delta else "持平")
            assert cells[-2].startswith(f"{q3[code].score:g}")
    assert [r.select_one("td").text for r in rows[:2]] == ["1", "2"]
    # the department lost 2 × 2 points out of 75, × 4/3, in Q3 and none in Q4
    assert q3[d].score == round((75 - 4) * 4 / 3, 2) and q4[d].score == 100

    rates = {r["data-scope"]: [td.text for td in r.find_all("td")]
             for r in soup.select("table.rates tr[data-scope]")}
    # (checked − 不合格) ÷ checked, then 合格 ÷ (合格 + 不合格): no 待定, so both agree
    assert rates["全部网站"][1:9] == ["3", "3", "100.0%", "2", "1", "0", "66.7%", "66.7%"]
    assert rates["全部网站"][9:] == ["100.0%", "-33.3 个百分点"]
    assert rates["门户网站"][7] == "100.0%" and rates["子站"][7] == "0.0%"
    assert rates["部门网站"][1:3] == ["1", "1"]  # the closed department is not operating
    assert soup.select_one("#pass-rate").text == "66.7%"

    problems = {r["data-rule"]: [td.get_text() for td in r.find_all("td")]
                for r in soup.select("table.problems tr[data-rule]")}
    with world.sessions() as s:
        stored = list(s.scalars(select(Finding).where(Finding.run_id == world.run2,
                                                      Finding.severity != "info")))
    assert set(problems) == {f.rule for f in stored}
    assert problems["link.broken"][3:5] == ["2", "1"]
    assert "survey.inactive" not in problems
    failing = soup.select("table.failing tr[data-code]")
    assert [r["data-code"] for r in failing] == [e]
    # charts: inline SVG, bars that add up to the sites checked
    bars = soup.select("svg.histogram rect.bar")
    first = [b for b in bars if b.find_parent("svg") is soup.select("svg.histogram")[0]]
    assert sum(int(b["data-count"]) for b in first) == 3
    assert {b["data-label"]: int(b["data-count"]) for b in first}["单项否决"] == 1
    trend = soup.select_one("svg.trend")
    assert "2026年第三季度" in trend.get_text() and "2026年第四季度" in trend.get_text()
    assert len(trend.select("g.point.veto")) == 1  # the education bureau in Q4

    wb = load_workbook(out / "scorecard-2026Q4-vs-2026Q3.xlsx")
    assert wb.sheetnames == ["得分排名", "合格率", "主要问题", "不合格网站", "图表"]
    rank = wb["得分排名"]
    assert rank.freeze_panes == "A2" and rank.auto_filter.ref == "A1:M4"
    assert rank.print_title_rows == "$1:$1" and int(rank.page_setup.paperSize) == 9  # A4
    assert [rank.cell(row=i, column=3).value for i in (2, 3, 4)] == [*scored, e]
    # numbers are numbers: ranks and scores; a veto has no score (an empty cell)
    assert [rank.cell(row=i, column=1).value for i in (2, 3, 4)] == [1, 2, 3]
    assert rank.cell(row=2, column=5).value == q4[scored[0]].score
    assert rank.cell(row=4, column=5).value is None and rank.cell(row=4, column=7).value == "不合格"
    rate = wb["合格率"].cell(row=2, column=8)
    assert rate.value == pytest.approx(2 / 3) and rate.number_format == "0.0%"
    assert wb["不合格网站"].cell(row=2, column=3).value == e
    charts = wb["图表"]._charts
    assert len(charts) == 2  # scores by site, and the quarters' trend


def test_scorecard_refuses_what_it_cannot_compare(world: World, capsys):
    base = world.base()
    assert main([*base, "report", "scorecard", "--quarter", "2025Q4"]) == 2
    assert "没有 2025Q4 季度的评分表" in capsys.readouterr().err
    assert main([*base, "report", "scorecard", "--quarter", "2026Q4", "--compare",
                 "2026Q1"]) == 2
    assert "没有 2026Q1 季度的评分表" in capsys.readouterr().err
    assert main([*base, "report", "scorecard", "--quarter", "2026Q5"]) == 2
    err = capsys.readouterr().err
    assert "季度格式错误" in err and len(err.strip().splitlines()) == 1
    assert main([*base, "report", "notices", "--site", "9999999999"]) == 2
    assert "没有网站 9999999999 的评分表" in capsys.readouterr().err
    assert main([*base, "report", "notices", "--format", "odt"]) == 2
    assert "--format: 未知格式 odt" in capsys.readouterr().err
    assert main([*base, "report", "notices", "--period", "run:999"]) == 2
    assert "没有周期 run:999 的评分表" in capsys.readouterr().err
    assert main([*base, "report", "notices", "--date", "2026-13-01"]) == 2
    assert "--date: 日期格式错误" in capsys.readouterr().err


def test_notices_for_one_site_of_a_quarter(world: World):
    out = world.ws / "q"
    code = world.codes["edu"]
    assert main([*world.base(), "report", "notices", "--site", code, "--period", "2026Q4",
                 "--format", "html", "-o", str(out)]) == 0
    files = sorted(p.name for p in (out / "notices").iterdir())
    assert files == [f"notice-{code}-2026Q4.html"]
    soup = _soup(out / "notices" / files[0])
    assert "检查周期：2026年第四季度" in soup.get_text()
    assert soup.select_one("#verdict").text == _cards(world, "2026Q4")[code].verdict
    assert {r["data-rule"] for r in soup.select("tr.problem")} == {"mailbox.missing",
                                                                    "column.stale"}


# -- dashboard and terminal ------------------------------------------------------------
def test_dashboard_overview_and_site_pages(world: World):
    out = world.ws / "out"
    assert main([*world.base(), "report", "dashboard", "-o", str(out)]) == 0
    index = _soup(out / "dashboard" / "index.html")
    rows = {r["data-code"]: r for r in index.select("tr.site")}
    assert set(rows) == set(world.codes.values())
    cards = _cards(world, f"run:{world.run2}")
    for code, card in cards.items():
        r = rows[code]
        problems = [f for f in _findings(world, world.run2, code) if f.severity != "info"]
        assert r["data-verdict"] == card.verdict
        assert r.select_one("td.problems").text == str(len(problems))
        assert r.select_one("td.score").text == ("—" if card.score is None
                                                 else f"{card.score:g}")
        href = r.select_one("a")["href"]
        assert href == f"sites/{code}.html" and (out / "dashboard" / href).exists()
    assert rows[world.codes["grain"]]["data-verdict"] == "未评分"
    assert "已关停" in rows[world.codes["grain"]].get_text()
    assert index.select_one("#n-sites").text == "3"
    assert index.select_one("#n-fail").text == "1"
    assert index.select_one("#pass-rate").text == "66.7%"
    assert index.select_one("#n-problems").text == str(sum(
        1 for c in cards for f in _findings(world, world.run2, c) if f.severity != "info"))

    page = _soup(out / "dashboard" / "sites" / f"{world.codes['stats']}.html")
    assert page.select_one("#back")["href"] == "../index.html"
    history = page.select("#history tbody tr")
    assert len(history) == 2 and "2026-11-20" in history[0].get_text()
    assert page.select_one("svg.trend") is not None
    fixed = page.select("tr.fixed-problem")
    assert len(fixed) == 2 and "概况信息" in page.select_one("#fixed").get_text()
    assert page.select_one("#problem-count").text == "0"
    edu = _soup(out / "dashboard" / "sites" / f"{world.codes['edu']}.html")
    assert edu.select_one("#verdict").text == "不合格"
    assert edu.select_one("#score").text == "不计分"


def test_status_shows_the_latest_verdicts(world: World, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main([*world.base(), "status"]) == 0
    out = capsys.readouterr().out
    assert "各网站最新结论" in out
    lines = {code: next(line for line in out.splitlines() if code in line and "│" in line
                        and "2026-11-20" in line) for code in
             (world.codes["portal"], world.codes["edu"], world.codes["stats"])}
    assert "不合格" in lines[world.codes["edu"]] and "合格→不合格" in lines[world.codes["edu"]]
    cards = _cards(world, f"run:{world.run2}")
    assert f"{cards[world.codes['stats']].score:g}" in lines[world.codes["stats"]]
    assert "+5.33" in lines[world.codes["stats"]]


# -- the demo's sample quarter ---------------------------------------------------------
def test_demo_history_is_seeded_scored_and_labelled(tmp_path: Path, template: Path):
    from govmon.demo import history
    from reports.dashboard import build_dashboard
    from reports.scorecard import build_report

    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    sessions = open_store(f"sqlite:///{path}", upgrade=False)
    today = date(2026, 11, 20)
    with sessions.begin() as s:
        sample = history.reserve(s, today)
        assert sample is not None
        assert s.get(Run, sample).started_at == datetime(2026, 8, 20, 2, 0)
        site = _site(s, "5101990001", "示例市人民政府", "portal")
        other = _site(s, "5101990002", "示例市教育局", "subsite", parent=site.code)
        for day in (date(2026, 8, 20), Q3_END, today):
            _probes(s, site, day)
            _probes(s, other, day)
        real = _run(s, [site, other], datetime.combine(today, time(2)))
        for i in range(12):
            _finding(s, real, site, "link.broken", f"p{i}.html", f"链接{i}无法访问",
                     kind="internal", status=404, on_homepage=False)
        _finding(s, real, other, "mailbox.missing", "mailbox", "未发现政务咨询渠道")
        engine.score_run(s, NATIONAL, real.id)
        engine.score_quarter(s, NATIONAL, "2026Q4", as_of=today)
        assert sample < real.id  # reserved first: history order = id order
        seeded = history.fill(s, sample, real.id, [NATIONAL])
        assert seeded["quarter"] == "2026Q3"
        copied = list(s.scalars(select(Finding).where(Finding.run_id == sample)))
        assert 0 < len(copied) < 13 and seeded["findings"] == len(copied)
        assert not [f for f in copied if f.rule == "mailbox.missing"]  # 2nd site: veto new
        now = {f.fingerprint: f for f in s.scalars(select(Finding).where(
            Finding.run_id == real.id))}
        for f in copied:
            assert now[f.fingerprint].state == "persisting"
            assert now[f.fingerprint].first_seen == datetime(2026, 8, 20, 2, 0)
        assert sum(f.state == "new" for f in now.values()) == 13 - len(copied)
        run = s.get(Run, sample)
        assert run.status == "complete" and run.options["sample_history"]
        q3 = {c.site_id: c for c in s.scalars(select(Scorecard).where(
            Scorecard.period == "2026Q3"))}
        assert q3[other.id].verdict == "合格" and q3[other.id].run_id == sample
        assert history.reserve(s, today) is None  # seeded once
        report = build_report(s, "2026Q4", system=NATIONAL)
        assert report.compare == "2026Q3" and "2026Q3" in report.sample_notes
        assert "不是真实检查结果" in report.sample_notes["2026Q3"]
        assert build_dashboard(s, system=NATIONAL).sample_note


def test_without_chromium_documents_are_written_without_pdf_and_pictures(
        world: World, capsys, monkeypatch):
    """One clear line, no failure: HTML, DOCX and XLSX still written, and say why."""
    monkeypatch.setenv("GOVMON_CHROMIUM", "")  # set and empty: no browser
    out = world.ws / "nochrome"
    assert main([*world.base(), "report", "notices", "--output", str(out)]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "未找到 Chromium" in lines[0] and "PDF" in lines[0]
    notices = out / "notices"
    assert not list(notices.glob("*.pdf"))
    assert len(list(notices.glob("*.html"))) == len(list(notices.glob("*.docx"))) == 3
    soup = _soup(next(notices.glob("*.html")))
    assert "未找到 Chromium" in soup.select_one("#shots-note").text
    assert not soup.select("figure.shot")
    assert main([*world.base(), "report", "scorecard", "--quarter", "2026Q4", "-o",
                 str(out)]) == 0
    assert not list(out.glob("*.pdf")) and list(out.glob("scorecard-*.xlsx"))


def test_document_numbers_are_kept_and_never_repeat(world: World, monkeypatch):
    """Regenerating one site's notice keeps its 文号; a new period takes the next one."""
    from store.models import IssuedNotice

    monkeypatch.setenv("GOVMON_CHROMIUM", "")
    out = world.ws / "numbers"
    base = [*world.base(), "report", "notices", "--output", str(out), "--format", "html"]

    def numbers() -> dict[str, str]:
        got = {}
        for path in (out / "notices").glob("notice-*.html"):
            soup = _soup(path)
            got[soup.select_one("article")["data-site"] + soup.select_one("article")[
                "data-period"]] = soup.select_one(".docno").text
        return got

    assert main(base) == 0
    first = numbers()
    edu = world.codes["edu"]
    assert main([*base, "--site", edu, "--date", "2026-12-31"]) == 0
    assert numbers() == first  # same number (and date) for the same site and period
    assert main([*base, "--period", f"run:{world.run1}"]) == 0
    every = numbers()
    assert len(set(every.values())) == len(every) == 2 * len(first)
    with world.sessions() as s:
        rows = list(s.scalars(select(IssuedNotice)))
    assert sorted(r.number for r in rows) == list(range(1, len(rows) + 1))
    assert {r.doc_no for r in rows} == set(every.values())
