"""Events the desk publishes; upper apps (sla, notify, reports) subscribe to them."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketOpened(Event):
    ticket_id: int
    queue_id: int
    channel: str
    contact_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketAssigned(Event):
    ticket_id: int
    assignee_id: int | None
    previous_assignee_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(Event):
    ticket_id: int
    old_status: str
    new_status: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketUpdated(Event):
    ticket_id: int
    fields: list[str]


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketEscalated(Event):
    ticket_id: int
    from_queue_id: int
    to_queue_id: int
    reason: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketTransferred(Event):
    ticket_id: int
    from_queue_id: int
    to_queue_id: int
    reason: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageAdded(Event):
    ticket_id: int
    message_id: int
    kind: str
    is_internal: bool
    from_customer: bool


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketMerged(Event):
    ticket_id: int
    into_ticket_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketRated(Event):
    ticket_id: int
    score: int
