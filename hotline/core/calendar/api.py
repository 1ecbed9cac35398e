"""The calendar API for other apps (a Python API, not HTTP): working calendars ready for arithmetic.

    from hotline.core.calendar.api import get_calendar
    cal = get_calendar(queue.calendar_id)          # None → the default calendar
    due = cal.add_business_minutes(opened_at, 240)
    left = cal.business_minutes_between(now, due)

``get_calendar`` builds a pure ``WorkingCalendar`` from the rows once and keeps it per process. A change made
through ``services`` drops this process's copies at once and bumps a generation in Django's cache, which the
other processes see when the cache is shared (Redis in production); with a per-process cache they reload after
``CACHE_SECONDS`` at the latest.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

from django.core.cache import cache
from django.db import transaction

from hotline.core.calendar.models import BusinessCalendar, ProductionCalendarDay
from hotline.core.calendar.production import DayKind, ProductionCalendar, ProductionDay, shipped_days
from hotline.core.calendar.working import (
    DayRule,
    MonthNorm,
    WorkingCalendar,
    load_zone,
    russian_production_calendar,
)
from hotline.core.errors import NotFound

logger = logging.getLogger(__name__)
FALLBACK_TIME_ZONE = "Europe/Moscow"

CACHE_SECONDS = 60.0
_GENERATION_KEY = "hotline:calendars:generation"

_lock = threading.Lock()
_calendars: dict[int | None, tuple[float, int, WorkingCalendar]] = {}
_production: tuple[float, int, ProductionCalendar] | None = None
_local_generation = 0


def _generation() -> int:
    shared = cache.get(_GENERATION_KEY)
    return _local_generation + (shared if isinstance(shared, int) else 0)


def invalidate() -> None:
    """Forget every cached calendar here and tell other processes (through the shared cache) to do the same."""
    global _local_generation, _production
    with _lock:
        _local_generation += 1
        _calendars.clear()
        _production = None
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # the key is not there yet (or was evicted)
        cache.set(_GENERATION_KEY, 1, timeout=None)


def invalidate_on_commit() -> None:
    """Forget now (this process must not keep the old calendar) and again once the change is visible to others."""
    invalidate()
    transaction.on_commit(invalidate, robust=True)


def _fresh(entry_time: float, entry_generation: int, generation: int) -> bool:
    return entry_generation == generation and time.monotonic() - entry_time < CACHE_SECONDS


def load_production_calendar(*, use_database: bool = True) -> ProductionCalendar:
    """Russia's production calendar: years the administrator edited from the database, the rest shipped."""
    years: dict[int, list[ProductionDay]] = {year: list(days) for year, days in shipped_days().items()}
    if use_database:
        edited: dict[int, list[ProductionDay]] = {}
        for day, kind, note in ProductionCalendarDay.objects.values_list("date", "kind", "note"):
            edited.setdefault(day.year, []).append(ProductionDay(day, DayKind(kind), note))
        years.update(edited)
    return ProductionCalendar(years)


def get_production_calendar() -> ProductionCalendar:
    """The production calendar (cached like the working calendars)."""
    global _production
    generation = _generation()
    entry = _production
    if entry is not None and _fresh(entry[0], entry[1], generation):
        return entry[2]
    production = load_production_calendar()
    with _lock:
        _production = (time.monotonic(), generation, production)
    return production


def working_calendar_for(row: BusinessCalendar) -> WorkingCalendar:
    """A working calendar built from a row (uncached; uses ``row.exceptions`` prefetched when it is)."""
    exceptions: dict[date, DayRule] = {}
    for exception in row.exceptions.all():
        try:
            kind = DayKind(exception.kind)
        except ValueError:
            continue
        exceptions[exception.date] = DayRule(kind, exception.custom_hours(), exception.note)
    time_zone = row.time_zone
    try:
        load_zone(time_zone)
    except ValueError:
        # Only a row written around the services can hold this; keep SLA clocks running and say so loudly.
        logger.error("calendar %s has unknown time zone %r; using %s", row.pk, time_zone, FALLBACK_TIME_ZONE)
        time_zone = FALLBACK_TIME_ZONE
    return WorkingCalendar(
        time_zone=time_zone,
        week=row.week(),
        always_open=row.is_24_7,
        exceptions=exceptions,
        production=get_production_calendar() if row.uses_production_calendar else None,
        name=row.name,
        calendar_id=row.pk,
    )


def _build(calendar_id: int | None) -> WorkingCalendar:
    query = BusinessCalendar.objects.all()
    row = query.filter(is_default=True).first() if calendar_id is None else query.filter(pk=calendar_id).first()
    if row is None:
        if calendar_id is None:
            # No calendar configured yet: the official 5/2 week, so SLA clocks work on a fresh install.
            return russian_production_calendar(get_production_calendar())
        raise NotFound("Календарь не найден")
    return working_calendar_for(row)


def get_calendar(calendar_id: int | None = None) -> WorkingCalendar:
    """The working calendar with this id, or the default one for None (the official 5/2 week if none is set).

    Raises:
        NotFound: no calendar with this id.
    """
    generation = _generation()
    entry = _calendars.get(calendar_id)
    if entry is not None and _fresh(entry[0], entry[1], generation):
        return entry[2]
    working = _build(calendar_id)
    with _lock:
        _calendars[calendar_id] = (time.monotonic(), generation, working)
    return working


def production_norms(year: int, *, use_database: bool = True) -> list[MonthNorm]:
    """Working days and hours of a 40-hour week per month of ``year``: the official norm."""
    production = get_production_calendar() if use_database else load_production_calendar(use_database=False)
    return russian_production_calendar(production).year_norms(year)
