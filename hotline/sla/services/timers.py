"""The timer engine: start, pause, resume, stop, re-target. Called by the desk-event subscribers, inside the
desk's transaction and under its lock on the ticket row; every change writes a ``SlaTimerEvent``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from hotline.core import batching
from hotline.core.calendar.api import get_calendar
from hotline.core.calendar.working import WorkingCalendar
from hotline.desk.choices import DONE_STATUSES, PENDING_STATUSES
from hotline.desk.models import Ticket
from hotline.sla import clock
from hotline.sla.matching import match_policy
from hotline.sla.models import ACTIVE_STATUSES, SlaPolicy, SlaTimer, SlaTimerEvent, TimerKind, TimerStatus

logger = logging.getLogger(__name__)
Action = SlaTimerEvent.Action
TIMER_FIELDS = [
    "policy",
    "status",
    "target_minutes",
    "warning_percent",
    "running_since",
    "elapsed_seconds",
    "warn_at",
    "due_at",
    "paused_at",
    "stopped_at",
    "warned_at",
    "breached_at",
    "breach_handled_at",
    "decided_at",
    "queue",
    "assignee",
]


def calendar_of(policy: SlaPolicy) -> WorkingCalendar:
    return get_calendar(policy.calendar_id)


def log(timer: SlaTimer, action: str, *, at: datetime, actor_id: int | None = None, note: str = "") -> SlaTimerEvent:
    return batching.insert(_event(timer, action, at=at, actor_id=actor_id, note=note))


def _run_from(timer: SlaTimer, at: datetime) -> None:
    """Open a running stretch at ``at`` and place the deadlines on the policy's calendar."""
    timer.status = TimerStatus.RUNNING
    timer.running_since = at
    timer.paused_at = None
    timer.stopped_at = None
    found = clock.deadlines(
        calendar_of(timer.policy),
        running_since=at,
        elapsed_seconds=timer.elapsed_seconds,
        target_minutes=timer.target_minutes,
        warning_percent=timer.warning_percent,
    )
    timer.warn_at, timer.due_at = found.warn_at, found.due_at


def _close_stretch(timer: SlaTimer, at: datetime, calendar: WorkingCalendar | None = None) -> None:
    """Add the running stretch up to ``at`` to the elapsed business time; a missed due time becomes the breach."""
    if timer.status != TimerStatus.RUNNING or timer.running_since is None:
        return
    working = calendar if calendar is not None else calendar_of(timer.policy)
    timer.elapsed_seconds += clock.business_seconds(working, timer.running_since, at)
    if timer.breached_at is None and timer.due_at is not None and timer.due_at <= at:
        timer.breached_at = timer.due_at  # decided (and acted on, if still open) by whoever handles the breach
    timer.running_since = None


def _save(timer: SlaTimer) -> None:
    timer.save(update_fields=TIMER_FIELDS)


def _active(ticket_id: int, kinds: Iterable[str] | None = None) -> list[SlaTimer]:
    timers = SlaTimer.objects.filter(ticket_id=ticket_id, status__in=ACTIVE_STATUSES).select_related("policy")
    if kinds is not None:
        timers = timers.filter(kind__in=list(kinds))
    return list(timers.order_by("id"))


def _event(timer: SlaTimer, action: str, *, at: datetime, actor_id: int | None, note: str) -> SlaTimerEvent:
    return SlaTimerEvent(
        timer=timer,
        ticket_id=timer.ticket_id,
        at=at,
        action=action,
        actor_id=actor_id,
        elapsed_seconds=timer.elapsed_seconds,
        due_at=timer.due_at,
        note=note[:255],
    )


