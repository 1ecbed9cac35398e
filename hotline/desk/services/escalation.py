"""Moving a ticket between queues: up the support lines (escalation) or across to a department (transfer)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import User
from hotline.desk import permissions
from hotline.desk.events import TicketEscalated, TicketTransferred
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.assignment import _apply_assignment, auto_assign
from hotline.desk.services.common import (
    actor_id,
    ensure_can_work,
    ensure_not_final,
    lock_ticket,
    log_change,
    require_reason,
    save_ticket,
    system_message,
)

REASON_MAX = 2000


def next_line_queue(queue: Queue) -> Queue | None:
    """Where escalation goes from ``queue``: its configured escalation queue, else the next line's first queue."""
    if queue.escalation_queue_id is not None:
        target = Queue.objects.filter(pk=queue.escalation_queue_id, is_active=True).first()
        if target is not None:
            return target
    if queue.line_level is None:
        return None
    return (
        Queue.objects.filter(is_active=True, line_level__gt=queue.line_level)
        .order_by("line_level", "-is_default", "name", "pk")
        .first()
    )


def _reason(reason: str, message: str) -> str:
    cleaned = require_reason(reason, message=message)
    if len(cleaned) > REASON_MAX:
        raise ValidationFailed(_("Причина не длиннее %(value)s символов") % {"value": REASON_MAX}, field="reason")
    return cleaned


def _move(*, actor: User | None, ticket: Ticket, to_queue: Queue) -> Queue:
    """Put the (locked) ticket in another queue; whoever had it lets go and keeps watching."""
    from_queue = ticket.queue
    previous = ticket.assignee
    if previous is not None:
        _apply_assignment(actor=actor, ticket=ticket, assignee=None, reason=f"передана в «{to_queue.name}»")
    ticket.queue = to_queue
    save_ticket(ticket, ["queue"])
    # The agent who handed it over (and the last assignee) follow what happens next.
    for follower in (actor, previous):
        if follower is not None and not permissions.can_view_ticket(follower, ticket):
            ticket.watchers.add(follower)
    return from_queue


@transaction.atomic
def escalate_ticket(*, actor: User | None, ticket: Ticket, reason: str, to_queue: Queue | None = None) -> Ticket:
    """Hand the ticket up to the next support line (or to ``to_queue`` on a higher line), with a reason.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: no reason; ``to_queue`` not on a higher line or disabled.
        Conflict: no higher line to go to; the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    reason = _reason(reason, _("Укажите причину эскалации"))
    current = ticket.queue
    if to_queue is None:
        target = next_line_queue(current)
        if target is None:
            if current.line_level is None:
                raise Conflict(
                    _("Для отдела «%(current)s» не задана очередь эскалации; используйте передачу")
                    % {"current": current.name}
                )
            raise Conflict(
                _("Заявка уже на %(line_level)s-й линии — выше эскалировать некуда")
                % {"line_level": current.line_level}
            )
    else:
        target = to_queue
        if not target.is_active:
            raise ValidationFailed(_("Очередь «%(target)s» отключена") % {"target": target.name}, field="to_queue_id")
        if target.pk == current.pk:
            raise ValidationFailed(_("Заявка уже в этой очереди"), field="to_queue_id")
        is_configured = current.escalation_queue_id == target.pk
        is_higher = (
            target.line_level is not None and current.line_level is not None and target.line_level > current.line_level
        )
        if not (is_configured or is_higher):
            raise ValidationFailed(
                _("Эскалация — на линию выше; в отдел или на ту же линию заявку передают"), field="to_queue_id"
            )
    from_queue = _move(actor=actor, ticket=ticket, to_queue=target)
    ticket.escalation_level += 1
    ticket.escalated_at = timezone.now()
    save_ticket(ticket, ["escalation_level", "escalated_at"])
    log_change(
        ticket=ticket,
        actor=actor,
        action="escalated",
        changes={
            "queue": (from_queue.name, target.name),
            "escalation_level": (ticket.escalation_level - 1, ticket.escalation_level),
        },
        reason=reason,
    )
    system_message(ticket=ticket, actor=actor, text=f"Эскалирована: «{from_queue.name}» → «{target.name}». {reason}")
    publish(
        TicketEscalated(
            actor_id=actor_id(actor),
            ticket_id=ticket.pk,
            from_queue_id=from_queue.pk,
            to_queue_id=target.pk,
            reason=reason,
        )
    )
    auto_assign(ticket=ticket)
    return ticket


@transaction.atomic
def transfer_ticket(*, actor: User | None, ticket: Ticket, to_queue: Queue, reason: str) -> Ticket:
    """Transfer the ticket to a department (or any other queue), with a reason.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: no reason; the queue is the same one or disabled.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    reason = _reason(reason, _("Укажите причину передачи"))
    if not to_queue.is_active:
        raise ValidationFailed(_("Очередь «%(to_queue)s» отключена") % {"to_queue": to_queue.name}, field="to_queue_id")
    if to_queue.pk == ticket.queue_id:
        raise ValidationFailed(_("Заявка уже в этой очереди"), field="to_queue_id")
    from_queue = _move(actor=actor, ticket=ticket, to_queue=to_queue)
    log_change(
        ticket=ticket,
        actor=actor,
        action="transferred",
        changes={"queue": (from_queue.name, to_queue.name)},
        reason=reason,
    )
    system_message(ticket=ticket, actor=actor, text=f"Передана: «{from_queue.name}» → «{to_queue.name}». {reason}")
    publish(
        TicketTransferred(
            actor_id=actor_id(actor),
            ticket_id=ticket.pk,
            from_queue_id=from_queue.pk,
            to_queue_id=to_queue.pk,
            reason=reason,
        )
    )
    auto_assign(ticket=ticket)
    return ticket
