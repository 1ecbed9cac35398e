"""Business-time arithmetic of one timer on its calendar (``hotline.core.calendar``): pure, no database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.core.calendar.working import NoWorkingTime, WorkingCalendar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadlines:
    warn_at: datetime | None
    due_at: datetime | None


def target_seconds(target_minutes: int) -> int:
    return target_minutes * 60


def warning_seconds(target_minutes: int, warning_percent: int) -> int:
    return target_minutes * 60 * warning_percent // 100


def deadlines(
    calendar: WorkingCalendar,
    *,
    running_since: datetime,
    elapsed_seconds: int,
    target_minutes: int,
    warning_percent: int,
) -> Deadlines:
    """When a stretch running since ``running_since`` reaches the warning share and the target.

    Already past either (a policy with a shorter target, say), that instant is ``running_since`` itself.
    A calendar with no working time ahead gives no deadline (logged), rather than failing the ticket's change.
    """

    def reach(seconds: int) -> datetime | None:
        left = seconds - elapsed_seconds
        if left <= 0:
            return running_since
        try:
            return calendar.add_business_time(running_since, timedelta(seconds=left))
        except NoWorkingTime:
            logger.error("SLA: calendar %r has no working time ahead; no due time", calendar)
            return None

    return Deadlines(
        warn_at=reach(warning_seconds(target_minutes, warning_percent)),
        due_at=reach(target_seconds(target_minutes)),
    )


def business_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Whole business seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    return int(calendar.business_time_between(start, end).total_seconds())


def business_minutes_left(calendar: WorkingCalendar, now: datetime, due_at: datetime) -> int:
    """Business minutes from ``now`` to ``due_at``; negative once overdue (whole minutes, towards zero)."""
    return calendar.business_minutes_between(now, due_at)