def _unsaved_timer(
    *, ticket: Ticket, policy: SlaPolicy, kind: str, at: datetime, paused: bool | None = None
) -> SlaTimer | None:
    """A timer of ``kind`` under ``policy`` started at ``at`` (paused if the ticket waits), not yet saved."""
    target = policy.target_minutes(kind)
    if target is None:
        return None
    timer = SlaTimer(
        ticket=ticket,
        policy=policy,
        kind=kind,
        target_minutes=target,
        warning_percent=policy.warning_percent,
        started_at=at,
        queue_id=ticket.queue_id,
    )
    _run_from(timer, at)
    if (ticket.status in PENDING_STATUSES) if paused is None else paused:
        # Opened (or re-targeted) while waiting for someone else: the clock starts at the next resume.
        timer.status, timer.running_since, timer.paused_at = TimerStatus.PAUSED, None, at
        timer.warn_at = timer.due_at = None
    return timer


def _start_events(timer: SlaTimer, *, at: datetime, actor_id: int | None, note: str) -> list[SlaTimerEvent]:
    started = [_event(timer, Action.STARTED, at=at, actor_id=actor_id, note=note)]
    if timer.status == TimerStatus.PAUSED:
        started.append(_event(timer, Action.PAUSED, at=at, actor_id=actor_id, note="заявка ожидает ответа"))
    return started


def _new_timer(
    *,
    ticket: Ticket,
    policy: SlaPolicy,
    kind: str,
    at: datetime,
    actor_id: int | None,
    note: str,
    paused: bool | None = None,
) -> SlaTimer | None:
    timer = _unsaved_timer(ticket=ticket, policy=policy, kind=kind, at=at, paused=paused)
    if timer is None:
        return None
    timer.save()
    batching.insert_many(_start_events(timer, at=at, actor_id=actor_id, note=note or policy.name))
    return timer


def start_ticket_timers(*, ticket: Ticket, at: datetime, actor_id: int | None = None) -> list[SlaTimer]:
    """Start the first-response and resolution timers of the policy that matches a newly opened ticket.

    Two inserts whatever the number of timers: the timers, then their events.
    """
    policy = match_policy(ticket)
    if policy is None:
        return []
    started = []
    for kind in (TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION):
        if kind == TimerKind.FIRST_RESPONSE and ticket.first_response_at is not None:
            continue
        timer = _unsaved_timer(ticket=ticket, policy=policy, kind=kind, at=at)
        if timer is not None:
            started.append(timer)
    if started:
        SlaTimer.objects.bulk_create(started)
        batching.insert_many(
            [e for timer in started for e in _start_events(timer, at=at, actor_id=actor_id, note=policy.name)]
        )
    return started


def pause_ticket_timers(*, ticket_id: int, at: datetime, actor_id: int | None = None, note: str = "") -> int:
    """Stop the clocks while the ticket waits for the customer or a third party."""
    paused = 0
    for timer in _active(ticket_id):
        if timer.status != TimerStatus.RUNNING:
            continue
        _close_stretch(timer, at)
        timer.status = TimerStatus.PAUSED
        timer.paused_at = at
        timer.warn_at = timer.due_at = None
        _save(timer)
        log(timer, Action.PAUSED, at=at, actor_id=actor_id, note=note)
        paused += 1
    return paused


def resume_ticket_timers(*, ticket_id: int, at: datetime, actor_id: int | None = None, note: str = "") -> int:
    """Start the paused clocks again from ``at`` with the business time they had already used."""
    resumed = 0
    for timer in _active(ticket_id):
        if timer.status != TimerStatus.PAUSED:
            continue
        _run_from(timer, at)
        _save(timer)
        log(timer, Action.RESUMED, at=at, actor_id=actor_id, note=note)
        resumed += 1
    return resumed


