"""Russia's production calendar: the shipped data must give the official norms, month by month."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import holidays
import pytest

from hotline.core.calendar.production import (
    PUBLIC_HOLIDAYS,
    DayKind,
    ProductionCalendar,
    ProductionDay,
    derived_days,
    shipped_data,
    shipped_days,
)
from hotline.core.calendar.working import russian_production_calendar

# The published norms of working time for a 40-hour five-day week: (working days, hours) per month.
# Sources: the government decrees on day transfers and the Ministry of Labour's calendars for each year.
OFFICIAL_NORMS: dict[int, list[tuple[int, int]]] = {
    2023: [(17, 136), (18, 143), (22, 175), (20, 160), (20, 160), (21, 168),
           (21, 168), (23, 184), (21, 168), (22, 176), (21, 167), (21, 168)],
    2024: [(17, 136), (20, 159), (20, 159), (21, 168), (20, 159), (19, 151),
           (23, 184), (22, 176), (21, 168), (23, 184), (21, 167), (21, 168)],
    2025: [(17, 136), (20, 160), (21, 167), (22, 175), (18, 144), (19, 151),
           (23, 184), (21, 168), (22, 176), (23, 184), (19, 151), (22, 176)],
    2026: [(15, 120), (19, 152), (21, 168), (22, 175), (19, 151), (21, 167),
           (23, 184), (21, 168), (22, 176), (22, 176), (20, 159), (22, 176)],
    2027: [(15, 120), (19, 151), (22, 176), (22, 175), (19, 152), (21, 167),
           (22, 176), (22, 176), (22, 176), (21, 168), (20, 159), (22, 176)],
}  # fmt: skip
OFFICIAL_TOTALS = {2023: (247, 1973), 2024: (248, 1979), 2025: (247, 1972), 2026: (247, 1972), 2027: (247, 1972)}


@pytest.mark.parametrize("year", sorted(OFFICIAL_NORMS))
def test_month_norms_equal_the_official_ones(year: int) -> None:
    norms = russian_production_calendar().year_norms(year)
    got = [(n.working_days, n.working_minutes // 60) for n in norms]
    assert got == OFFICIAL_NORMS[year]
    assert all(n.working_minutes % 60 == 0 for n in norms)
    assert (sum(d for d, _ in got), sum(h for _, h in got)) == OFFICIAL_TOTALS[year]


def test_the_table_itself_adds_up_to_the_official_totals() -> None:
    for year, months in OFFICIAL_NORMS.items():
        assert (sum(d for d, _ in months), sum(h for _, h in months)) == OFFICIAL_TOTALS[year]


def test_at_least_2024_to_2027_ship_with_their_decrees() -> None:
    data = shipped_data()["years"]
    for year in range(2024, 2028):
        assert str(year) in data
        assert data[str(year)]["decree"].startswith("Постановление Правительства РФ")
        assert data[str(year)]["derivation"]


@pytest.mark.parametrize("year", sorted(shipped_days()))
def test_shipped_days_agree_with_the_holidays_package(year: int) -> None:
    """Non-working weekdays and working weekend days are the same as in ``holidays`` (RU)."""
    ru = holidays.country_holidays("RU", years=year)
    lib_off = {d for d in ru if d.year == year and d.weekday() < 5}
    lib_working = {d for d in getattr(ru, "weekend_workdays", ()) if d.year == year}
    days = shipped_days()[year]
    ours_off = {d.date for d in days if d.kind == DayKind.HOLIDAY and d.date.weekday() < 5}
    ours_working = {d.date for d in days if d.kind != DayKind.HOLIDAY and d.date.weekday() >= 5}
    assert ours_off == lib_off
    assert ours_working == lib_working


@pytest.mark.parametrize("year", sorted(shipped_days()))
def test_every_public_holiday_is_listed_as_non_working(year: int) -> None:
    kinds = {d.date: d.kind for d in shipped_days()[year]}
    for month, day in PUBLIC_HOLIDAYS:
        assert kinds.get(date(year, month, day)) == DayKind.HOLIDAY


@pytest.mark.parametrize("year", sorted(shipped_days()))
def test_short_days_come_before_holidays(year: int) -> None:
    """A shortened day is followed, after at most two days off, by a public holiday (ТК РФ ст. 95)."""
    kinds = {d.date: d.kind for d in shipped_days()[year]}
    for day, kind in kinds.items():
        if kind != DayKind.SHORT:
            continue
        ahead = [day + timedelta(days=n) for n in range(1, 4)]
        assert any((d.month, d.day) in PUBLIC_HOLIDAYS for d in ahead), day


def test_known_dates() -> None:
    production = ProductionCalendar.shipped()
    assert production.kind(date(2025, 11, 1)) == DayKind.SHORT  # a working, shortened Saturday
    assert production.kind(date(2024, 4, 27)) == DayKind.WORKING  # a working Saturday, full length
    assert production.kind(date(2024, 4, 29)) == DayKind.HOLIDAY  # the day off moved from 27 April
    assert production.kind(date(2026, 1, 9)) == DayKind.HOLIDAY
    assert production.kind(date(2026, 3, 9)) == DayKind.HOLIDAY  # 8 March fell on a Sunday
    assert production.kind(date(2026, 3, 6)) is None  # the Friday before that Sunday is a full day
    assert production.kind(date(2025, 5, 7)) is None  # before a transferred day off, not a holiday
    assert production.kind(date(2025, 7, 15)) is None


def test_a_year_outside_the_data_is_derived_from_public_holidays() -> None:
    production = ProductionCalendar.shipped()
    assert not production.is_official(2030)
    assert production.kind(date(2030, 1, 1)) == DayKind.HOLIDAY
    assert production.kind(date(2030, 5, 9)) == DayKind.HOLIDAY
    # 2030: 8 March is a Friday, so Thursday 7 March is one hour shorter.
    assert production.kind(date(2030, 3, 7)) == DayKind.SHORT
    days = derived_days(2030)
    assert all(d.date.year == 2030 for d in days)
    norms = russian_production_calendar(production).year_norms(2030)
    assert 240 <= sum(n.working_days for n in norms) <= 252


def test_given_years_replace_the_shipped_ones_wholesale() -> None:
    production = ProductionCalendar({2025: [ProductionDay(date(2025, 7, 15), DayKind.HOLIDAY)]})
    assert production.kind(date(2025, 7, 15)) == DayKind.HOLIDAY
    assert production.kind(date(2025, 1, 1)) is None  # the given year is all there is for 2025
    assert production.is_official(2025)
    assert not ProductionCalendar({}, derive_missing=False).kind(date(2025, 1, 1))


def test_pure_modules_do_not_import_django() -> None:
    code = (
        "import sys\n"
        "import hotline.core.calendar.working, hotline.core.calendar.production, hotline.core.calendar.hours\n"
        "from hotline.core.calendar.working import russian_production_calendar\n"
        "assert russian_production_calendar().month_norm(2025, 1).working_days == 17\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
