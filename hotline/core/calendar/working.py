"""Business-time arithmetic on a working calendar: the clock an SLA runs on.

Pure Python: no Django. A ``WorkingCalendar`` is a time zone, working hours per weekday (several intervals a
day, overnight ones, or round the clock), the calendar's own exceptions and, optionally, the production
calendar. Every question is answered by walking working *intervals* day by day (each day's intervals are
computed once and cached), never minute by minute, so a due time a month ahead costs a few dozen steps.

Conventions (the SLA engine relies on them):
- instants are timezone-aware; results come back in the time zone of the argument;
- a working interval is half-open ``[start, end)``; adding N > 0 minutes returns the instant at which the N-th
  working minute *ends*, so 09:00 + 540 min on a 09:00-18:00 day is 18:00 that day, not 09:00 the next;
- business time is real elapsed time inside working intervals (a DST change inside a shift counts as it is);
- each day's intervals belong to the date they start on: an overnight shift on the eve of a holiday still
  happens, one starting on the holiday does not; a pre-holiday day loses its last 60 minutes;
- when several days' intervals overlap (an overnight shift running into the next day's early one) the time
  counts once.
"""

from __future__ import annotations

import calendar as _calendar
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.core.calendar.hours import FULL_DAY, NO_HOURS, DayHours, normalize, shorten, total_minutes
from hotline.core.calendar.production import DayKind, ProductionCalendar

SHORT_DAY_MINUTES = 60
# A calendar that has had no working minute for this long is taken to have none at all (instead of looping).
MAX_IDLE_DAYS = 3 * 366
# Working time over more whole days than this is read from memoised running totals instead of walked day by day
# (a backlog ticket's SLA clock, running for months, is asked for on every page that shows it).
LONG_SPAN_DAYS = 7

Span = tuple[datetime, datetime]


class NoWorkingTime(ValueError):
    """The calendar has no working time ahead (an empty week and no working days in sight)."""


@dataclass(frozen=True)
class DayRule:
    """A calendar's own exception for one date; ``hours`` None means "derive from the weekly schedule"."""

    kind: DayKind
    hours: DayHours | None = None
    note: str = ""


_PRODUCTION_RULES = {kind: DayRule(kind) for kind in DayKind}


@dataclass(frozen=True)
class MonthNorm:
    """The working days and working time a calendar schedules in one month (its monthly norm)."""

    year: int
    month: int
    working_days: int
    working_minutes: int

    @property
    def working_hours(self) -> float:
        return self.working_minutes / 60


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone by name.

    Raises:
        ValueError: no such zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


