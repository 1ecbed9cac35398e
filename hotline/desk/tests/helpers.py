"""Assertions shared by the desk's service tests."""

from __future__ import annotations

from hotline.core.models import AuditLog, OutboxEvent
from hotline.desk.models import Ticket, TicketHistory


def assert_trail(ticket: Ticket, *, action: str, event: str) -> None:
    """The change left a history row, an audit row on the ticket and an outbox event about it."""
    assert TicketHistory.objects.filter(ticket=ticket, action=action).exists(), (
        f"no history {action!r}: {list(TicketHistory.objects.filter(ticket=ticket).values_list('action', flat=True))}"
    )
    assert AuditLog.objects.filter(object_type="desk.ticket", object_id=str(ticket.pk)).exists()
    names = [
        e.name
        for e in OutboxEvent.objects.filter(name=event)
        if e.payload.get("ticket_id") == ticket.pk or e.payload.get("into_ticket_id") == ticket.pk
    ]
    assert names, f"no outbox event {event} for ticket {ticket.pk}"


def events_named(name: str) -> list[dict[str, object]]:
    return [e.payload for e in OutboxEvent.objects.filter(name=name).order_by("created_at")]