def stop_ticket_timers(
    *,
    ticket: Ticket,
    kinds: Iterable[str] | None,
    at: datetime,
    actor_id: int | None = None,
    cancel: bool = False,
    note: str = "",
) -> int:
    """Stop the ticket's active timers (of ``kinds``; all when None): met, or breached if their time ran out.

    ``cancel`` (a cancelled ticket, a policy that no longer applies) takes them out of the compliance figures.
    A breach found only now runs no actions: the ticket has been answered or closed meanwhile.
    """
    stopped = 0
    for timer in _active(ticket.pk, kinds):
        _close_stretch(timer, at)
        timer.stopped_at = at
        timer.warn_at = None
        if timer.breached_at is not None and timer.breach_handled_at is None:
            timer.breach_handled_at = at
        if cancel:
            timer.status = TimerStatus.CANCELLED
            timer.decided_at = None
            action = Action.CANCELLED
        else:
            timer.status = TimerStatus.STOPPED
            if timer.decided_at is None:
                timer.decided_at = timer.breached_at or at
                timer.queue_id = ticket.queue_id
                timer.assignee_id = ticket.assignee_id
            action = Action.STOPPED
        _save(timer)
        outcome = "нарушен" if timer.breached_at is not None else "выполнен"
        log(timer, action, at=at, actor_id=actor_id, note=note or ("" if cancel else outcome))
        stopped += 1
    return stopped


def start_next_response(*, ticket: Ticket, at: datetime, actor_id: int | None = None) -> SlaTimer | None:
    """A customer wrote after the first answer: the next answer is due. The earliest unanswered message counts."""
    if _active(ticket.pk, [TimerKind.FIRST_RESPONSE, TimerKind.NEXT_RESPONSE]):
        return None
    policy = _current_policy(ticket)
    if policy is None:
        return None
    # Runs even while the ticket waits for a third party: the customer's new message wants an answer.
    return _new_timer(
        ticket=ticket,
        policy=policy,
        kind=TimerKind.NEXT_RESPONSE,
        at=at,
        actor_id=actor_id,
        note="сообщение клиента",
        paused=False,
    )


def _current_policy(ticket: Ticket) -> SlaPolicy | None:
    """The policy the ticket runs under: its latest timer's, else whichever matches now."""
    latest = SlaTimer.objects.filter(ticket_id=ticket.pk).select_related("policy").order_by("-id").first()
    if latest is not None and latest.policy.is_active:
        return latest.policy
    return match_policy(ticket)


def revive_ticket_timers(*, ticket: Ticket, at: datetime, actor_id: int | None = None) -> int:
    """A reopened ticket is open work again: its resolution clock (and an unmet first response) run on.

    The time it spent resolved does not count; a timer already missed stays missed, a met one is undecided again.
    """
    revived = 0
    kinds = [TimerKind.RESOLUTION]
    if ticket.first_response_at is None:
        kinds.append(TimerKind.FIRST_RESPONSE)
    for kind in kinds:
        if _active(ticket.pk, [kind]):
            continue
        timer = (
            SlaTimer.objects.filter(ticket_id=ticket.pk, kind=kind)
            .exclude(status__in=ACTIVE_STATUSES)
            .select_related("policy")
            .order_by("-id")
            .first()
        )
        if timer is None:
            policy = match_policy(ticket)
            if policy is not None and _new_timer(
                ticket=ticket, policy=policy, kind=kind, at=at, actor_id=actor_id, note="заявка открыта снова"
            ):
                revived += 1
            continue
        if timer.breached_at is None:
            timer.decided_at = None
            timer.queue_id, timer.assignee_id = ticket.queue_id, None
        _run_from(timer, at)
        _save(timer)
        log(timer, Action.RESTARTED, at=at, actor_id=actor_id, note="заявка открыта снова")
        revived += 1
    return revived


