"""Working days under the official Chinese holiday calendar (法定节假日 and 调休 make-up days).

Reply deadlines (I4: "5 个工作日") are counted in working days the way supervisors count them:
national holidays are not working days, and the weekend days the State Council declares
make-up workdays (调休上班) are. A year's schedule comes from, in this order: a year file
the operator puts in the workspace (``holidays/<year>.yaml``: the State Council publishes
next year's schedule each November, before a package release carries it), the
``chinesecalendar`` package, the year files shipped in ``indicators/data/holidays/`` (the
newest published year; also the format to copy). A year none of them covers falls back to
"Monday to Friday" and is reported in findings, notices and the nightly summary, so a
result never silently pretends to know a holiday schedule it does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

SHIPPED = Path(__file__).with_name("data") / "holidays"
WORKSPACE_DIR = "holidays"


class CalendarFileError(ValueError):
    """A holiday year file that cannot be used (one line: file, line or key)."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # weekend days declared working days (调休上班)
    source: str

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


_dirs: list[Path] = []  # workspace holiday directories, first wins


def use_workspace(workspace: Path | str | None) -> None:
    """Read year files from ``<workspace>/holidays/`` before the installed calendar."""
    _dirs.clear()
    if workspace is not None:
        _dirs.append(Path(workspace) / WORKSPACE_DIR)
    _files.cache_clear()
    workday.cache_clear()
    _files(False)  # a bad file is reported now (CalendarFileError), not mid-check


def _days(value: object, path: Path, key: str, year: int) -> set[date]:
    out: set[date] = set()
    for i, item in enumerate(value or []):
        text = str(item).strip()
        try:
            first, _, last = text.partition("..")
            a = date.fromisoformat(first.strip())
            b = date.fromisoformat(last.strip()) if last else a
        except ValueError:
            raise CalendarFileError(f"{path}: {key}[{i}]: 不是日期或日期范围: {text}") from None
        if a.year != year or b.year != year or b < a:
            raise CalendarFileError(f"{path}: {key}[{i}]: 不在 {year} 年内: {text}")
        while a <= b:
            out.add(a)
            a += timedelta(days=1)
    return out


def load_year_file(path: Path) -> YearSchedule:
    """A year file (see ``indicators/data/holidays/2026.yaml``); bad files raise
    CalendarFileError naming the file and key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CalendarFileError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML 格式错误"
                                ) from None
    except ValueError as exc:  # a scalar YAML reads as an impossible date (2027-13-01)
        raise CalendarFileError(f"{path}: holidays/workdays: 日期无效 ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise CalendarFileError(f"{path}: year: 缺少年份")
    year = data["year"]
    if path.stem.isdigit() and int(path.stem) != year:
        raise CalendarFileError(f"{path}: year: {year} 与文件名不符")
    return YearSchedule(year, frozenset(_days(data.get("holidays"), path, "holidays", year)),
                        frozenset(_days(data.get("workdays"), path, "workdays", year)),
                        str(data.get("source") or path))


@lru_cache(maxsize=8)
def _files(shipped: bool) -> dict[int, YearSchedule]:
    dirs = [SHIPPED] if shipped else list(_dirs)
    out: dict[int, YearSchedule] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            sched = load_year_file(path)
            out.setdefault(sched.year, sched)
    return out


def schedule_source(year: int) -> str | None:
    """Where the year's holidays come from: a workspace file, chinese-calendar or a shipped
    file (None: not known, Monday to Friday)."""
    if year in _files(False):
        return _files(False)[year].source
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return "chinese-calendar"
    except NotImplementedError:
        pass
    return _files(True)[year].source if year in _files(True) else None


@lru_cache(maxsize=4096)
def workday(day: date) -> tuple[bool, bool]:
    """(is a working day, the year's official schedule was known)."""
    own = _files(False).get(day.year)
    if own is not None:
        return own.is_workday(day), True
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        pass
    shipped = _files(True).get(day.year)
    if shipped is not None:
        return shipped.is_workday(day), True
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
        return fallback_note(self.fallback_years)


def fallback_note(years: list[int] | set[int]) -> str:
    """The sentence findings, notices and the nightly summary carry when a year's
    holidays are unknown ("" when every year is known)."""
    missing = sorted(y for y in set(years) if not workday(date(y, 6, 1))[1])
    if not missing:
        return ""
    names = "、".join(str(y) for y in missing)
    return (f"{names}年的法定节假日安排未收录，按周一至周五计算工作日"
            f"（可在工作目录 {WORKSPACE_DIR}/{missing[0]}.yaml 中提供该年安排）")


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
    """First and last year the calendar covers (installed package and year files)."""
    known = [y for y in range(1990, 2100) if workday(date(y, 6, 1))[1]]
    return (known[0], known[-1]) if known else None
