"""Durations of the indicator files: ``"14d"``, ``"2w"``, ``"6m"``, ``"1y"``.

Months and years are calendar months and years ("6 months" before 2026-08-31 is
2026-02-28), because supervisors count them that way, not as 30-day blocks.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")
# Nothing an indicator measures is older than ten years; larger values are typos, and
# ``before()`` would fall off the calendar (a 99999999y window dropped every column rule).
MAX_AMOUNT = {"d": 3653, "w": 522, "m": 120, "y": 10}


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # d, w, m, y

    def before(self, day: date) -> date:
        """The date ``self`` before ``day``."""
        if self.unit == "d":
            return day - timedelta(days=self.amount)
        if self.unit == "w":
            return day - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
        m += 1
        return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))

    def exceeded(self, newest: date, as_of: date) -> bool:
        """True when ``newest`` is older than this duration before ``as_of``."""
        return newest < self.before(as_of)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def label(self) -> str:
        return f"{self.amount}{ {'d': '天', 'w': '周', 'm': '个月', 'y': '年'}[self.unit] }"


def parse(text: str | int) -> Duration:
    if isinstance(text, int):
        amount, unit = text, "d"
    else:
        m = _DURATION.match(str(text)[:40])
        if not m:
            raise DurationError(f"无法解析的期限 '{str(text)[:40]}' (应如 14d、2w、6m、1y)")
        amount, unit = int(m.group(1)), m.group(2)
    if amount > MAX_AMOUNT[unit]:
        raise DurationError(f"期限 '{text}' 过长 (最多 10 年)")
    return Duration(amount, unit)
