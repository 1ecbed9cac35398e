"""What every desk service does around its change: check the actor, lock the row, write the trail."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, batching
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk import permissions
from hotline.desk.choices import MessageKind, Status
from hotline.desk.models import Message, Ticket, TicketHistory, format_ticket_number

HISTORY_VALUE_MAX = 255
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


# The ticket whose event is being published right now (see ``ticket_in_hand``).
_in_hand: ContextVar[Ticket | None] = ContextVar("hotline_ticket_in_hand", default=None)


@contextlib.contextmanager
def announcing(ticket: Ticket) -> Iterator[None]:
    """Publish the ticket's event in this block: its sync subscribers may take the instance instead of the row."""
    token = _in_hand.set(ticket)
    try:
        yield
    finally:
        _in_hand.reset(token)


def ticket_in_hand(ticket_id: int) -> Ticket | None:
    """For a desk event's sync subscribers: the instance the service is announcing, which is the row they would read
    back (written a moment ago in this transaction, under its lock, unchanged since). None for any other ticket.

    Subscribers read it and must not change it: the service's caller gets this same instance.
    """
    ticket = _in_hand.get()
    return ticket if ticket is not None and ticket.pk == ticket_id else None


def actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def lock_ticket(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent changes apply one after the other."""
    ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update(of=("self",)))
    return ticket


def ensure_can_view(actor: User | None, ticket: Ticket) -> None:
    """Raises NotFound when the actor may not see the ticket (the same answer as a missing one)."""
    if actor is not None and not permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))


def ensure_can_work(actor: User | None, ticket: Ticket) -> None:
    """System (None) may; agents of the ticket's queue, its assignee and admins may.

    Raises:
        NotFound: the actor cannot even see the ticket.
        Forbidden: the actor sees it but may not change it.
    """
    if actor is None:
        return
    ensure_can_view(actor, ticket)
    if not permissions.can_work_on_ticket(actor, ticket):
        raise Forbidden(_("Изменять заявку могут сотрудники её очереди"))


def ensure_not_final(ticket: Ticket) -> None:
    """Closed and cancelled tickets are records: reopen first to change them."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            _("Заявка объединена с %(merged_into_id)s; работайте в ней")
            % {"merged_into_id": format_ticket_number(ticket.merged_into_id)}
        )
    if ticket.status in FINAL_STATUSES:
        raise Conflict(
            _("Заявка %(number)s %(status)s; чтобы изменить её, откройте её снова")
            % {"number": ticket.number, "status": Status(ticket.status).label}
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        value = str(value)
    return str(value)[:HISTORY_VALUE_MAX]


def log_change(
    *,
    ticket: Ticket,
    actor: User | None,
    action: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    reason: str = "",
    audit_action: str = AuditLog.Action.UPDATE,
    summary: str = "",
) -> None:
    """One history row per changed field (or one for the action) and one audit row."""
    now = timezone.now()
    rows = [
        TicketHistory(
            ticket=ticket,
            at=now,
            actor=actor,
            action=action,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            reason=reason,
        )
        for field, (old, new) in (changes or {}).items()
    ] or [TicketHistory(ticket=ticket, at=now, actor=actor, action=action, reason=reason)]
    batching.insert_many(rows)
    audit.record(
        actor=actor,
        action=audit_action,
        obj=ticket,
        summary=summary or f"{ticket.number}: {action}",
        changes={field: [_text(old), _text(new)] for field, (old, new) in (changes or {}).items()}
        | ({"reason": reason} if reason else {}),
    )


def save_ticket(ticket: Ticket, fields: list[str]) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*dict.fromkeys([*fields, "updated_at"])])


def system_message(*, ticket: Ticket, actor: User | None, text: str) -> Message:
    """A line in the ticket's timeline that staff see (escalated, merged, …); never sent to the customer."""
    return Message.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        is_internal=True,
        author_user=actor,
        body_text=text,
        created_at=timezone.now(),
    )


def require_reason(reason: str, *, message: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ValidationFailed(message, field="reason")
    return cleaned
