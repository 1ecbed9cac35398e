"""Events the SLA engine publishes (the notify app subscribes to them).

``notify`` carries the policy's choice («уведомлять о приближении срока» / «о нарушении»): subscribers that send
messages to people skip an event whose ``notify`` is False; the event is published either way, as a fact.
``assignee_id``/``queue_id`` are the ticket's at the moment of the warning or breach (who to tell).
"""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaWarning(Event):
    ticket_id: int
    timer_id: int
    kind: str  # first_response, next_response, resolution
    policy_id: int
    due_at: str  # ISO 8601
    queue_id: int
    assignee_id: int | None = None
    notify: bool = True


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaBreached(Event):
    ticket_id: int
    timer_id: int
    kind: str
    policy_id: int
    due_at: str
    queue_id: int
    assignee_id: int | None = None
    notify: bool = True
    priority_raised_to: int | None = None
    escalated_to_queue_id: int | None = None
