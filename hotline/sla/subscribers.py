"""What the SLA engine does when the desk's events happen; registered once from ``SlaConfig.ready``.

The desk's events are handled *sync*, inside the desk's transaction and under its lock on the ticket, so due
times exist (and change) in the same commit as the change itself — the queue can sort by them at once.
Calendar changes are handled *async* from the outbox: they move many due times and nothing waits for them.
"""

from __future__ import annotations

from django.utils import timezone

from hotline.core import events
from hotline.core.calendar.events import BusinessCalendarChanged, ProductionCalendarChanged
from hotline.core.models import BusinessCalendar
from hotline.desk.choices import DONE_STATUSES, OPEN_STATUSES, PENDING_STATUSES, MessageKind, Status
from hotline.desk.events import (
    MessageAdded,
    TicketEscalated,
    TicketOpened,
    TicketStatusChanged,
    TicketTransferred,
    TicketUpdated,
)
from hotline.desk.models import Ticket
from hotline.desk.services.common import ticket_in_hand
from hotline.sla.models import TimerKind
from hotline.sla.services import timers

# Ticket fields a policy's conditions read (the customer's tags come with the contact and organisation).
POLICY_FIELDS = frozenset({"priority", "category", "contact", "organisation", "channel", "queue"})


def _ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.select_related("category").filter(pk=ticket_id).first()


def on_ticket_opened(event: TicketOpened) -> None:
    # Usually the instance open_ticket is announcing (no need to read back the row it has just written).
    ticket = ticket_in_hand(event.ticket_id) or _ticket(event.ticket_id)
    if ticket is not None:
        timers.start_ticket_timers(ticket=ticket, at=ticket.created_at, actor_id=event.actor_id)


def on_status_changed(event: TicketStatusChanged) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    now = timezone.now()
    old, new = event.old_status, event.new_status
    label = Status(new).label if new in Status.values else new
    if new in PENDING_STATUSES:
        timers.pause_ticket_timers(ticket_id=ticket.pk, at=now, actor_id=event.actor_id, note=f"статус «{label}»")
    elif new in (Status.RESOLVED, Status.CLOSED):
        timers.stop_ticket_timers(ticket=ticket, kinds=None, at=now, actor_id=event.actor_id, note=f"статус «{label}»")
    elif new == Status.CANCELLED:
        timers.stop_ticket_timers(
            ticket=ticket, kinds=None, at=now, actor_id=event.actor_id, cancel=True, note="заявка отменена"
        )
    elif new in OPEN_STATUSES and old in DONE_STATUSES:
        timers.revive_ticket_timers(ticket=ticket, at=now, actor_id=event.actor_id)
    elif new in OPEN_STATUSES and old in PENDING_STATUSES:
        timers.resume_ticket_timers(ticket_id=ticket.pk, at=now, actor_id=event.actor_id, note=f"статус «{label}»")


def on_message_added(event: MessageAdded) -> None:
    if event.is_internal or event.kind != MessageKind.REPLY:
        return
    ticket = ticket_in_hand(event.ticket_id) or _ticket(event.ticket_id)
    if ticket is None:
        return
    now = timezone.now()
    if event.from_customer:
        timers.start_next_response(ticket=ticket, at=now, actor_id=event.actor_id)
    else:
        timers.stop_ticket_timers(
            ticket=ticket,
            kinds=[TimerKind.FIRST_RESPONSE, TimerKind.NEXT_RESPONSE],
            at=now,
            actor_id=event.actor_id,
            note="ответ сотрудника",
        )


def on_ticket_updated(event: TicketUpdated) -> None:
    if not POLICY_FIELDS.intersection(event.fields):
        return
    ticket = _ticket(event.ticket_id)
    if ticket is not None:
        timers.reapply_policy(ticket=ticket, at=timezone.now(), actor_id=event.actor_id)


def on_ticket_moved(event: TicketEscalated | TicketTransferred) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is not None:
        timers.reapply_policy(ticket=ticket, at=timezone.now(), actor_id=event.actor_id)


def on_calendar_changed(event: BusinessCalendarChanged) -> None:
    ids: list[int | None] = [event.calendar_id]
    if BusinessCalendar.objects.filter(pk=event.calendar_id, is_default=True).exists():
        ids.append(None)
    timers.recompute_deadlines(calendar_ids=ids, at=timezone.now())


def on_production_calendar_changed(event: ProductionCalendarChanged) -> None:
    timers.recompute_deadlines(calendar_ids=None, at=timezone.now())


def register() -> None:
    events.subscribe(TicketOpened, on_ticket_opened, mode="sync")
    events.subscribe(TicketStatusChanged, on_status_changed, mode="sync")
    events.subscribe(MessageAdded, on_message_added, mode="sync")
    events.subscribe(TicketUpdated, on_ticket_updated, mode="sync")
    events.subscribe(TicketEscalated, on_ticket_moved, mode="sync")
    events.subscribe(TicketTransferred, on_ticket_moved, mode="sync")
    events.subscribe(BusinessCalendarChanged, on_calendar_changed, mode="async")
    events.subscribe(ProductionCalendarChanged, on_production_calendar_changed, mode="async")
