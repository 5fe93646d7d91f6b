"""Rectification notices (整改通知): one per site, as printable HTML, DOCX and an XLSX
problem list — generated for a period, each with its stored document number (文号).

What a notice says is :mod:`reports.notice_model` (``build_notice``); the files are
:mod:`reports.notice_files`.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.common import is_problem, is_warning, period_cards, run_periods, site_findings
from reports.formats import NOTICE_FORMATS as FORMATS
from reports.notice_files import write_docx, write_html, write_xlsx
from reports.notice_model import Notice, build_notice, period_tag
from store.models import IssuedNotice, Scorecard, Site

DEFAULT_FORMATS = ("html", "docx", "xlsx", "pdf")
DEFAULT_PREFIX = "网监整改"


class ReportError(ValueError):
    """Bad report request (unknown site, no scorecards…); one line for the user."""


# -- the command's work ----------------------------------------------------------------
def issue_number(session: Session, site: Site, period: str, system_id: str, *,
                 notice_date: date, prefix: str = DEFAULT_PREFIX) -> IssuedNotice:
    """The stored 文号 of the notice for (site, period, system): the one issued before, or
    the next free number of ``prefix`` in the notice date's year. A number is never given
    twice (unique in the store); a regenerated notice keeps its number and its date."""
    have = session.scalars(select(IssuedNotice).where(
        IssuedNotice.site_id == site.id, IssuedNotice.period == period,
        IssuedNotice.system == system_id)).first()
    if have is not None:
        return have
    year = notice_date.year
    last = session.scalars(select(IssuedNotice.number).where(
        IssuedNotice.prefix == prefix, IssuedNotice.year == year)
        .order_by(IssuedNotice.number.desc()).limit(1)).first()
    number = (last or 0) + 1
    now = datetime.now()
    row = IssuedNotice(site_id=site.id, period=period, system=system_id, prefix=prefix,
                       year=year, number=number, doc_no=f"{prefix}〔{year}〕{number}号",
                       notice_date=notice_date, issued_at=now, rendered_at=now, files={})
    session.add(row)
    session.flush()
    return row


def has_problems(session: Session, card: Scorecard, site: Site) -> bool:
    """A notice is due: the card failed, or its run shows a problem to rectify or an
    early warning (the site should hear of it before the veto)."""
    if card.verdict == "不合格":
        return True
    return any(is_problem(f) or is_warning(f)
               for f in site_findings(session, card.run_id, site.id))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resolve_period(session: Session, period: str | None, system_id: str) -> str:
    """``run:12`` / ``12`` / ``2026q4`` → the stored period; default: the newest run with
    scorecards under the system."""
    from scoring.engine import normalize_quarter

    if period:
        text = period.strip()
        if text.isdigit():
            return f"run:{text}"
        if text.lower().startswith("run:"):
            return "run:" + text[4:].strip()
        try:
            return normalize_quarter(text)
        except ValueError as exc:
            raise ReportError(f"--period: {exc}；或写作 run:12") from None
    periods = run_periods(session, system_id)
    if not periods:
        raise ReportError(f"没有 {system_id} 指标体系的评分表：先运行 govmon score")
    return periods[-1]


def generate_notices(session: Session, out_dir: Path, *, system: Any, period: str | None = None,
                     codes: list[str] | None = None, formats: tuple[str, ...] = FORMATS,
                     deadline_days: int = 15, notice_date: date | None = None,
                     sender: str | None = None, doc_prefix: str = DEFAULT_PREFIX,
                     browser: Any = None, only_problems: bool = False,
                     shots: bool = True) -> tuple[list[Notice], list[Path]]:
    """Build and write the notices of ``period`` (one per site with a scorecard; with
    ``only_problems`` only for sites with something to rectify).

    The session must be writable: document numbers (``IssuedNotice``) and screenshots
    (``EvidenceShot``) are stored. ``browser`` (``reports.browser.Browser``) renders the
    screenshots and the PDF; without one, the notices carry no pictures and no PDF is
    written (the notice says so)."""
    from reports.evidence import shots_for

    period = resolve_period(session, period, system.id)
    cards = period_cards(session, period, system.id)
    if not cards:
        raise ReportError(f"没有周期 {period} 的评分表 ({system.id})：先运行 govmon score")
    if codes:
        have = {site.code for _, site in cards}
        missing = [c for c in codes if c not in have]
        if missing:
            raise ReportError(f"周期 {period} 没有网站 {', '.join(missing)} 的评分表")
        cards = [(c, s) for c, s in cards if s.code in codes]
    if only_problems:
        cards = [(c, s) for c, s in cards if has_problems(session, c, s)]
    notice_date = notice_date or date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    systems = {system.id: system}
    notices, paths = [], []
    for card, site in cards:
        issued = issue_number(session, site, period, system.id, notice_date=notice_date,
                              prefix=doc_prefix)
        pictures = {}
        if shots and browser is not None and card.run_id is not None:
            pictures = shots_for(session, browser, card.run_id,
                                 site_findings(session, card.run_id, site.id), site.url)
        n = build_notice(session, card, site, notice_date=issued.notice_date,
                         deadline_days=deadline_days, sender=sender, doc_no=issued.doc_no,
                         systems=systems, shots=pictures)
        if shots and browser is None:
            n.shots_note = "本通知未附问题截图（生成时未找到 Chromium 浏览器）。"
        notices.append(n)
        written = _write(n, out_dir, formats, browser)
        issued.files = {p.name: sha256_file(p) for p in written}
        issued.rendered_at = datetime.now()
        paths += written
    session.flush()
    if "xlsx" in formats and len(notices) > 1:
        paths.append(write_xlsx(notices, out_dir / f"problems-{period_tag(period)}.xlsx"))
    return notices, paths


def _write(n: Notice, out_dir: Path, formats: tuple[str, ...], browser: Any) -> list[Path]:
    """One notice's files in ``formats`` (the PDF printed from the HTML by ``browser``)."""
    from reports.browser import print_pdf

    written: list[Path] = []
    if "html" in formats or "pdf" in formats:
        html = write_html(n, out_dir / f"{n.file_stem}.html")
        if "html" in formats:
            written.append(html)
        if "pdf" in formats and browser is not None:
            written.append(print_pdf(browser, html, out_dir / f"{n.file_stem}.pdf"))
        if "html" not in formats:
            html.unlink()
    if "docx" in formats:
        written.append(write_docx(n, out_dir / f"{n.file_stem}.docx"))
    if "xlsx" in formats:
        written.append(write_xlsx([n], out_dir / f"{n.file_stem}.xlsx"))
    return written
