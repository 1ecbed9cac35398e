"""Calling windows in the callee's local time, and their intersection over every zone the callee may be in.

Pure Python (no Django). A window is given for working days and for days off (weekends and public holidays, by
Russia's production calendar: a Saturday made a working day is a working day). 230-ФЗ (ст. 7 ч. 3) forbids a
creditor's calls to a debtor on working days from 22:00 to 08:00 and on days off from 20:00 to 09:00 local time:
``LEGAL_DEBT_HOURS``; a debt campaign's own hours are cut to them.

Everything is computed as half-open UTC spans ``[start, end)`` over a horizon, so the answer to "may we call now"
and "when may we call next" is the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.core.calendar.production import DayKind, ProductionCalendar

Span = tuple[datetime, datetime]
HORIZON = timedelta(days=10)


@dataclass(frozen=True)
class CallingHours:
    """Local hours calls are allowed on working days and on days off; ``None`` for no calls on such days."""

    workday: tuple[time, time] | None
    dayoff: tuple[time, time] | None

    def clipped_to(self, other: CallingHours) -> CallingHours:
        return CallingHours(_clip(self.workday, other.workday), _clip(self.dayoff, other.dayoff))


LEGAL_DEBT_HOURS = CallingHours(workday=(time(8), time(22)), dayoff=(time(9), time(20)))


def _clip(a: tuple[time, time] | None, b: tuple[time, time] | None) -> tuple[time, time] | None:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def is_day_off(day: date, production: ProductionCalendar | None) -> bool:
    kind = production.kind(day) if production is not None else None
    if kind == DayKind.HOLIDAY:
        return True
    if kind in (DayKind.WORKING, DayKind.SHORT):
        return False
    return day.weekday() >= 5


def local_spans(
    zone: str, hours: CallingHours, start: datetime, end: datetime, production: ProductionCalendar | None
) -> list[Span]:
    """The allowed spans in one zone between ``start`` and ``end`` (UTC, clipped)."""
    tz = ZoneInfo(zone)
    spans: list[Span] = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        window = hours.dayoff if is_day_off(day, production) else hours.workday
        if window is not None:
            a = datetime.combine(day, window[0], tzinfo=tz).astimezone(UTC)
            b = datetime.combine(day, window[1], tzinfo=tz).astimezone(UTC)
            a, b = max(a, start), min(b, end)
            if a < b:
                spans.append((a, b))
        day += timedelta(days=1)
    return spans


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Spans in both lists (each sorted and non-overlapping)."""
    result: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def allowed_spans(
    zones: Iterable[str],
    hours: CallingHours,
    start: datetime,
    end: datetime,
    production: ProductionCalendar | None,
) -> list[Span]:
    """Spans allowed in every one of ``zones`` at once."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    result: list[Span] | None = None
    for zone in zones:
        spans = local_spans(zone, hours, start, end, production)
        result = spans if result is None else intersect(result, spans)
        if not result:
            return []
    return result or []


@dataclass(frozen=True)
class WindowVerdict:
    inside: bool
    opens_at: datetime | None  # the next allowed moment when outside (None: none within the horizon)
    closes_at: datetime | None  # the end of the current span when inside


def check_window(
    zones: Sequence[str], hours: CallingHours, now: datetime, production: ProductionCalendar | None
) -> WindowVerdict:
    """Whether ``now`` is inside the window in every zone, and when it next opens or closes."""
    spans = allowed_spans(zones, hours, now, now + HORIZON, production)
    now_utc = now.astimezone(UTC)
    for a, b in spans:
        if a <= now_utc < b:
            return WindowVerdict(True, None, b)
        if a > now_utc:
            return WindowVerdict(False, a, None)
    return WindowVerdict(False, None, None)
