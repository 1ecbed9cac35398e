"""Events campaigns publish; reports and notify may subscribe."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CampaignCreated(Event):
    campaign_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CampaignStatusChanged(Event):
    campaign_id: int
    old_status: str
    new_status: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallListImported(Event):
    campaign_id: int
    call_list_id: int
    job_id: int
    imported: int
    rejected: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AttemptStarted(Event):
    attempt_id: int
    lead_id: int
    campaign_id: int
    agent_id: int | None


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AttemptEnded(Event):
    attempt_id: int
    outcome: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class LeadDispositioned(Event):
    attempt_id: int
    lead_id: int
    disposition: str
    lead_status: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class NumberBlocked(Event):
    """A number went on a do-not-call list (``campaign_id`` None: every campaign)."""

    phone: str
    campaign_id: int | None
    source: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CallbackScheduled(Event):
    callback_id: int
    lead_id: int
    agent_id: int | None
    due_at: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class DebtorMessageRecorded(Event):
    message_id: int
    lead_id: int
