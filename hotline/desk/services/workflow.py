"""The status workflow. ``choices.ALLOWED_TRANSITIONS`` is the only table of legal moves."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import User
from hotline.desk import permissions
from hotline.desk.choices import ALLOWED_TRANSITIONS, DONE_STATUSES, OPEN_STATUSES, ResolutionCode, Status
from hotline.desk.events import TicketStatusChanged
from hotline.desk.models import Ticket
from hotline.desk.services.common import (
    actor_id,
    ensure_can_view,
    ensure_can_work,
    lock_ticket,
    log_change,
    require_reason,
    save_ticket,
)

logger = logging.getLogger(__name__)
REASON_MAX = 2000


def allowed_statuses(status: str) -> list[str]:
    """The statuses a ticket in ``status`` may move to, in the order of ``Status``."""
    allowed = ALLOWED_TRANSITIONS.get(status, frozenset())
    return [s.value for s in Status if s in allowed]


def check_transition(old: str, new: str) -> None:
    """Raises: InvalidTransition — naming the statuses the ticket may move to."""
    if new not in Status.values:
        raise ValidationFailed(_("Неизвестный статус «%(new)s»") % {"new": new}, field="status")
    if new not in ALLOWED_TRANSITIONS.get(old, frozenset()):
        allowed = ", ".join(f"«{Status(s).label}» ({s})" for s in allowed_statuses(old)) or "—"
        raise InvalidTransition(
            _("Из статуса «%(old)s» нельзя перейти в «%(new)s». Можно: %(allowed)s")
            % {"old": Status(old).label, "new": Status(new).label, "allowed": allowed},
            field="status",
        )


def _customer_may(actor: User | None, ticket: Ticket, new: str) -> bool:
    """The requester confirms or rejects a solution and may withdraw an open request."""
    if actor is None or not permissions.is_ticket_requester(actor, ticket):
        return False
    if ticket.status == Status.RESOLVED:
        return new in (Status.CLOSED, Status.OPEN)
    return ticket.status in OPEN_STATUSES and new == Status.CANCELLED


def _ensure_may_move(actor: User | None, ticket: Ticket, new: str) -> None:
    if actor is not None and permissions.contact_of(actor) is not None:
        ensure_can_view(actor, ticket)
        if not _customer_may(actor, ticket, new):
            raise Forbidden(_("Это действие выполняет сотрудник поддержки"))
        return
    ensure_can_work(actor, ticket)


def apply_status(
    *,
    actor: User | None,
    ticket: Ticket,
    new: str,
    reason: str = "",
    extra_fields: dict[str, object] | None = None,
    action: str = "status_changed",
) -> Ticket:
    """Move the (locked) ticket through the table, stamping the milestone of the new status."""
    old = ticket.status
    check_transition(old, new)
    now = timezone.now()
    fields = ["status", "status_changed_at"]
    ticket.status = new
    ticket.status_changed_at = now
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif new == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif new == Status.CANCELLED:
        ticket.cancelled_at = now
        fields.append("cancelled_at")
    elif old in DONE_STATUSES:
        # Reopened: the earlier outcome stays in the history, the ticket itself is open work again.
        ticket.reopened_at = now
        ticket.reopen_count += 1
        ticket.resolved_at = ticket.closed_at = ticket.cancelled_at = None
        ticket.resolution_code = ticket.resolution_note = ""
        fields += ["reopened_at", "reopen_count", "resolved_at", "closed_at", "cancelled_at"]
        fields += ["resolution_code", "resolution_note"]
        action = "reopened"
    changes: dict[str, tuple[object, object]] = {"status": (old, new)}
    for field, value in (extra_fields or {}).items():
        changes[field] = (getattr(ticket, field), value)
        setattr(ticket, field, value)
        fields.append(field)
    save_ticket(ticket, fields)
    log_change(ticket=ticket, actor=actor, action=action, changes=changes, reason=reason)
    publish(TicketStatusChanged(actor_id=actor_id(actor), ticket_id=ticket.pk, old_status=old, new_status=new))
    return ticket


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("Причина не длиннее %(value)s символов") % {"value": REASON_MAX}, field="reason")
    return reason


def _not_merged(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise Conflict(_("Заявка объединена с другой; статус меняется у основной заявки"))


@transaction.atomic
def change_status(*, actor: User | None, ticket: Ticket, status: str, reason: str = "") -> Ticket:
    """Move the ticket to ``status`` if the workflow allows it.

    Resolving this way records the code «решено» with the reason as the note; cancelling needs a reason.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        InvalidTransition: the move is not in the table (the message names the allowed ones).
        ValidationFailed: an unknown status; cancelling without a reason.
    """
    lock_ticket(ticket)
    _ensure_may_move(actor, ticket, status)
    _not_merged(ticket)
    reason = _clean_reason(reason)
    if status == ticket.status:
        return ticket
    if status == Status.RESOLVED:
        return _resolve(actor=actor, ticket=ticket, resolution_code=ResolutionCode.SOLVED, resolution_note=reason)
    if status == Status.CANCELLED:
        require_reason(reason, message=_("Укажите причину отмены"))
    return apply_status(actor=actor, ticket=ticket, new=status, reason=reason)


def _resolve(*, actor: User | None, ticket: Ticket, resolution_code: str, resolution_note: str) -> Ticket:
    if resolution_code not in ResolutionCode.values:
        raise ValidationFailed(
            _("Код решения: одно из %(allowed)s") % {"allowed": ", ".join(ResolutionCode.values)},
            field="resolution_code",
        )
    return apply_status(
        actor=actor,
        ticket=ticket,
        new=Status.RESOLVED,
        reason=resolution_note,
        extra_fields={"resolution_code": resolution_code, "resolution_note": resolution_note},
        action="resolved",
    )


@transaction.atomic
def resolve_ticket(*, actor: User | None, ticket: Ticket, resolution_code: str, resolution_note: str = "") -> Ticket:
    """Mark the ticket solved with a resolution code; the customer may then confirm, reopen, rate.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        InvalidTransition: the ticket cannot be resolved from its status.
        ValidationFailed: an unknown resolution code.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    _not_merged(ticket)
    note = (resolution_note or "").strip()
    if len(note) > 10_000:
        raise ValidationFailed(_("Описание решения не длиннее 10000 символов"), field="resolution_note")
    return _resolve(actor=actor, ticket=ticket, resolution_code=resolution_code, resolution_note=note)


