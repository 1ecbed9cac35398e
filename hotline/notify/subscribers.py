"""What notify does when the desk's (and the SLA app's) events happen; registered from ``NotifyConfig.ready``.

All async: they run from the outbox after the change commits, once per event, and only queue
deliveries (``services.dispatch``); sending happens elsewhere.

To customers: request received (the number), a public reply of support (with its files), status
notices (waiting for the customer or a third party, reopened, closed, cancelled) and the resolution
with a rating link. A new → open move and the customer's own actions are not announced to them.

To staff: the ticket assigned to you (not when you took it yourself), escalated or transferred to
your queue (its members), the customer replied on your ticket (assignee and watching agents),
``@username`` in an internal note (only people who can open the ticket), SLA warnings and breaches.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q

from hotline.core import events
from hotline.core.models import User
from hotline.desk import events as desk_events
from hotline.desk import permissions
from hotline.desk.choices import DONE_STATUSES, MessageKind, QueueRole, Status
from hotline.desk.models import Message, Queue, QueueMembership, Ticket
from hotline.notify import labels
from hotline.notify.kinds import Kind
from hotline.notify.services import webhooks
from hotline.notify.services.dispatch import notify_customers, notify_staff
from hotline.sla import events as sla_events

# Statuses a customer hears about (resolved has its own mail with the rating link).
NOTICE_STATUSES = frozenset({Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.CLOSED, Status.CANCELLED})
MENTION = re.compile(r"(?<![\w.@+-])@([\w][\w.@+-]*)")
MENTIONS_MAX = 20


def _ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.select_related("queue", "assignee", "contact").filter(pk=ticket_id).first()


def _user(user_id: int | None) -> User | None:
    return None if user_id is None else User.objects.filter(pk=user_id).first()


def request_received(event: desk_events.TicketOpened) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or ticket.contact is None:
        return
    description = ticket.description
    # The customer who filed it themselves still gets the confirmation with the number.
    notify_customers(
        kind=Kind.REQUEST_RECEIVED,
        ticket=ticket,
        contacts=[ticket.contact],
        extra=lambda _lang: {"description": description},
    )


def _reply_added(ticket: Ticket, message: Message, actor: User | None) -> None:
    contacts = [c for c in (ticket.contact,) if c is not None]
    contacts += list(ticket.watcher_contacts.all())
    files = list(message.attachments.all())
    author = message.author_user.display_name if message.author_user is not None else ""
    text = message.body_text
    notify_customers(
        kind=Kind.REPLY_ADDED,
        ticket=ticket,
        contacts=contacts,
        actor=actor,
        attachments=files,
        extra=lambda _lang: {"message": text, "author_name": author, "attachments": [f.original_name for f in files]},
    )


def _customer_replied(ticket: Ticket, message: Message) -> None:
    users: list[User] = [ticket.assignee] if ticket.assignee is not None else []
    users += list(ticket.watchers.filter(is_active=True))
    text = message.body_text
    notify_staff(kind=Kind.CUSTOMER_REPLIED, ticket=ticket, users=users, extra=lambda _lang: {"message": text})


def mentioned_users(text: str) -> list[User]:
    """Active users named as ``@username`` in the text (case-insensitive, trailing punctuation ignored)."""
    names = {name.rstrip(".-") for name in MENTION.findall(text or "")}
    names = {name for name in names if name}
    if not names:
        return []
    query = Q()
    for name in sorted(names)[:MENTIONS_MAX]:
        query |= Q(username__iexact=name)
    return list(User.objects.filter(query, is_active=True))


def _mentions(ticket: Ticket, message: Message, actor: User | None) -> None:
    users = [user for user in mentioned_users(message.body_text) if permissions.can_view_ticket(user, ticket)]
    if not users:
        return
    author = actor.display_name if actor is not None else ""
    text = message.body_text
    notify_staff(
        kind=Kind.MENTIONED,
        ticket=ticket,
        users=users,
        actor=actor,
        extra=lambda _lang: {"note": text, "author_name": author},
    )


def message_added(event: desk_events.MessageAdded) -> None:
    ticket = _ticket(event.ticket_id)
    message = Message.objects.select_related("author_user").filter(pk=event.message_id).first()
    if ticket is None or message is None:
        return
    actor = _user(event.actor_id)
    if event.is_internal:
        if event.kind == MessageKind.NOTE:
            _mentions(ticket, message, actor)
    elif event.from_customer:
        _customer_replied(ticket, message)
    elif event.kind == MessageKind.REPLY:
        _reply_added(ticket, message, actor)


def status_changed(event: desk_events.TicketStatusChanged) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or ticket.contact is None or ticket.merged_into_id is not None:
        return
    actor = _user(event.actor_id)
    old, new = event.old_status, event.new_status
    if new == Status.RESOLVED:
        resolution = ticket.resolution_note
        notify_customers(
            kind=Kind.RESOLVED,
            ticket=ticket,
            contacts=[ticket.contact],
            actor=actor,
            extra=lambda _lang: {"resolution": resolution},
        )
        return
    reopened = new == Status.OPEN and old in DONE_STATUSES
    if new not in NOTICE_STATUSES and not reopened:
        return
    # Reasons of other moves are often notes among staff; a cancellation's reason is meant for the customer.
    reason = _last_reason(ticket) if new == Status.CANCELLED else ""

    def extra(language: str) -> dict[str, Any]:
        return {
            "old_status": labels.status_label(old, language, for_customer=True),
            "new_status": labels.status_label(new, language, for_customer=True),
            "reason": reason,
        }

    notify_customers(kind=Kind.STATUS_CHANGED, ticket=ticket, contacts=[ticket.contact], actor=actor, extra=extra)


def _last_reason(ticket: Ticket) -> str:
    entry = ticket.history.filter(field="status").order_by("-at", "-id").values_list("reason", flat=True).first()
    return entry or ""


def assigned(event: desk_events.TicketAssigned) -> None:
    if event.assignee_id is None or event.assignee_id == event.actor_id:
        return
    ticket = _ticket(event.ticket_id)
    assignee = _user(event.assignee_id)
    if ticket is None or assignee is None:
        return
    notify_staff(kind=Kind.ASSIGNED, ticket=ticket, users=[assignee], actor=_user(event.actor_id))


def _queue_members(queue_id: int) -> Iterable[User]:
    member_ids = QueueMembership.objects.filter(queue_id=queue_id).values("user_id")
    return User.objects.filter(pk__in=member_ids, is_active=True)


def _moved(event: desk_events.TicketEscalated | desk_events.TicketTransferred, *, transferred: bool) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    names = dict(Queue.objects.filter(pk__in=[event.from_queue_id, event.to_queue_id]).values_list("pk", "name"))
    values = {
        "from_queue": names.get(event.from_queue_id, ""),
        "to_queue": names.get(event.to_queue_id, ""),
        "reason": event.reason,
        "transferred": transferred,
    }
    notify_staff(
        kind=Kind.ESCALATED,
        ticket=ticket,
        users=_queue_members(event.to_queue_id),
        actor=_user(event.actor_id),
        extra=lambda _lang: values,
    )


def escalated(event: desk_events.TicketEscalated) -> None:
    _moved(event, transferred=False)


def transferred(event: desk_events.TicketTransferred) -> None:
    _moved(event, transferred=True)


def _queue_leads(queue_id: int) -> list[User]:
    lead_ids = QueueMembership.objects.filter(queue_id=queue_id, role=QueueRole.LEAD).values("user_id")
    return list(User.objects.filter(pk__in=lead_ids, is_active=True))


def local_time(iso: str, user: User, language: str) -> str:
    """An SLA due time as the recipient reads it: their time zone, their language's date order."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or "Europe/Moscow")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Europe/Moscow")
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M %Z" if language == "en" else "%d.%m.%Y %H:%M %Z")


