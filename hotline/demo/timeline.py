"""Moving a demo ticket's life back in time, with its SLA clocks, so the demo looks lived in.

The desk's services act *now*; the demo plays each ticket's story now and then shifts the whole ticket (its
times, messages, history and SLA timers) into the past. The SLA engine stays the judge: before each step the
running timers' deadlines are placed again on their business calendar from where their clock now starts, so an
answer given "two working hours later" is met or missed by the engine itself, and the timers still running at
the end stand where the story wants them (on track, at risk, breached).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F

from hotline.core.calendar.api import get_calendar
from hotline.desk.models import Message, Ticket, TicketHistory
from hotline.sla import clock
from hotline.sla.models import SlaTimer, SlaTimerEvent, TimerStatus

TICKET_TIMES = (
    "created_at",
    "updated_at",
    "status_changed_at",
    "assigned_at",
    "first_response_at",
    "escalated_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "reopened_at",
    "last_customer_message_at",
    "last_agent_message_at",
)
TIMER_TIMES = (
    "started_at",
    "running_since",
    "warn_at",
    "due_at",
    "paused_at",
    "stopped_at",
    "warned_at",
    "breached_at",
    "breach_handled_at",
    "decided_at",
)
MINUTE = timedelta(minutes=1)
LONGEST = timedelta(days=400)

# Where a running clock should stand at the end, as a share of its target.
STATE_SHARE = {"on_track": 0.35, "at_risk": 0.9, "breached": 1.6}


def _shift_times(model: type, ids: dict[str, int], fields: tuple[str, ...], delta: timedelta) -> None:
    rows = model._default_manager.filter(**ids)  # type: ignore[attr-defined]
    for field in fields:
        rows.filter(**{f"{field}__isnull": False}).update(**{field: F(field) - delta})


def shift_ticket(ticket: Ticket, delta: timedelta) -> None:
    """Move everything the ticket has lived through ``delta`` back; running clocks get their deadlines again."""
    if delta <= timedelta(0):
        return
    _shift_times(Ticket, {"pk": ticket.pk}, TICKET_TIMES, delta)
    Message.objects.filter(ticket=ticket).update(created_at=F("created_at") - delta)
    TicketHistory.objects.filter(ticket=ticket).update(at=F("at") - delta)
    _shift_times(SlaTimer, {"ticket_id": ticket.pk}, TIMER_TIMES, delta)
    SlaTimerEvent.objects.filter(ticket_id=ticket.pk).update(at=F("at") - delta)
    SlaTimerEvent.objects.filter(ticket_id=ticket.pk, due_at__isnull=False).update(due_at=F("due_at") - delta)
    for timer in SlaTimer.objects.filter(ticket_id=ticket.pk, status=TimerStatus.RUNNING).select_related("policy"):
        _place_deadlines(timer)


def _place_deadlines(timer: SlaTimer) -> None:
    """A wall-clock shift does not move business time evenly: put the deadlines where the calendar says."""
    if timer.running_since is None:
        return
    found = clock.deadlines(
        get_calendar(timer.policy.calendar_id),
        running_since=timer.running_since,
        elapsed_seconds=timer.elapsed_seconds,
        target_minutes=timer.target_minutes,
        warning_percent=timer.warning_percent,
    )
    SlaTimer.objects.filter(pk=timer.pk).update(warn_at=found.warn_at, due_at=found.due_at)
    SlaTimerEvent.objects.filter(timer=timer, due_at__isnull=False).update(due_at=found.due_at)


def _running(ticket: Ticket, kind: str | None) -> SlaTimer | None:
    timers = SlaTimer.objects.filter(ticket_id=ticket.pk, status=TimerStatus.RUNNING).select_related("policy")
    if kind is not None:
        timers = timers.filter(kind=kind)
    # With no kind named: the clock that runs out first decides how the ticket looks.
    return timers.order_by("due_at", "id").first()


def wall_time_for(timer: SlaTimer, share: float, *, now: datetime) -> timedelta:
    """How far back the timer's clock must start for it to have used ``share`` of its target by ``now``.

    Business time only grows as the start moves back, so the shortest such shift is found by bisection (to the
    minute) on the timer's own calendar: nights, weekends and holidays are skipped as the engine skips them.
    """
    if timer.running_since is None:
        return timedelta(0)
    calendar = get_calendar(timer.policy.calendar_id)
    goal = int(timer.target_minutes * 60 * share)

    def used(back: timedelta) -> int:
        assert timer.running_since is not None
        return timer.elapsed_seconds + clock.business_seconds(calendar, timer.running_since - back, now)

    if used(timedelta(0)) >= goal:
        return timedelta(0)
    low, high = timedelta(0), timedelta(hours=1)
    while used(high) < goal:
        if high >= LONGEST:
            return high
        low, high = high, high * 2
    while high - low > MINUTE:
        middle = low + (high - low) / 2
        if used(middle) >= goal:
            high = middle
        else:
            low = middle
    return high


def let_time_pass(ticket: Ticket, *, kind: str | None, share: float, now: datetime) -> timedelta:
    """Rewind the ticket so its running ``kind`` clock (the most urgent one if None) has used ``share``."""
    timer = _running(ticket, kind)
    if timer is None:
        return timedelta(0)
    delta = wall_time_for(timer, share, now=now)
    shift_ticket(ticket, delta)
    return delta
