"""Russia's production calendar (производственный календарь): which dates break the weekly rhythm.

Pure Python: no Django. The official years ship in ``data/ru_production_calendar.json`` (public holidays, the
government's day transfers, shortened pre-holiday days, each year checked against the published norms).
A year outside the shipped data and outside the administrator's own rows is *derived*: public holidays and the
transfers the ``holidays`` package knows, plus the Labour Code's one-hour-shorter day before a holiday. A
derived year is a best guess, and ``is_official`` says so, until an administrator enters the decree.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any


class DayKind(enum.StrEnum):
    """How a date departs from the weekly schedule; the values are stored in the database."""

    HOLIDAY = "holiday"  # no work: a public holiday or a day off moved here by a transfer
    WORKING = "working"  # work on a day that is normally off (a Saturday made a working day)
    SHORT = "short"  # a working day one hour shorter (the day before a public holiday, ТК РФ ст. 95)


@dataclass(frozen=True)
class ProductionDay:
    date: date
    kind: DayKind
    note: str = ""


# ТК РФ ст. 112 ч. 1: the non-working public holidays, (month, day).
PUBLIC_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
)

DATA_FILE = "ru_production_calendar.json"


def _parse_days(rows: Iterable[Any], *, source: str) -> list[ProductionDay]:
    days: list[ProductionDay] = []
    for row in rows:
        if not isinstance(row, list) or len(row) not in (2, 3):
            raise ValueError(f"{source}: malformed day {row!r}")
        days.append(ProductionDay(date.fromisoformat(row[0]), DayKind(row[1]), row[2] if len(row) == 3 else ""))
    return days


@functools.cache
def shipped_data() -> dict[str, Any]:
    """The shipped JSON as it is (decree, derivation notes and days per year)."""
    text = resources.files("hotline.core.calendar").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def shipped_days() -> dict[int, tuple[ProductionDay, ...]]:
    """Days of every shipped year, checked: each date belongs to its year and appears once."""
    result: dict[int, tuple[ProductionDay, ...]] = {}
    for year_text, year_data in shipped_data()["years"].items():
        year = int(year_text)
        days = _parse_days(year_data["days"], source=f"{DATA_FILE} {year}")
        dates = [d.date for d in days]
        if any(d.year != year for d in dates) or len(set(dates)) != len(dates):
            raise ValueError(f"{DATA_FILE} {year}: a date is outside its year or repeated")
        result[year] = tuple(sorted(days, key=lambda d: d.date))
    return result


def shipped_years() -> frozenset[int]:
    return frozenset(shipped_days())


@functools.cache
def derived_days(year: int) -> tuple[ProductionDay, ...]:
    """A year nobody entered: public holidays and known transfers from ``holidays``; short days by ст. 95.

    The Labour Code shortens "the working day immediately before a non-working holiday"; which Saturdays the
    government later makes working (and whether they are shortened) only its decree tells, so the shipped and
    the administrator's data take precedence over this.
    """
    import holidays  # a heavy import; only years outside the data need it

    ru = holidays.country_holidays("RU", years=year, language="ru")
    kinds: dict[date, tuple[DayKind, str]] = {d: (DayKind.HOLIDAY, str(name)) for d, name in ru.items()}
    for workday in getattr(ru, "weekend_workdays", ()):
        if workday.year == year:
            kinds[workday] = (DayKind.WORKING, "Рабочий день (перенос выходного)")

    def is_working(d: date) -> bool:
        kind = kinds.get(d)
        if kind is not None:
            return kind[0] != DayKind.HOLIDAY
        return d.weekday() < 5

    day = date(year, 1, 1)
    while day.year == year:
        following = day + timedelta(days=1)
        if is_working(day) and (following.month, following.day) in PUBLIC_HOLIDAYS:
            kinds[day] = (DayKind.SHORT, "Предпраздничный день")
        day = following
    return tuple(ProductionDay(d, k, n) for d, (k, n) in sorted(kinds.items()) if d.year == year)


class ProductionCalendar:
    """Dates that differ from the weekly rhythm, by year: given years replace the derived ones wholesale.

    ``years`` maps a year to all of its special days. A year present there is official (shipped data or
    the administrator's rows); any other year falls back to ``derived_days`` when ``derive_missing`` is set.
    """

    def __init__(self, years: Mapping[int, Iterable[ProductionDay]], *, derive_missing: bool = True) -> None:
        self._official_years = frozenset(years)
        self._days: dict[date, ProductionDay] = {}
        for days in years.values():
            for day in days:
                self._days[day.date] = day
        self._derive_missing = derive_missing
        self._derived_years: set[int] = set()

    @classmethod
    def shipped(cls, *, derive_missing: bool = True) -> ProductionCalendar:
        return cls(shipped_days(), derive_missing=derive_missing)

    def is_official(self, year: int) -> bool:
        return year in self._official_years

    @property
    def official_years(self) -> frozenset[int]:
        return self._official_years

    def _ensure_year(self, year: int) -> None:
        if year in self._official_years or year in self._derived_years or not self._derive_missing:
            return
        if 1992 <= year <= 2100:  # outside that the holidays package has no Russian data worth using
            for day in derived_days(year):
                self._days[day.date] = day
        # Marked only once filled: a reader in another thread must never see a year half-loaded.
        self._derived_years.add(year)

    def day(self, on: date) -> ProductionDay | None:
        if on.year not in self._official_years:
            self._ensure_year(on.year)
        return self._days.get(on)

    def kind(self, on: date) -> DayKind | None:
        found = self.day(on)
        return found.kind if found else None

    def days_of(self, year: int) -> list[ProductionDay]:
        self._ensure_year(year)
        return sorted((d for d in self._days.values() if d.date.year == year), key=lambda d: d.date)
