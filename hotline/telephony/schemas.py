"""Shapes of the telephony API (``/api/telephony``)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class CallOut(Schema):
    id: int
    source: str = Field(description="код АТС")
    provider_call_id: str
    direction: str = Field(description="inbound, outbound, internal")
    status: str = Field(description="ringing, talking, ended")
    outcome: str = Field(description="answered, missed, abandoned, no_answer; пусто, пока звонок идёт")
    customer_number: str = Field(description="номер клиента (E.164, если распознан)")
    caller_name: str
    line: str | None = Field(description="номер линии")
    line_name: str | None
    contact_id: int | None
    contact_name: str | None
    agent_id: int | None
    extension: str
    ticket: str | None = Field(description="номер заявки, HL-000123")
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    wait_seconds: int
    talk_seconds: int
    disconnect_cause: str
    disposition: str
    recording_url: str
    recording_ref: str
    callback_id: int | None


class CallPage(Schema):
    items: list[CallOut]
    next_cursor: str | None


class CallLinkIn(Schema):
    ticket: str | None = Field(default=None, max_length=40, description="номер или id заявки")
    contact_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class CallTransferIn(Schema):
    to_agent_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    to_queue_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    reason: str = Field(max_length=2000)


class TransferOut(Schema):
    id: int
    call_id: int
    ticket_id: int | None
    to_agent_id: int | None
    to_queue_id: int | None
    to_extension: str
    reason: str
    source: str
    at: dt.datetime


class CallbackOut(Schema):
    id: int
    number: str
    contact_id: int | None
    line: str | None
    status: str
    missed_count: int
    first_missed_at: dt.datetime
    last_missed_at: dt.datetime
    assignee_id: int | None
    result: str
    note: str
    done_at: dt.datetime | None


class CallbackPage(Schema):
    items: list[CallbackOut]
    next_cursor: str | None


class CallbackAssignIn(Schema):
    assignee_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="пусто — снять назначение")


class CallbackCloseIn(Schema):
    result: str = Field(description="reached, no_answer, wrong_number, not_needed")
    note: str = Field(default="", max_length=2000)


class ExtensionIn(Schema):
    extension: str = Field(max_length=16, description="внутренний номер; пусто — без телефона")


class ExtensionOut(Schema):
    user_id: int
    extension: str
