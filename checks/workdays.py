"""Working days under the official Chinese holiday calendar (法定节假日 and 调休 make-up days).

Reply deadlines (I4: "5 个工作日") are counted in working days the way supervisors count them:
national holidays are not working days, and the weekend days the State Council declares
make-up workdays (调休上班) are. The calendar comes from ``chinesecalendar``; a year the
installed package does not cover falls back to "Monday to Friday" and is reported, so a
result never silently pretends to know a holiday schedule it does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def workday(day: date) -> tuple[bool, bool]:
    """(is a working day, the official calendar knew the year)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


@dataclass
class WorkdayCount:
    days: int
    fallback_years: list[int] = field(default_factory=list)  # years counted as Mon-Fri only

    @property
    def official(self) -> bool:
        return not self.fallback_years

    @property
    def note(self) -> str:
        """Chinese remark for findings whose count used the weekend-only fallback."""
        if self.official:
            return ""
        years = "、".join(str(y) for y in self.fallback_years)
        return f"{years}年的法定节假日安排未收录，按周一至周五计算工作日"


def working_days_between(start: date, end: date) -> WorkdayCount:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``).

    A message written on Friday and answered on Monday took one working day; the day of
    submission itself does not count, the day of the reply does.
    """
    days = 0
    fallback: set[int] = set()
    day = start + timedelta(days=1)
    while day <= end:
        is_work, official = workday(day)
        if not official:
            fallback.add(day.year)
        if is_work:
            days += 1
        day += timedelta(days=1)
    return WorkdayCount(days=days, fallback_years=sorted(fallback))


def calendar_years() -> tuple[int, int] | None:
    """First and last year the installed calendar covers (for notes in reports)."""
    known = [y for y in range(1990, 2100) if workday(date(y, 6, 1))[1]]
    return (known[0], known[-1]) if known else None