def reapply_policy(*, ticket: Ticket, at: datetime, actor_id: int | None = None) -> SlaPolicy | None:
    """The ticket changed (priority, category, queue, customer): put its clocks under the policy that matches now.

    Time already counted is kept; the new targets apply from here. Kinds the new policy has no target for stop
    (cancelled); a first time under a policy starts the clocks from now.
    """
    if ticket.status in DONE_STATUSES or ticket.merged_into_id is not None:
        return None
    policy = match_policy(ticket)
    active = _active(ticket.pk)
    if policy is None:
        if active:
            stop_ticket_timers(
                ticket=ticket, kinds=None, at=at, actor_id=actor_id, cancel=True, note="SLA не применяется"
            )
        return None
    for timer in active:
        target = policy.target_minutes(timer.kind)
        if target is None:
            stop_ticket_timers(
                ticket=ticket,
                kinds=[timer.kind],
                at=at,
                actor_id=actor_id,
                cancel=True,
                note=f"нет срока в «{policy.name}»",
            )
            continue
        if (timer.policy_id, timer.target_minutes, timer.warning_percent) == (
            policy.pk,
            target,
            policy.warning_percent,
        ):
            continue
        old_name = timer.policy.name
        running = timer.status == TimerStatus.RUNNING
        _close_stretch(timer, at)
        timer.policy, timer.target_minutes, timer.warning_percent = policy, target, policy.warning_percent
        if running:
            _run_from(timer, at)
            if timer.warn_at is not None and timer.warn_at > at:
                timer.warned_at = None  # a warning is due again for the new target
        _save(timer)
        log(timer, Action.POLICY_CHANGED, at=at, actor_id=actor_id, note=f"«{old_name}» → «{policy.name}»")
    had = set(SlaTimer.objects.filter(ticket_id=ticket.pk).values_list("kind", flat=True))
    for kind in (TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION):
        if kind in had or (kind == TimerKind.FIRST_RESPONSE and ticket.first_response_at is not None):
            continue
        _new_timer(ticket=ticket, policy=policy, kind=kind, at=at, actor_id=actor_id, note=policy.name)
    return policy


def recompute_deadlines(*, calendar_ids: Iterable[int | None] | None, at: datetime) -> int:
    """Place the deadlines of running timers again after their calendar changed (None in ids: the default one).

    ``calendar_ids`` None recomputes every running timer (the production calendar changed).
    """
    timers = SlaTimer.objects.filter(status=TimerStatus.RUNNING).select_related("policy")
    if calendar_ids is not None:
        ids = list(calendar_ids)
        condition = Q(policy__calendar_id__in=[i for i in ids if i is not None])
        if None in ids:
            condition |= Q(policy__calendar__isnull=True)
        timers = timers.filter(condition)
    changed = 0
    for timer in timers.iterator(chunk_size=500):
        if timer.running_since is None:
            continue
        before = (timer.warn_at, timer.due_at)
        found = clock.deadlines(
            calendar_of(timer.policy),
            running_since=timer.running_since,
            elapsed_seconds=timer.elapsed_seconds,
            target_minutes=timer.target_minutes,
            warning_percent=timer.warning_percent,
        )
        if (found.warn_at, found.due_at) == before:
            continue
        timer.warn_at, timer.due_at = found.warn_at, found.due_at
        timer.save(update_fields=["warn_at", "due_at"])
        log(timer, Action.RECOMPUTED, at=at, note="изменился рабочий календарь")
        changed += 1
    return changed


def retarget_policy_timers(
    *, policy: SlaPolicy, at: datetime, actor_id: int | None, previous_calendar_id: int | None
) -> int:
    """The administrator changed a policy's targets or calendar: its active timers follow from now."""
    previous_calendar = get_calendar(previous_calendar_id)
    changed = 0
    for timer in SlaTimer.objects.filter(policy=policy, status__in=ACTIVE_STATUSES).select_related("policy"):
        target = policy.target_minutes(timer.kind)
        timer.policy = policy
        if target is None:
            ticket = Ticket.objects.get(pk=timer.ticket_id)
            changed += stop_ticket_timers(
                ticket=ticket, kinds=[timer.kind], at=at, actor_id=actor_id, cancel=True, note="срок убран из политики"
            )
            continue
        running = timer.status == TimerStatus.RUNNING
        _close_stretch(timer, at, previous_calendar)
        timer.target_minutes, timer.warning_percent = target, policy.warning_percent
        if running:
            _run_from(timer, at)
            if timer.warn_at is not None and timer.warn_at > at:
                timer.warned_at = None
        _save(timer)
        log(timer, Action.RECOMPUTED, at=at, actor_id=actor_id, note="политика изменена")
        changed += 1
    return changed
