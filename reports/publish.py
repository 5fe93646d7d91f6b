"""What ``govmon nightly`` publishes: the documents people read, refreshed every night.

``reports/<quarter>/`` holds the quarter's documents in their newest state — a notice for
every site with something to rectify (period = the quarter, so its 文号 stays the same all
quarter however often it is regenerated), the quarter's scorecard compared with the
previous quarter, and the dashboard linking each site to its notice and the scorecard.
``reports/latest/`` is a copy of the newest quarter folder, swapped in whole, so a
bookmark or a share to ``reports/latest/dashboard/index.html`` always works.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from reports.browser import optional_browser
from reports.dashboard import generate_dashboard
from reports.notice_model import Notice
from reports.notices import FORMATS, generate_notices
from reports.scorecard import generate_scorecard

LATEST = "latest"


@dataclass
class Published:
    folder: Path  # reports/<quarter>
    latest: Path  # reports/latest
    notices: list[Notice] = field(default_factory=list)
    notice_files: list[Path] = field(default_factory=list)
    scorecard_files: list[Path] = field(default_factory=list)
    dashboard: Path | None = None
    pdf: bool = False

    def in_latest(self, path: Path) -> Path:
        return self.latest / path.relative_to(self.folder)


def publish(sessions: sessionmaker[Session], reports_dir: Path, quarter: str, *,
            systems: list[Any], deadline_days: int, notice_date: date | None = None,
            warn: Callable[[str], None] = print, sender: str | None = None) -> Published:
    """Write the quarter's documents under ``reports_dir/<quarter>/`` and refresh
    ``reports_dir/latest/``."""
    folder = reports_dir / quarter
    notices_dir = folder / "notices"
    out = Published(folder=folder, latest=reports_dir / LATEST)
    with optional_browser(warn) as browser:
        out.pdf = browser is not None
        with sessions.begin() as s:
            out.notices, out.notice_files = generate_notices(
                s, notices_dir, system=systems[0], period=quarter, formats=FORMATS,
                deadline_days=deadline_days, notice_date=notice_date or date.today(),
                sender=sender, browser=browser, only_problems=True)
        _drop_stale(notices_dir, out.notice_files)
        with sessions() as s:
            _, out.scorecard_files = generate_scorecard(s, folder, quarter, system=systems[0],
                                                        browser=browser)
            html = next(p for p in out.scorecard_files if p.suffix == ".html")
            _drop_stale(folder, out.scorecard_files, pattern="scorecard-*")
            _, pages = generate_dashboard(s, folder / "dashboard", system=systems[0],
                                          others=systems[1:], notices=notices_dir,
                                          scorecard=html)
            out.dashboard = pages[0]
    _refresh_latest(folder, out.latest)
    return out


def _drop_stale(folder: Path, keep: list[Path], pattern: str = "*") -> None:
    """Files of an earlier night that tonight did not write (a site with nothing left
    to rectify loses its notice from the current set; its 文号 stays in the store)."""
    names = {p.name for p in keep}
    for path in folder.glob(pattern):
        if path.is_file() and path.name not in names:
            path.unlink()


def _refresh_latest(folder: Path, latest: Path) -> None:
    """Copy ``folder`` beside ``latest`` and swap it in with two renames."""
    staging = latest.with_name(f".{LATEST}-new")
    old = latest.with_name(f".{LATEST}-old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(folder, staging)
    if latest.exists():
        latest.rename(old)
    staging.rename(latest)
    shutil.rmtree(old, ignore_errors=True)
