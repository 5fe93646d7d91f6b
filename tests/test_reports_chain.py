"""The whole chain, for real: SiteServers → crawl (twice, a quarter apart) → checks →
scores → ``govmon report``; the files are read back and compared with the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from checks.findings import fixed_findings
from reports.browser import find_chromium
from store.models import Finding, Scorecard, Site
from tests import reports_chain
from tests.reports_chain import FORMULA, XSS, Chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    return reports_chain.chain(tmp_path_factory)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def _card(c: Chain, code: str, period: str) -> Scorecard:
    with c.sessions() as s:
        return s.scalars(select(Scorecard).join(Site, Site.id == Scorecard.site_id).where(
            Site.code == code, Scorecard.period == period,
            Scorecard.system == "national-2019")).one()


def _findings(c: Chain, run: int, code: str) -> list[Finding]:
    with c.sessions() as s:
        return list(s.scalars(select(Finding).join(Site, Site.id == Finding.site_id).where(
            Site.code == code, Finding.run_id == run).order_by(Finding.id)))


def test_the_chain_produced_what_the_reports_need(chain: Chain):
    broken1 = {f.url for f in _findings(chain, chain.run1, chain.portal)
               if f.rule == "link.broken"}
    broken2 = {f.url: f for f in _findings(chain, chain.run2, chain.portal)
               if f.rule == "link.broken"}
    gone, xss, formula = (chain.portal_url + p for p in ("gone.html", "xss.html",
                                                         "formula.html"))
    assert broken1 == {gone, xss}
    assert set(broken2) == {xss, formula}
    assert broken2[xss].state == "persisting" and broken2[xss].detail["anchor"] == XSS
    assert broken2[xss].first_seen.date() == chain.day1
    assert broken2[formula].state == "new" and broken2[formula].detail["anchor"] == FORMULA
    with chain.sessions() as s:
        site_id = s.scalars(select(Site.id).where(Site.code == chain.portal)).one()
        assert [f.url for f in fixed_findings(s, chain.run2, site_id)] == [gone]
    assert _card(chain, chain.dept, f"run:{chain.run2}").vetoes == ["V5"]
    # the commands print every file they wrote, one path a line
    printed = {Path(line.strip()) for line in chain.printed.splitlines()
               if line.startswith("  /")}
    notices = chain.out / "notices"
    expected = {notices / f"notice-{code}-run{chain.run2}.{ext}"
                for code in (chain.portal, chain.dept) for ext in ("html", "docx", "xlsx")}
    expected |= {notices / f"problems-run{chain.run2}.xlsx",
                 chain.out / f"scorecard-{chain.quarter}-vs-{chain.previous}.html",
                 chain.out / f"scorecard-{chain.quarter}-vs-{chain.previous}.xlsx",
                 chain.out / "dashboard" / "index.html"}
    if find_chromium():  # PDFs are written when Chromium is there (CI installs it)
        expected |= {notices / f"notice-{code}-run{chain.run2}.pdf"
                     for code in (chain.portal, chain.dept)}
        expected.add(chain.out / f"scorecard-{chain.quarter}-vs-{chain.previous}.pdf")
    assert printed == expected
    assert all(p.is_file() and p.stat().st_size > 1000 for p in printed)


def test_notice_of_the_portal_against_the_store(chain: Chain):
    stem = chain.out / "notices" / f"notice-{chain.portal}-run{chain.run2}"
    card = _card(chain, chain.portal, f"run:{chain.run2}")
    problems = [f for f in _findings(chain, chain.run2, chain.portal) if f.severity != "info"]
    raw = Path(f"{stem}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(raw, "lxml")
    assert not soup.find_all("script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert soup.select_one("#verdict").text == card.verdict
    expected = f"{card.score:g} 分" if card.score is not None else "单项否决"
    assert soup.select_one("#score").text == expected
    rows = soup.select("tr.problem")
    assert sorted(r["data-rule"] for r in rows) == sorted(f.rule for f in problems)
    for f in problems:
        matching = [r for r in rows if r["data-rule"] == f.rule and f.url in r.get_text()]
        assert matching, f.url
        assert f"{f.first_seen.date().isoformat()} 起" in matching[0].get_text()
    xss_row = next(r for r in rows if r.get_text().count(XSS))
    assert "持续存在" in xss_row.get_text()
    fixed = soup.select("tr.fixed-problem")
    assert [chain.portal_url + "gone.html" in r.get_text() for r in fixed] == [True]
    title_xss = [f for f in problems if f.rule == "meta.tags_missing"
                 and (f.detail or {}).get("title") == XSS]
    assert title_xss, "the column page's <title> reached a finding"
    assert f"页面标题：{XSS}" in soup.get_text()

    wb = load_workbook(f"{stem}.xlsx")
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    rows_x = [dict(zip(header, (c.value for c in r), strict=True))
              for r in ws.iter_rows(min_row=2)]
    assert len(rows_x) == len(problems)
    anchors = {r["页面标题/链接文字"] for r in rows_x}
    assert FORMULA in anchors and XSS in anchors  # text cells, no apostrophe
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    fixed_rows = list(wb["已整改"].iter_rows(min_row=2, values_only=True))
    assert [r[5] for r in fixed_rows] == [chain.portal_url + "gone.html"]
    assert wb["已整改"]["F2"].hyperlink.target == chain.portal_url + "gone.html"

    doc = Document(f"{stem}.docx")
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any(XSS in c for c in cells) and any(FORMULA in c for c in cells)


def test_quarter_comparison_against_the_store(chain: Chain):
    path = chain.out / f"scorecard-{chain.quarter}-vs-{chain.previous}.html"
    soup = _soup(path)
    assert soup.select_one("main")["data-compare"] == chain.previous
    rows = {r["data-code"]: r for r in soup.select("table.ranking tr.site")}
    assert set(rows) == {chain.portal, chain.dept}
    for code, row in rows.items():
        now = _card(chain, code, chain.quarter)
        before = _card(chain, code, chain.previous)
        assert now.run_id == chain.run2 and before.run_id == chain.run1
        assert row["data-verdict"] == now.verdict
        cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
        assert cells[-2].split()[0] == ("—" if before.score is None else f"{before.score:g}")
    failed = sum(_card(chain, c, chain.quarter).verdict == "不合格" for c in rows)
    assert soup.select_one("#pass-rate").text == f"{(2 - failed) / 2 * 100:.1f}%"
    assert (chain.out / f"scorecard-{chain.quarter}-vs-{chain.previous}.xlsx").exists()


def test_dashboard_against_the_store(chain: Chain):
    index = _soup(chain.out / "dashboard" / "index.html")
    for code in (chain.portal, chain.dept):
        row = index.select_one(f"tr.site[data-code='{code}']")
        card = _card(chain, code, f"run:{chain.run2}")
        assert row["data-verdict"] == card.verdict
        problems = [f for f in _findings(chain, chain.run2, code) if f.severity != "info"]
        assert row.select_one("td.problems").text == str(len(problems))
        page = _soup(chain.out / "dashboard" / row.select_one("a")["href"])
        assert len(page.select("#history tbody tr")) == 2
        assert len(page.select("tr.problem")) == len(problems)