def _sla(event: sla_events.SlaWarning | sla_events.SlaBreached, *, kind: Kind) -> None:
    if not event.notify:
        return  # the policy records the fact without telling anyone
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    assignee = _user(event.assignee_id)
    leads = _queue_leads(event.queue_id)
    # A warning goes to whoever can still act (the assignee, else the queue's leads); a breach to both.
    if kind == Kind.SLA_WARNING:
        users = [assignee] if assignee is not None else leads
    else:
        users = ([assignee] if assignee is not None else []) + leads
    for user in users:
        # Each person reads the due time in their own time zone, so each gets their own rendering.
        notify_staff(kind=kind, ticket=ticket, users=[user], extra=_sla_values(event.kind, event.due_at, user))


def _sla_values(target: str, due_at: str, user: User) -> Callable[[str], dict[str, Any]]:
    def values(language: str) -> dict[str, Any]:
        return {"target": labels.sla_target_label(target, language), "due_at": local_time(due_at, user, language)}

    return values


def sla_warning(event: sla_events.SlaWarning) -> None:
    _sla(event, kind=Kind.SLA_WARNING)


def sla_breached(event: sla_events.SlaBreached) -> None:
    _sla(event, kind=Kind.SLA_BREACHED)


def register() -> None:
    events.subscribe(desk_events.TicketOpened, request_received)
    events.subscribe(desk_events.MessageAdded, message_added)
    events.subscribe(desk_events.TicketStatusChanged, status_changed)
    events.subscribe(desk_events.TicketAssigned, assigned)
    events.subscribe(desk_events.TicketEscalated, escalated)
    events.subscribe(desk_events.TicketTransferred, transferred)
    events.subscribe(sla_events.SlaWarning, sla_warning)
    events.subscribe(sla_events.SlaBreached, sla_breached)
    for event_type in webhooks.EVENT_TYPES:
        events.subscribe(event_type, webhooks.queue_webhooks)
