"""Events telephony publishes; notify, campaigns and reports subscribe to them."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallStarted(Event):
    call_id: int
    direction: str
    contact_id: int | None = None
    line_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallAnswered(Event):
    call_id: int
    agent_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallEnded(Event):
    call_id: int
    outcome: str
    contact_id: int | None = None
    ticket_id: int | None = None
    agent_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallLinked(Event):
    """The call was tied to a contact and/or a ticket by an agent (or a script run)."""

    call_id: int
    contact_id: int | None = None
    ticket_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallTransferred(Event):
    call_id: int
    transfer_id: int
    ticket_id: int | None = None
    to_agent_id: int | None = None
    to_queue_id: int | None = None
    reason: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallbackRequested(Event):
    """A missed or abandoned call added to the callback list (a new row or one more missed call on it)."""

    callback_id: int
    call_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallbackAssigned(Event):
    callback_id: int
    assignee_id: int | None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallbackClosed(Event):
    callback_id: int
    status: str
    result: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ExtensionClaimed(Event):
    """An agent took an extension (their desk phone); whoever had it before lost it."""

    user_id: int
    extension: str
    previous_user_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ScriptPublished(Event):
    script_id: int
    version_id: int
    number: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ScriptRunFinished(Event):
    run_id: int
    action: str
    ticket_id: int | None = None
    call_id: int | None = None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OriginationUpdated(Event):
    """A call Hotline asked the PBX to place moved on: placed, ringing, answered, ended (with ``result``), or
    failed (the PBX did not take it; ``error`` says why). Whoever asked finds it by ``correlation_id``."""

    origination_id: int
    correlation_id: str
    state: str
    result: str = ""
    call_id: int | None = None
    provider_call_id: str = ""
    error: str = ""
    occurred_at: str = ""
