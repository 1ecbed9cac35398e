"""230-ФЗ frequency limits on a creditor's interactions with one debtor (ст. 7 ч. 3 п. 3 and ч. 5).

Pure Python. Telephone conversations: at most 1 a day, 2 a week, 8 a month; messages (SMS, voice, messenger):
at most 2 a day, 4 a week, 16 a month. Day, week (Monday to Sunday) and month are calendar periods in the
debtor's local time. When the debtor's zone is not known for sure the count is checked in each possible zone,
so a call near midnight cannot slip through on a period boundary of the wrong zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY, WEEK, MONTH = "day", "week", "month"


@dataclass(frozen=True)
class Limits:
    day: int
    week: int
    month: int

    def of(self, period: str) -> int:
        return {DAY: self.day, WEEK: self.week, MONTH: self.month}[period]


CALL_LIMITS = Limits(day=1, week=2, month=8)
MESSAGE_LIMITS = Limits(day=2, week=4, month=16)
# How far back interactions must be read to decide (a month plus a day for zone offsets).
LOOKBACK = timedelta(days=33)


@dataclass(frozen=True)
class LimitRefusal:
    period: str
    count: int
    limit: int
    until: datetime  # the start of the next period in the zone that refused


def _period_bounds(local: datetime, period: str) -> tuple[datetime, datetime]:
    tz = local.tzinfo
    today = local.date()
    if period == DAY:
        start_day, end_day = today, today + timedelta(days=1)
    elif period == WEEK:
        start_day = today - timedelta(days=today.weekday())
        end_day = start_day + timedelta(days=7)
    else:
        start_day = today.replace(day=1)
        end_day = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return datetime.combine(start_day, time(), tzinfo=tz), datetime.combine(end_day, time(), tzinfo=tz)


def check_limits(
    past: Sequence[datetime], *, now: datetime, zones: Sequence[str], limits: Limits
) -> list[LimitRefusal]:
    """The periods (day, week, month) whose limit ``past`` interactions already reach, one refusal per period.

    For several zones a period refuses if it does in any of them; ``until`` is the latest reopening.
    """
    refusals: dict[str, LimitRefusal] = {}
    for zone in zones:
        local_now = now.astimezone(ZoneInfo(zone))
        for period in (DAY, WEEK, MONTH):
            start, end = _period_bounds(local_now, period)
            count = sum(1 for moment in past if start <= moment < end)
            limit = limits.of(period)
            if count >= limit:
                previous = refusals.get(period)
                if previous is None or end > previous.until:
                    refusals[period] = LimitRefusal(period, count, limit, end)
    return [refusals[p] for p in (DAY, WEEK, MONTH) if p in refusals]
