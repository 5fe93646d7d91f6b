"""Shared by the disclosure, cluster and warning rules (issue 16): thresholds that a
province's older indicator file may lack, the yearly deadline due at a date, and reading
the facts ``derive/governance.py`` stored. Not a rule module (leading underscore)."""

from __future__ import annotations

from datetime import date
from typing import Any

from checks.base import CheckContext, Skip
from derive.governance import annual_documents as _annual_documents
from derive.governance import site_entries
from indicators.durations import Duration, MonthDay, parse_month_day
from indicators.durations import parse as parse_duration
from indicators.thresholds import ThresholdError
from parse.governance import KIND_LABELS  # noqa: F401 - the rules' names of entry kinds
from store.models import AnnualReport, SiteEntry


def need(ctx: CheckContext, key: str) -> Any:
    """``thresholds.<key>``, or :class:`Skip` naming the key the indicator file lacks."""
    try:
        return ctx.threshold(key)
    except ThresholdError:
        raise Skip(f"指标文件未设阈值 thresholds.{key}，未检查") from None


def need_duration(ctx: CheckContext, key: str) -> Duration:
    return parse_duration(need(ctx, key))


def need_deadline(ctx: CheckContext, key: str) -> MonthDay:
    return parse_month_day(need(ctx, key))


def due_year(as_of: date, deadline: MonthDay) -> tuple[int, date]:
    """(year, its deadline) of the yearly document whose deadline passed most recently
    before ``as_of``: the previous year's once this year's deadline is over (a report
    published on the deadline day is on time), else the year before."""
    this_year = deadline.of(as_of.year)
    if as_of > this_year:
        return as_of.year - 1, this_year
    return as_of.year - 2, deadline.of(as_of.year - 1)


def annual_documents(ctx: CheckContext, kind: str, year: int | None = None
                     ) -> list[AnnualReport]:
    """The site's stored reports (``kind`` report) or statements of this run."""
    return _annual_documents(ctx.session, ctx.run.id, ctx.site.id, kind, year)


def entries(ctx: CheckContext, *kinds: str, site_id: int | None = None) -> list[SiteEntry]:
    """Links of ``kinds`` the derive step stored for the site (or ``site_id``) in this run."""
    return site_entries(ctx.session, ctx.run.id, site_id or ctx.site.id, *kinds)


def quote(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip()
    return "“" + (text if len(text) <= limit else text[:limit] + "…") + "”"
