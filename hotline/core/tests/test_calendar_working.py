"""Business-time arithmetic: real dates of the Russian calendar, and invariants checked by hypothesis."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hotline.core.calendar.hours import FULL_DAY, DayHours, parse_hours
from hotline.core.calendar.production import DayKind, ProductionCalendar
from hotline.core.calendar.working import (
    FIVE_DAY_WEEK,
    DayRule,
    NoWorkingTime,
    WorkingCalendar,
    russian_production_calendar,
)

MSK = ZoneInfo("Europe/Moscow")
PRODUCTION = ProductionCalendar.shipped(derive_missing=False)


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def office(**kwargs: object) -> WorkingCalendar:
    """The default 5/2, 09:00-18:00 with lunch 13:00-14:00, on the production calendar."""
    return WorkingCalendar(time_zone="Europe/Moscow", week=FIVE_DAY_WEEK, production=PRODUCTION, **kwargs)  # type: ignore[arg-type]


def week_of(text: str, days: str = "12345") -> tuple[DayHours, ...]:
    hours = parse_hours(text)
    return tuple(hours if str(n + 1) in days else () for n in range(7))


# --- real dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # New Year: Saturday 28 Dec 2024 is a working day; 29 Dec - 8 Jan are off; 9 Jan 2025 is a Thursday.
        (msk(2024, 12, 28, 17, 0), 240, msk(2025, 1, 9, 12, 0)),
        (msk(2024, 12, 27, 17, 30), 60, msk(2024, 12, 28, 9, 30)),
        (msk(2025, 12, 30, 17, 0), 120, msk(2026, 1, 12, 10, 0)),  # 31 Dec 2025 - 11 Jan 2026 are off
        # A transferred Saturday: 1 Nov 2025 works (9-13, 14-17, one hour short); 2-4 Nov are off.
        (msk(2025, 10, 31, 17, 0), 180, msk(2025, 11, 1, 11, 0)),
        (msk(2025, 11, 1, 16, 0), 120, msk(2025, 11, 5, 10, 0)),
        # A pre-holiday short day: 30 Apr 2025 ends at 17:00; 1-4 May are off.
        (msk(2025, 4, 30, 16, 0), 90, msk(2025, 5, 5, 9, 30)),
        (msk(2025, 4, 30, 9, 0), 420, msk(2025, 4, 30, 17, 0)),
        # The end of the N-th working minute: a full day from 09:00 ends at 18:00 the same day.
        (msk(2025, 7, 15, 9, 0), 480, msk(2025, 7, 15, 18, 0)),
        (msk(2025, 7, 15, 12, 30), 60, msk(2025, 7, 15, 14, 30)),  # the lunch hour does not count
        (msk(2025, 7, 19, 10, 0), 1, msk(2025, 7, 21, 9, 1)),  # a Saturday start waits for Monday
        (msk(2025, 7, 15, 10, 0), 0, msk(2025, 7, 15, 10, 0)),
    ],
)
def test_due_times_on_real_dates(start: datetime, minutes: int, due: datetime) -> None:
    calendar = office()
    assert calendar.add_business_minutes(start, minutes) == due
    assert calendar.business_minutes_between(start, due) == minutes


def test_minutes_between_across_the_may_holidays() -> None:
    calendar = office()
    # 30 Apr: 7 h; 1-4 May: nothing.
    assert calendar.business_minutes_between(msk(2025, 4, 30, 9), msk(2025, 5, 5, 9)) == 7 * 60
    assert calendar.business_minutes_between(msk(2025, 5, 5, 9), msk(2025, 4, 30, 9)) == -7 * 60
    assert calendar.business_minutes_between(msk(2025, 5, 1, 9), msk(2025, 5, 4, 18)) == 0


def test_next_working_moment() -> None:
    calendar = office()
    assert calendar.next_working_moment(msk(2025, 7, 15, 10, 17)) == msk(2025, 7, 15, 10, 17)
    assert calendar.next_working_moment(msk(2025, 7, 15, 13, 5)) == msk(2025, 7, 15, 14, 0)
    assert calendar.next_working_moment(msk(2025, 7, 15, 18, 0)) == msk(2025, 7, 16, 9, 0)
    assert calendar.next_working_moment(msk(2024, 12, 31, 12, 0)) == msk(2025, 1, 9, 9, 0)
    assert calendar.next_working_moment(msk(2024, 4, 27, 8, 0)) == msk(2024, 4, 27, 9, 0)  # working Saturday
    assert calendar.is_working(msk(2024, 4, 27, 17, 59))  # not shortened: 27 Apr 2024 is a full day
    assert not calendar.is_working(msk(2024, 11, 2, 17, 0))  # 2 Nov 2024 is short: ends at 17:00


def test_overnight_shift() -> None:
    night = WorkingCalendar(time_zone="Europe/Moscow", week=week_of("20:00-08:00"))
    # Friday's shift runs to Saturday 08:00; nothing on the weekend; Monday's starts at 20:00.
    assert night.add_business_minutes(msk(2025, 7, 18, 22, 0), 12 * 60) == msk(2025, 7, 21, 22, 0)
    assert night.is_working(msk(2025, 7, 19, 7, 59))
    assert not night.is_working(msk(2025, 7, 19, 8, 0))
    assert night.next_working_moment(msk(2025, 7, 19, 9, 0)) == msk(2025, 7, 21, 20, 0)
    assert night.month_norm(2025, 7).working_minutes == 23 * 12 * 60


def test_overnight_shift_on_the_production_calendar() -> None:
    night = WorkingCalendar(time_zone="Europe/Moscow", week=week_of("20:00-08:00"), production=PRODUCTION)
    # 11 Jun 2025 is short: its shift ends at 07:00 on 12 Jun; 12-15 Jun no shift starts; next is Monday 16th.
    assert night.add_business_minutes(msk(2025, 6, 11, 19, 0), 12 * 60) == msk(2025, 6, 16, 21, 0)
    assert night.is_working(msk(2025, 6, 12, 6, 59))  # the eve's shift still runs into the holiday
    assert not night.is_working(msk(2025, 6, 12, 7, 0))


def test_overlapping_days_count_once() -> None:
    week = (parse_hours("22:00-06:00"), parse_hours("00:00-08:00"), (), (), (), (), ())
    calendar = WorkingCalendar(time_zone="Europe/Moscow", week=week)
    # Monday 22:00 to Tuesday 08:00 is 10 hours, though the two days' hours overlap 00:00-06:00.
    assert calendar.business_minutes_between(msk(2025, 7, 14, 0, 0), msk(2025, 7, 16, 0, 0)) == 10 * 60
    assert calendar.add_business_minutes(msk(2025, 7, 14, 22, 0), 10 * 60) == msk(2025, 7, 15, 8, 0)


def test_round_the_clock() -> None:
    always = WorkingCalendar(time_zone="Europe/Moscow", always_open=True)
    start = msk(2025, 1, 1, 3, 17)
    assert always.add_business_minutes(start, 1440 * 10) == start + timedelta(days=10)
    assert always.month_norm(2025, 2).working_minutes == 28 * 24 * 60
    # On the production calendar it stops on holidays but does not shorten the eve (continuous work).
    rested = WorkingCalendar(time_zone="Europe/Moscow", always_open=True, production=PRODUCTION)
    assert rested.hours_on(date(2025, 1, 1)) == ()
    assert rested.hours_on(date(2025, 4, 30)) == FULL_DAY
    assert rested.next_working_moment(msk(2025, 1, 1, 12)) == msk(2025, 1, 9, 0, 0)


@pytest.mark.parametrize(
    ("zone", "utc_start", "utc_due"),
    [
        # Kamchatka is UTC+12: 08:00 there on Friday 10 Jan 2025 is 20:00 UTC on the 9th.
        ("Asia/Kamchatka", datetime(2025, 1, 9, 20, 0, tzinfo=UTC), datetime(2025, 1, 9, 22, 0, tzinfo=UTC)),
        # Kaliningrad is UTC+2: Friday 17:30 there; 30 min on Friday, 30 on Monday from 09:00.
        ("Europe/Kaliningrad", datetime(2025, 7, 18, 15, 30, tzinfo=UTC), datetime(2025, 7, 21, 7, 30, tzinfo=UTC)),
        ("Asia/Vladivostok", datetime(2025, 7, 20, 23, 0, tzinfo=UTC), datetime(2025, 7, 21, 0, 0, tzinfo=UTC)),
    ],
)
def test_time_zones(zone: str, utc_start: datetime, utc_due: datetime) -> None:
    calendar = WorkingCalendar(time_zone=zone, week=FIVE_DAY_WEEK, production=PRODUCTION)
    due = calendar.add_business_minutes(utc_start, 60)
    assert due == utc_due
    assert due.tzinfo == UTC  # results come back in the argument's zone


def test_same_instant_differs_by_zone() -> None:
    moment = datetime(2025, 7, 15, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 19:00 in Kamchatka
    assert WorkingCalendar(time_zone="Europe/Moscow", week=FIVE_DAY_WEEK).is_working(moment)
    assert not WorkingCalendar(time_zone="Asia/Kamchatka", week=FIVE_DAY_WEEK).is_working(moment)


def test_daylight_saving_days_count_real_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    always = WorkingCalendar(time_zone="Europe/Berlin", always_open=True)
    spring = always.business_minutes_between(datetime(2025, 3, 30, tzinfo=berlin), datetime(2025, 3, 31, tzinfo=berlin))
    autumn = always.business_minutes_between(
        datetime(2025, 10, 26, tzinfo=berlin), datetime(2025, 10, 27, tzinfo=berlin)
    )
    assert (spring, autumn) == (23 * 60, 25 * 60)
    office_berlin = WorkingCalendar(time_zone="Europe/Berlin", week=week_of("09:00-17:00", "1234567"))
    # 09:00 stays 09:00 local on the day the clocks move.
    assert office_berlin.next_working_moment(datetime(2025, 3, 30, 3, 0, tzinfo=berlin)) == datetime(
        2025, 3, 30, 9, 0, tzinfo=berlin
    )


def test_own_exceptions_beat_the_production_calendar() -> None:
    calendar = office(
        exceptions={
            date(2025, 1, 3): DayRule(DayKind.WORKING, parse_hours("10:00-14:00")),  # on duty in the holidays
            date(2025, 7, 15): DayRule(DayKind.HOLIDAY),  # a company day off
            date(2025, 7, 16): DayRule(DayKind.SHORT),  # the usual hours minus one
            date(2025, 7, 19): DayRule(DayKind.WORKING),  # a Saturday with the usual weekday hours
        }
    )
    assert calendar.add_business_minutes(msk(2025, 1, 2, 12), 60) == msk(2025, 1, 3, 11, 0)
    assert calendar.hours_on(date(2025, 7, 15)) == ()
    assert calendar.hours_on(date(2025, 7, 16)) == parse_hours("09:00-13:00, 14:00-17:00")
    assert calendar.hours_on(date(2025, 7, 19)) == parse_hours("09:00-13:00, 14:00-18:00")
    assert calendar.day_kind(date(2025, 1, 3)) == DayKind.WORKING
    assert calendar.day_kind(date(2025, 1, 6)) == DayKind.HOLIDAY


def test_bad_input_is_refused() -> None:
    calendar = office()
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_business_minutes(datetime(2025, 1, 1, 9, 0), 10)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_minutes(msk(2025, 1, 1, 9, 0), -1)
    with pytest.raises(ValueError, match="time zone"):
        WorkingCalendar(time_zone="Europe/Atlantis")
    with pytest.raises(ValueError, match="7 days"):
        WorkingCalendar(week=((),) * 6)


def test_a_calendar_without_working_time_says_so_instead_of_looping() -> None:
    empty = WorkingCalendar(time_zone="Europe/Moscow")
    with pytest.raises(NoWorkingTime):
        empty.add_business_minutes(msk(2025, 1, 1), 1)
    with pytest.raises(NoWorkingTime):
        empty.next_working_moment(msk(2025, 1, 1))
    assert empty.business_minutes_between(msk(2025, 1, 1), msk(2026, 1, 1)) == 0


def test_due_times_are_fast() -> None:
    """SLA due times are computed on every ticket open: a thousand month-long ones take well under a second."""
    calendar = russian_production_calendar()
    start = msk(2025, 1, 1, 10, 0)
    began = time.perf_counter()
    for n in range(1000):
        due = calendar.add_business_minutes(start + timedelta(minutes=37 * n), 22 * 8 * 60)
        calendar.business_minutes_between(start, due)
    assert time.perf_counter() - began < 2.0


def test_working_spans() -> None:
    spans = office().working_spans(msk(2025, 4, 30, 12, 0), msk(2025, 5, 5, 10, 0))
    assert spans == [
        (msk(2025, 4, 30, 12, 0), msk(2025, 4, 30, 13, 0)),
        (msk(2025, 4, 30, 14, 0), msk(2025, 4, 30, 17, 0)),
        (msk(2025, 5, 5, 9, 0), msk(2025, 5, 5, 10, 0)),
    ]


# --- invariants ----------------------------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Europe/Kaliningrad", "Asia/Kamchatka", "Asia/Yekaterinburg", "Europe/Berlin"]


SLOTS = 48  # half-hour slots of a day


@st.composite
def day_hours(draw: st.DrawFn) -> DayHours:
    """Working half-hours as the bits of one number (cheap to draw); the last run may go past midnight."""
    bits = draw(st.integers(0, 2**SLOTS - 1))
    for _ in range(draw(st.integers(0, 3))):  # thin it out: sparse days matter as much as busy ones
        bits &= draw(st.integers(0, 2**SLOTS - 1))
    intervals: list[tuple[int, int]] = []
    slot = 0
    while slot < SLOTS:
        if bits >> slot & 1:
            run_end = slot
            while run_end < SLOTS and bits >> run_end & 1:
                run_end += 1
            intervals.append((slot * 30, run_end * 30))
            slot = run_end
        else:
            slot += 1
    if intervals and intervals[-1][1] == 1440 and draw(st.booleans()):
        start, end = intervals[-1]
        intervals[-1] = (start, min(start + 1440, end + draw(st.integers(1, 20)) * 30))  # overnight
    return tuple(intervals)


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    always_open = draw(st.integers(0, 9)) == 0
    week = tuple(draw(day_hours()) for _ in range(7))
    assume(always_open or any(week))
    exceptions = {
        date(2025, 1, 1) + timedelta(days=offset): DayRule(kind, hours)
        for offset, kind, hours in draw(
            st.lists(
                st.tuples(st.integers(0, 120), st.sampled_from(list(DayKind)), st.one_of(st.none(), day_hours())),
                max_size=6,
            )
        )
    }
    return WorkingCalendar(
        time_zone=draw(st.sampled_from(ZONES)),
        week=week,
        always_open=always_open,
        exceptions=exceptions,
        production=PRODUCTION if draw(st.booleans()) else None,
    )


instants = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2025, 4, 30), timezones=st.just(UTC))
amounts = st.integers(0, 10 * 8 * 60)
calendar_settings = settings(max_examples=120, deadline=None)


@calendar_settings
@given(calendars(), instants, amounts)
def test_adding_then_measuring_gives_back_n(calendar: WorkingCalendar, start: datetime, minutes: int) -> None:
    due = calendar.add_business_minutes(start, minutes)
    assert due >= start
    assert calendar.business_time_between(start, due) == timedelta(minutes=minutes)
    assert calendar.business_minutes_between(start, due) == minutes


@calendar_settings
@given(calendars(), instants, amounts)
def test_never_lands_in_a_non_working_minute(calendar: WorkingCalendar, start: datetime, minutes: int) -> None:
    assume(minutes > 0)
    due = calendar.add_business_minutes(start, minutes)
    # The minute that ends at the due time is a working one (the due time is its end).
    assert calendar.is_working(due - timedelta(microseconds=1))
    assert calendar.is_working(calendar.next_working_moment(due))


@calendar_settings
@given(calendars(), instants, amounts, amounts)
def test_monotonic_in_amount_and_additive(calendar: WorkingCalendar, start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert calendar.add_business_minutes(start, low) <= calendar.add_business_minutes(start, high)
    if low < high:
        assert calendar.add_business_minutes(start, low) < calendar.add_business_minutes(start, high)
    assert calendar.add_business_minutes(calendar.add_business_minutes(start, a), b) == calendar.add_business_minutes(
        start, a + b
    )


@calendar_settings
@given(calendars(), instants, st.integers(0, 7 * 24 * 60), amounts)
def test_monotonic_in_start(calendar: WorkingCalendar, start: datetime, shift: int, minutes: int) -> None:
    later = start + timedelta(minutes=shift)
    assert calendar.add_business_minutes(start, minutes) <= calendar.add_business_minutes(later, minutes)


@calendar_settings
@given(calendars(), instants, st.integers(0, 20 * 24 * 60), st.integers(0, 20 * 24 * 60))
def test_measuring_is_additive(calendar: WorkingCalendar, start: datetime, x: int, y: int) -> None:
    middle = start + timedelta(minutes=x)
    end = middle + timedelta(minutes=y)
    assert calendar.business_time_between(start, end) == calendar.business_time_between(
        start, middle
    ) + calendar.business_time_between(middle, end)
    assert calendar.business_time_between(end, start) == -calendar.business_time_between(start, end)


@calendar_settings
@given(calendars(), instants)
def test_next_working_moment_is_the_first_working_instant(calendar: WorkingCalendar, moment: datetime) -> None:
    found = calendar.next_working_moment(moment)
    assert found >= moment
    assert calendar.is_working(found)
    assert calendar.business_time_between(moment, found) == timedelta(0)
    assert (found == moment) == calendar.is_working(moment)


@settings(max_examples=40, deadline=None)
@given(calendars(), instants.map(lambda t: t.replace(second=0, microsecond=0)), st.integers(0, 2 * 24 * 60))
def test_agrees_with_counting_minute_by_minute(calendar: WorkingCalendar, start: datetime, length: int) -> None:
    """The brute-force oracle: on short windows, count the working minutes one by one."""
    counted = sum(calendar.is_working(start + timedelta(minutes=n)) for n in range(length))
    assert calendar.business_minutes_between(start, start + timedelta(minutes=length)) == counted


@settings(max_examples=80, deadline=None)
@given(
    calendars(),
    st.lists(st.tuples(instants, st.integers(0, 400 * 24 * 60)), min_size=1, max_size=4),
)
def test_long_spans_from_running_totals_equal_walking_every_day(
    calendar: WorkingCalendar, windows: list[tuple[datetime, int]]
) -> None:
    """Months of an SLA clock come from memoised day totals; they must equal the day-by-day walk, whichever
    window was asked first (the totals grow forwards and backwards from the first day asked)."""
    for start, minutes in windows:
        end = start + timedelta(minutes=minutes)
        assert calendar.business_time_between(start, end) == calendar._walk_between(start, end)
        assert calendar.business_time_between(end, start) == -calendar._walk_between(start, end)


def test_a_year_of_backlog_is_measured_without_walking_it_again() -> None:
    office = WorkingCalendar(week=FIVE_DAY_WEEK, production=PRODUCTION)
    start = datetime(2025, 1, 9, 12, 0, tzinfo=MSK)
    end = datetime(2025, 12, 30, 12, 0, tzinfo=MSK)
    first = office.business_time_between(start, end)
    assert first == office._walk_between(start, end)
    office._spans_cache.clear()  # a second question over the same months reads the totals, not the days
    assert office.business_time_between(start + timedelta(hours=1), end) == first - timedelta(hours=1)
    assert len(office._spans_cache) < 20
