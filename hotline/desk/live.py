"""Live updates of the desk: who may listen to which topic, and what a ticket change announces.

Topics: ``queues`` (any agent: counts changed somewhere) and ``ticket:<id>`` (whoever may see that
ticket: its timeline changed; also carries the collision-warning presence between agents).
"""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.core.events import Event, subscribe
from hotline.desk import events, permissions
from hotline.desk.models import Ticket
from hotline.web.live import broadcast, register_topic


def _may_watch_ticket(user: Any, argument: str) -> bool:
    if not argument.isdigit():
        return False
    ticket = Ticket.objects.filter(pk=int(argument)).first()
    return ticket is not None and permissions.can_view_ticket(user, ticket)


def _announce(event: Event) -> None:
    ticket_id = getattr(event, "ticket_id", None)
    broadcast("queues")
    if ticket_id is not None:
        broadcast(f"ticket:{ticket_id}", {"event": event.name})
    into = getattr(event, "into_ticket_id", None)
    if into is not None:
        broadcast(f"ticket:{into}", {"event": event.name})


def register() -> None:
    register_topic("queues", lambda user, _arg: roles.is_agent(user))
    register_topic("ticket", _may_watch_ticket)
    for event_type in (
        events.TicketOpened,
        events.TicketAssigned,
        events.TicketStatusChanged,
        events.TicketUpdated,
        events.TicketEscalated,
        events.TicketTransferred,
        events.MessageAdded,
        events.TicketMerged,
        events.TicketRated,
    ):
        # Sync: the push is scheduled with on_commit inside the change's own transaction.
        subscribe(event_type, _announce, mode="sync")
