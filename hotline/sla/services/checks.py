"""Warnings and breaches: what the periodic ``sla.check_sla_timers`` task does.

Each timer is handled in its own transaction under the ticket's row lock (taken before the timer's, the order
the desk's own changes take them in, so the two never deadlock). ``warned_at`` / ``breached_at`` /
``breach_handled_at`` are set in that transaction with the event and the actions, so each fires at most once
per timer even with two checkers running at the same moment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotline.core.errors import DomainError
from hotline.core.events import publish
from hotline.desk.choices import OPEN_STATUSES, Priority
from hotline.desk.models import Ticket
from hotline.desk.services.escalation import escalate_ticket
from hotline.desk.services.tickets import change_priority
from hotline.sla.events import SlaBreached, SlaWarning
from hotline.sla.models import ACTIVE_STATUSES, SlaTimer, SlaTimerEvent, TimerKind, TimerStatus
from hotline.sla.services.timers import log

logger = logging.getLogger(__name__)
Action = SlaTimerEvent.Action


@dataclass
class CheckResult:
    warned: int = 0
    breached: int = 0

    def __str__(self) -> str:
        return f"warned {self.warned}, breached {self.breached}"


def _due_warnings(now: datetime) -> Q:
    return Q(status=TimerStatus.RUNNING, warned_at__isnull=True, warn_at__lte=now)


def _due_breaches(now: datetime) -> Q:
    missed_now = Q(status=TimerStatus.RUNNING, breached_at__isnull=True, due_at__lte=now)
    # Missed when the ticket went on hold: recorded then, acted on here.
    recorded = Q(status__in=ACTIVE_STATUSES, breached_at__isnull=False, breach_handled_at__isnull=True)
    return missed_now | recorded


def check_sla_timers(*, now: datetime | None = None, batch_size: int = 500) -> CheckResult:
    """Fire the warnings and breaches that are due; returns how many of each."""
    now = now or timezone.now()
    result = CheckResult()
    candidates = list(
        SlaTimer.objects.filter(_due_warnings(now) | _due_breaches(now))
        .order_by("due_at", "id")
        .values_list("pk", "ticket_id")[:batch_size]
    )
    for timer_id, ticket_id in candidates:
        try:
            outcome = _check_one(timer_id=timer_id, ticket_id=ticket_id, now=now)
        except DomainError:
            logger.exception("SLA check of timer %s failed", timer_id)
            continue
        if outcome == "warned":
            result.warned += 1
        elif outcome == "breached":
            result.breached += 1
    return result


@transaction.atomic
def _check_one(*, timer_id: int, ticket_id: int, now: datetime) -> str | None:
    ticket = Ticket.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=ticket_id).first()
    if ticket is None:
        return None  # being changed right now (or gone): the next check sees it
    timer = (
        SlaTimer.objects.select_related("policy").filter(pk=timer_id).filter(_due_warnings(now) | _due_breaches(now))
    ).first()
    if timer is None:
        return None  # handled meanwhile
    if timer.breached_at is not None or (
        timer.status == TimerStatus.RUNNING and timer.due_at is not None and timer.due_at <= now
    ):
        _breach(timer, ticket, now)
        return "breached"
    _warn(timer, ticket, now)
    return "warned"


def _warn(timer: SlaTimer, ticket: Ticket, now: datetime) -> None:
    timer.warned_at = now
    timer.save(update_fields=["warned_at"])
    log(timer, Action.WARNED, at=now, note=f"{timer.warning_percent}% срока")
    publish(
        SlaWarning(
            ticket_id=ticket.pk,
            timer_id=timer.pk,
            kind=timer.kind,
            policy_id=timer.policy_id,
            due_at=timer.due_at.isoformat() if timer.due_at else "",
            queue_id=ticket.queue_id,
            assignee_id=ticket.assignee_id,
            notify=timer.policy.notify_on_warning,
        )
    )


def _breach(timer: SlaTimer, ticket: Ticket, now: datetime) -> None:
    policy = timer.policy
    if timer.breached_at is None:
        timer.breached_at = timer.due_at or now
    timer.decided_at = timer.decided_at or timer.breached_at
    timer.warned_at = timer.warned_at or now  # the breach says it all; no late warning
    timer.queue_id, timer.assignee_id = ticket.queue_id, ticket.assignee_id
    timer.breach_handled_at = now
    timer.save(update_fields=["breached_at", "decided_at", "warned_at", "queue", "assignee", "breach_handled_at"])
    log(timer, Action.BREACHED, at=now, note=f"срок {TimerKind(timer.kind).label} истёк")
    due_at = timer.due_at.isoformat() if timer.due_at else ""
    queue_id, assignee_id = ticket.queue_id, ticket.assignee_id
    raised_to: int | None = None
    escalated_to: int | None = None
    if ticket.status in OPEN_STATUSES and ticket.merged_into_id is None:
        reason = f"Нарушен срок SLA «{TimerKind(timer.kind).label}» (политика «{policy.name}»)"
        target = policy.raise_priority_to
        if target is not None and ticket.priority > target:
            try:
                with transaction.atomic():
                    change_priority(
                        actor=None,
                        ticket=ticket,
                        impact=ticket.impact,
                        urgency=ticket.urgency,
                        priority=target,
                        reason=reason,
                    )
                raised_to = target
                log(timer, Action.PRIORITY_RAISED, at=now, note=f"до «{Priority(target).label}»")
            except DomainError as exc:
                log(timer, Action.ACTION_FAILED, at=now, note=f"приоритет: {exc.message}")
        if policy.escalate_on_breach:
            before = ticket.queue_id
            try:
                with transaction.atomic():
                    escalate_ticket(actor=None, ticket=ticket, reason=reason)
                escalated_to = ticket.queue_id if ticket.queue_id != before else None
                log(timer, Action.ESCALATED, at=now, note=f"в очередь #{ticket.queue_id}")
            except DomainError as exc:
                log(timer, Action.ACTION_FAILED, at=now, note=f"эскалация: {exc.message}")
    publish(
        SlaBreached(
            ticket_id=ticket.pk,
            timer_id=timer.pk,
            kind=timer.kind,
            policy_id=policy.pk,
            due_at=due_at,
            queue_id=queue_id,
            assignee_id=assignee_id,
            notify=policy.notify_on_breach,
            priority_raised_to=raised_to,
            escalated_to_queue_id=escalated_to,
        )
    )
