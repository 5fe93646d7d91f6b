"""The dashboard in a real headless Chromium (Debian's ``chromium`` package), opened from
disk: it loads, shows the figures of the store, runs nothing that came from a crawled page,
and leaves screenshots in tests/artifacts/ for a person to look at.

Without Chromium the test skips locally, but FAILS when ``GOVMON_REQUIRE_BROWSER=1`` (CI
sets it after installing chromium and fonts-noto-cjk).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from store.models import Finding, Scorecard, Site
from tests import reports_chain
from tests.reports_chain import XSS, Chain

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars")


def _browser() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "Chromium 未安装: apt-get install -y --no-install-recommends chromium fonts-noto-cjk"
    if os.environ.get("GOVMON_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (GOVMON_REQUIRE_BROWSER=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> str:
    return _browser()


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, browser: str) -> Chain:
    return reports_chain.chain(tmp_path_factory)


def _render(browser: str, page: Path, profile: Path, png: str) -> BeautifulSoup:
    """One Chromium run: the rendered DOM (returned) and a screenshot in tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / png
    target.unlink(missing_ok=True)
    proc = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                           f"--screenshot={target}", "--window-size=1280,1600",
                           page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout, proc.stdout[:500]
    _check_png(target)
    print(f"\nscreenshot: {target}")
    return BeautifulSoup(proc.stdout, "lxml")


def _check_png(target: Path) -> None:
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600)
    # not a blank page: the decoded image holds many different byte values
    chunks, pos = [], 8
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + size])
        pos += 12 + size
    assert len(set(zlib.decompress(b"".join(chunks)))) > 60
    assert len(data) > 30_000


def _cards(c: Chain) -> dict[str, Scorecard]:
    with c.sessions() as s:
        return {site.code: card for card, site in s.execute(
            select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id).where(
                Scorecard.period == f"run:{c.run2}", Scorecard.system == "national-2019"))}


def _problems(c: Chain, code: str) -> list[Finding]:
    with c.sessions() as s:
        return list(s.scalars(select(Finding).join(Site, Site.id == Finding.site_id).where(
            Site.code == code, Finding.run_id == c.run2, Finding.severity.in_(("veto", "deduct")))))


def test_dashboard_renders_the_store_in_chromium(browser: str, chain: Chain, tmp_path: Path):
    index = chain.out / "dashboard" / "index.html"
    dom = _render(browser, index, tmp_path / "profile", "dashboard-index.png")
    cards = _cards(chain)
    rows = {r["data-code"]: r for r in dom.select("tr.site")}
    assert set(rows) == set(cards)
    for code, card in cards.items():
        cells = [td.get_text(" ", strip=True) for td in rows[code].find_all("td")]
        assert cells[4] == card.verdict
        assert cells[5] == ("—" if card.score is None else f"{card.score:g}")
        assert cells[7] == str(len(_problems(chain, code)))
    failed = sum(c.verdict == "不合格" for c in cards.values())
    assert dom.select_one("#n-fail").text == str(failed)
    assert dom.select_one("#n-sites").text == str(len(cards))
    assert dom.select_one("#n-problems").text == str(sum(len(_problems(chain, c))
                                                         for c in cards))
    assert dom.select_one("#pass-rate").text == f"{(len(cards) - failed) / len(cards):.1%}"
    assert not dom.find_all("script")

    # a site page: reached by the relative link, shows crawled markup as text only
    href = rows[chain.portal].select_one("a")["href"]
    site_page = index.parent / href
    page = _render(browser, site_page, tmp_path / "profile", "dashboard-site.png")
    assert page.select_one("h1").text == "示例市人民政府"
    assert page.select_one("#verdict").text == cards[chain.portal].verdict
    assert page.select_one("#problem-count").text == str(len(_problems(chain, chain.portal)))
    assert XSS in page.get_text() and not page.find_all("script")
    assert len(page.select("#history tbody tr")) == 2
    assert page.select_one("svg.trend circle.point, svg.trend g.point") is not None
    assert (site_page.parent / page.select_one("#back")["href"]).resolve() == index.resolve()