@transaction.atomic
def close_ticket(*, actor: User | None, ticket: Ticket) -> Ticket:
    """Close a resolved ticket (an agent, or its requester confirming the solution).

    Raises:
        NotFound, Forbidden: the actor may not close it.
        InvalidTransition: the ticket is not resolved.
    """
    lock_ticket(ticket)
    _ensure_may_move(actor, ticket, Status.CLOSED)
    _not_merged(ticket)
    return apply_status(actor=actor, ticket=ticket, new=Status.CLOSED, action="closed")


@transaction.atomic
def cancel_ticket(*, actor: User | None, ticket: Ticket, reason: str) -> Ticket:
    """Cancel a ticket that needs no work (an agent, or its requester withdrawing it).

    Raises:
        NotFound, Forbidden: the actor may not cancel it.
        ValidationFailed: no reason given.
        InvalidTransition: the ticket is already resolved, closed or cancelled.
    """
    lock_ticket(ticket)
    _ensure_may_move(actor, ticket, Status.CANCELLED)
    _not_merged(ticket)
    reason = require_reason(_clean_reason(reason), message=_("Укажите причину отмены"))
    return apply_status(actor=actor, ticket=ticket, new=Status.CANCELLED, reason=reason, action="cancelled")


@transaction.atomic
def reopen_ticket(*, actor: User | None, ticket: Ticket, reason: str = "") -> Ticket:
    """Reopen a resolved, closed or cancelled ticket (its requester may reopen a resolved one).

    Raises:
        NotFound, Forbidden: the actor may not reopen it.
        InvalidTransition: the ticket is still open.
        Conflict: the ticket was merged into another.
    """
    lock_ticket(ticket)
    _ensure_may_move(actor, ticket, Status.OPEN)
    _not_merged(ticket)
    if ticket.status not in DONE_STATUSES:
        raise InvalidTransition(
            _("Заявка %(number)s не закрыта — открывать нечего") % {"number": ticket.number}, field="status"
        )
    return apply_status(actor=actor, ticket=ticket, new=Status.OPEN, reason=_clean_reason(reason))


def close_resolved_tickets(
    *, older_than_days: int | None = None, now: datetime.datetime | None = None, batch_size: int = 200
) -> int:
    """Close tickets resolved more than N days ago (settings.HOTLINE_AUTO_CLOSE_DAYS); returns how many.

    Each ticket closes in its own transaction under a row lock, re-checked there, so two schedulers
    running at once close every ticket once and one bad row does not stop the rest.
    """
    days = settings.HOTLINE_AUTO_CLOSE_DAYS if older_than_days is None else older_than_days
    if days < 0:
        raise ValidationFailed(_("Число дней не может быть отрицательным"), field="older_than_days")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    due = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff, merged_into__isnull=True)
    closed = 0
    last_id = 0
    while True:
        ids = list(due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return closed
        last_id = ids[-1]
        for ticket_id in ids:
            with transaction.atomic():
                ticket = (
                    Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=ticket_id, status=Status.RESOLVED, resolved_at__lte=cutoff)
                    .first()
                )
                if ticket is None:
                    continue  # reopened meanwhile, or another worker has it
                apply_status(
                    actor=None,
                    ticket=ticket,
                    new=Status.CLOSED,
                    reason=f"закрыта автоматически через {days} дн. после решения",
                    action="auto_closed",
                )
                closed += 1