class WorkingCalendar:
    """Working time of one calendar and the arithmetic on it. Immutable once built; safe to share."""

    def __init__(
        self,
        *,
        time_zone: str | ZoneInfo = "Europe/Moscow",
        week: Sequence[DayHours] = (NO_HOURS,) * 7,
        always_open: bool = False,
        exceptions: Mapping[date, DayRule] | None = None,
        production: ProductionCalendar | None = None,
        name: str = "",
        calendar_id: int | None = None,
    ) -> None:
        if len(week) != 7:
            raise ValueError("week needs hours for 7 days, Monday first")
        self.tz: ZoneInfo = time_zone if isinstance(time_zone, ZoneInfo) else load_zone(time_zone)
        self.week: tuple[DayHours, ...] = tuple(normalize(day) for day in week)
        self.always_open = always_open
        self.exceptions: dict[date, DayRule] = dict(exceptions or {})
        self.production = production
        self.name = name
        self.calendar_id = calendar_id
        # The hours a working day gets when its weekday has none (a Saturday made a working day).
        self._default_day = next((day for day in self.week if day), NO_HOURS)
        self._hours_cache: dict[date, DayHours] = {}
        self._spans_cache: dict[date, tuple[Span, ...]] = {}
        # Working time from the first memoised day's midnight to each later (or earlier) day's; contiguous days.
        self._running_totals: dict[date, timedelta] = {}
        self._totals_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.name or self.calendar_id or ''} {self.tz.key}>"

    # --- one day -------------------------------------------------------------------------------------
    def hours_on(self, day: date) -> DayHours:
        """The working intervals that start on ``day`` (minutes from local midnight)."""
        cached = self._hours_cache.get(day)
        if cached is None:
            cached = self._hours_cache[day] = self._compute_hours(day)
        return cached

    def day_kind(self, day: date) -> DayKind | None:
        """Why ``day`` differs from its weekday: the calendar's own exception first, then the production calendar."""
        rule = self.exceptions.get(day)
        if rule is not None:
            return rule.kind
        return self.production.kind(day) if self.production is not None else None

    def _compute_hours(self, day: date) -> DayHours:
        rule = self.exceptions.get(day) if self.exceptions else None
        if rule is None and self.production is not None:
            kind = self.production.kind(day)
            if kind is not None:
                rule = _PRODUCTION_RULES[kind]
        weekday_hours = FULL_DAY if self.always_open else self.week[day.weekday()]
        if rule is None:
            return weekday_hours
        if rule.kind == DayKind.HOLIDAY:
            return NO_HOURS
        if rule.hours is not None:
            return rule.hours
        base = weekday_hours or self._default_day
        # Round-the-clock work is continuous: a pre-holiday hour is compensated, not cut (ТК РФ ст. 95 ч. 3).
        if rule.kind == DayKind.SHORT and not self.always_open:
            return shorten(base, SHORT_DAY_MINUTES)
        return base

    def _spans(self, day: date) -> tuple[Span, ...]:
        """The day's intervals as UTC instants (wall-clock times, so 09:00 stays 09:00 across a DST change)."""
        cached = self._spans_cache.get(day)
        if cached is None:
            hours = self.hours_on(day)
            if not hours:
                self._spans_cache[day] = ()
                return ()
            midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            spans: list[Span] = []
            for start, end in hours:
                # Aware + timedelta is wall-clock arithmetic in Python: exactly the local time we want.
                a = (midnight + timedelta(minutes=start)).astimezone(UTC)
                b = (midnight + timedelta(minutes=end)).astimezone(UTC)
                if b > a:
                    spans.append((a, b))
            cached = tuple(spans)
            self._spans_cache[day] = cached
        return cached

    def _walk(self, start: datetime, until: datetime | None = None) -> Iterator[Span]:
        """Working spans (UTC, ordered, non-overlapping) that end after ``start``, clipped to begin at it.

        Stops after the local day of ``until``; without ``until`` it goes on while there is working time.

        Raises:
            NoWorkingTime: no working minute in ``MAX_IDLE_DAYS`` days (only without ``until``).
        """
        start = start.astimezone(UTC)
        # An interval of the previous date may run past midnight into the start's date.
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        last_day = until.astimezone(self.tz).date() if until is not None else None
        cursor = start
        idle = 0
        one_day = timedelta(days=1)
        while last_day is None or day <= last_day:
            produced = False
            for a, b in self._spans(day):
                if b <= cursor:
                    continue
                yield (a if a > cursor else cursor), b
                cursor = b
                produced = True
            if produced:
                idle = 0
            else:
                idle += 1
                if last_day is None and idle > MAX_IDLE_DAYS:
                    raise NoWorkingTime(f"calendar {self.name or self.calendar_id!r} has no working time ahead")
            day += one_day

    # --- the arithmetic ----------------------------------------------------------------------------------
    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a working interval."""
        _require_aware(moment, "moment")
        utc = moment.astimezone(UTC)
        local_day = utc.astimezone(self.tz).date()
        for day in (local_day - timedelta(days=1), local_day):
            for a, b in self._spans(day):
                if a <= utc < b:
                    return True
        return False

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it is working time, otherwise the start of the next working interval.

        Raises:
            NoWorkingTime: the calendar never works again.
        """
        _require_aware(moment, "moment")
        for a, _ in self._walk(moment):
            return a.astimezone(moment.tzinfo)
        raise NoWorkingTime("no working time ahead")  # pragma: no cover - _walk raises first

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of working time after ``start`` (the end of the last working minute).

        Raises:
            ValueError: ``start`` is naive or ``amount`` negative.
            NoWorkingTime: the calendar runs out of working time before ``amount`` is used up.
        """
        _require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError("amount of business time cannot be negative")
        if not amount:
            return start
        remaining = amount
        for a, b in self._walk(start):
            span = b - a
            if remaining <= span:
                return (a + remaining).astimezone(start.tzinfo)
            remaining -= span
        raise NoWorkingTime("no working time ahead")  # pragma: no cover - _walk raises first

    def add_business_minutes(self, start: datetime, minutes: int | float) -> datetime:
        """``start`` plus ``minutes`` of working time; see ``add_business_time``."""
        return self.add_business_time(start, timedelta(minutes=minutes))

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a`` (an overdue SLA)."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.business_time_between(b, a)
        first = a.astimezone(self.tz).date() + timedelta(days=1)
        last = b.astimezone(self.tz).date()
        if (last - first).days < LONG_SPAN_DAYS:
            return self._walk_between(a, b)
        # Working time is additive over a split at any instant: the part days, plus whole days from the totals.
        inner = self._total_to(last) - self._total_to(first)
        return self._walk_between(a, self._midnight(first)) + inner + self._walk_between(self._midnight(last), b)

    def _walk_between(self, a: datetime, b: datetime) -> timedelta:
        total = timedelta(0)
        end = b.astimezone(UTC)
        for x, y in self._walk(a, until=b):
            if x >= end:
                break
            total += (y if y < end else end) - x
        return total

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)

    def _total_to(self, day: date) -> timedelta:
        """Working time from the first memoised day's midnight to ``day``'s (negative before it)."""
        totals = self._running_totals
        found = totals.get(day)
        if found is not None:
            return found
        one_day = timedelta(days=1)
        with self._totals_lock:
            if not totals:
                totals[day] = timedelta(0)
                return totals[day]
            known_first, known_last = min(totals), max(totals)
            if day > known_last:
                cursor, total = known_last, totals[known_last]
                while cursor < day:
                    following = cursor + one_day
                    total += self._walk_between(self._midnight(cursor), self._midnight(following))
                    totals[following] = total
                    cursor = following
            else:
                cursor, total = known_first, totals[known_first]
                while cursor > day:
                    previous = cursor - one_day
                    total -= self._walk_between(self._midnight(previous), self._midnight(cursor))
                    totals[previous] = total
                    cursor = previous
            return totals[day]

    def business_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from ``a`` to ``b`` (truncated towards zero; negative when ``b`` < ``a``)."""
        seconds = self.business_time_between(a, b) // timedelta(seconds=1)
        minutes = abs(seconds) // 60
        return minutes if seconds >= 0 else -minutes

    def working_spans(self, a: datetime, b: datetime) -> list[Span]:
        """The working intervals between ``a`` and ``b``, clipped to them, in the time zone of ``a``."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        end = b.astimezone(UTC)
        result: list[Span] = []
        zone: tzinfo | None = a.tzinfo
        for x, y in self._walk(a, until=b):
            if x >= end:
                break
            result.append((x.astimezone(zone), min(y, end).astimezone(zone)))
        return result

    # --- norms ---------------------------------------------------------------------------------------
    def month_norm(self, year: int, month: int) -> MonthNorm:
        """Working days and scheduled minutes in a month, counting each day's intervals on the day they start."""
        days = 0
        minutes = 0
        for day_number in range(1, _calendar.monthrange(year, month)[1] + 1):
            worked = total_minutes(self.hours_on(date(year, month, day_number)))
            if worked:
                days += 1
                minutes += worked
        return MonthNorm(year=year, month=month, working_days=days, working_minutes=minutes)

    def year_norms(self, year: int) -> list[MonthNorm]:
        return [self.month_norm(year, month) for month in range(1, 13)]


# Monday to Friday, 09:00-18:00 with the lunch hour 13:00-14:00 off: the 8-hour day of a 40-hour week.
OFFICE_DAY: DayHours = ((9 * 60, 13 * 60), (14 * 60, 18 * 60))
FIVE_DAY_WEEK: tuple[DayHours, ...] = (OFFICE_DAY,) * 5 + (NO_HOURS, NO_HOURS)


def russian_production_calendar(
    production: ProductionCalendar | None = None, *, time_zone: str = "Europe/Moscow"
) -> WorkingCalendar:
    """The 5/2 calendar of a 40-hour week on Russia's production calendar: its norms are the official ones."""
    return WorkingCalendar(
        time_zone=time_zone,
        week=FIVE_DAY_WEEK,
        production=production if production is not None else ProductionCalendar.shipped(),
        name="Производственный календарь РФ",
    )
