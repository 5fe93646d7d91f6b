"""Working days with the official holiday and make-up-workday calendar (chinese_calendar)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from indicators.workdays import calendar_years, workday, working_days_between


def test_calendar_facts_the_tests_rely_on() -> None:
    # 国庆 + 中秋 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up workdays
    for offset in range(8):
        assert not chinese_calendar.is_workday(date(2025, 10, 1) + timedelta(days=offset))
    assert chinese_calendar.is_workday(date(2025, 9, 28))  # Sunday
    assert chinese_calendar.is_workday(date(2025, 10, 11))  # Saturday
    assert workday(date(2025, 10, 11)) == (True, True)
    assert workday(date(2025, 10, 3)) == (False, True)


@pytest.mark.parametrize(("start", "end", "days"), [
    (date(2025, 11, 7), date(2025, 11, 10), 1),    # Friday -> Monday
    (date(2025, 11, 10), date(2025, 11, 10), 0),   # same day
    (date(2025, 11, 10), date(2025, 11, 3), 0),    # reply before submission: nothing
    (date(2025, 11, 3), date(2025, 11, 17), 10),   # two plain weeks
    (date(2025, 9, 30), date(2025, 10, 10), 2),    # across 国庆: 10-09, 10-10
    (date(2025, 9, 26), date(2025, 10, 9), 4),     # make-up Sunday 09-28 counts
    (date(2025, 10, 9), date(2025, 10, 16), 6),    # make-up Saturday 10-11 counts
    (date(2026, 2, 13), date(2026, 2, 24), 2),     # 春节 2026: make-up Sat 02-14, then 02-24
])
def test_working_days_official(start: date, end: date, days: int) -> None:
    got = working_days_between(start, end)
    assert got.days == days
    assert got.official and got.note == ""


def test_weekends_only_would_differ() -> None:
    """The calendar matters: a weekday count would call the 国庆 reply slow."""
    weekdays = sum(1 for i in range(1, 11)
                   if (date(2025, 9, 30) + timedelta(days=i)).weekday() < 5)
    assert weekdays == 8
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 10)).days == 2


def test_fallback_for_years_the_package_does_not_cover() -> None:
    first, last = calendar_years()
    assert first <= 2025 <= last
    later = date(last + 1, 2, 1)
    while later.weekday() != 0:
        later += timedelta(days=1)
    got = working_days_between(later, later + timedelta(days=9))  # Mon -> Wed next week
    assert got.days == 7
    assert got.fallback_years == [last + 1] and not got.official
    assert f"{last + 1}年的法定节假日安排未收录" in got.note
    # a range crossing into the uncovered year falls back for that year only
    mixed = working_days_between(date(last, 12, 30), date(last + 1, 1, 4))
    assert mixed.fallback_years == [last + 1]
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(later)


def test_shipped_year_file_matches_the_published_schedule() -> None:
    from indicators.workdays import SHIPPED, load_year_file

    sched = load_year_file(SHIPPED / "2026.yaml")
    day = date(2026, 1, 1)
    while day.year == 2026:  # every day as chinese-calendar (the published notice) has it
        assert sched.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_operator_year_file_for_a_year_the_package_lacks(tmp_path) -> None:  # noqa: ANN001
    from indicators import workdays

    last = workdays.calendar_years()[1]
    year = last + 1
    (tmp_path / "holidays").mkdir()
    (tmp_path / "holidays" / f"{year}.yaml").write_text(
        f"year: {year}\nsource: 国务院办公厅通知（测试）\nholidays:\n  - {year}-01-01..{year}-01-03\n"
        f"workdays:\n  - {year}-01-09\n", encoding="utf-8")
    try:
        assert "按周一至周五" in workdays.fallback_note({year})
        workdays.use_workspace(tmp_path)
        assert workdays.workday(date(year, 1, 1)) == (False, True)
        assert workdays.schedule_source(year) == "国务院办公厅通知（测试）"
        sat = date(year, 1, 9)
        assert workdays.workday(sat)[0] is True  # 调休上班 even on a weekend day
        got = workdays.working_days_between(date(year, 1, 1), date(year, 1, 10))
        assert got.official and got.note == ""
        assert workdays.fallback_note({year}) == ""
        assert f"{year + 1}年的法定节假日安排未收录" in workdays.fallback_note({year, year + 1})
        assert f"holidays/{year + 1}.yaml" in workdays.fallback_note({year + 1})
        (tmp_path / "holidays" / f"{year}.yaml").write_text(
            f"year: {year}\nholidays:\n  - {year}-13-01\n", encoding="utf-8")
        with pytest.raises(workdays.CalendarFileError, match=r"holidays"):
            workdays.use_workspace(tmp_path)
    finally:
        workdays.use_workspace(None)
