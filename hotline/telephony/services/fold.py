"""What a call is, computed from all its events at once — so the order they arrived in does not matter.

A PBX may deliver "ended" before "answered", or repeat a report. Folding every stored event of the call,
ordered by their own time, sequence and kind, gives the same call whatever the order of arrival; the service
then compares it with what was saved to see what changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta

from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.choices import KIND_RANK, CallStatus, Direction, EventKind, Outcome


@dataclasses.dataclass
class LegState:
    leg_id: str
    extension: str = ""
    rang_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class TransferState:
    from_extension: str
    to_extension: str
    at: datetime


@dataclasses.dataclass
class CallState:
    direction: str = Direction.INBOUND
    caller: str = ""
    caller_name: str = ""
    called: str = ""
    line: str = ""
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    status: str = CallStatus.RINGING
    outcome: str = ""
    wait_seconds: int = 0
    talk_seconds: int = 0
    disconnect_cause: str = ""
    recording_url: str = ""
    recording_ref: str = ""
    extension: str = ""
    correlation_id: str = ""
    legs: dict[str, LegState] = dataclasses.field(default_factory=dict)
    transfers: list[TransferState] = dataclasses.field(default_factory=list)


def _earliest(current: datetime | None, value: datetime) -> datetime:
    return value if current is None or value < current else current


def _latest(current: datetime | None, value: datetime) -> datetime:
    return value if current is None or value > current else current


def leg_key(event: CallEventData) -> str:
    """Which party an event is about; "" for the call as a whole.

    Without a leg id, ringing and answering on an extension are that extension's leg, while an end without a
    leg id ends the whole call (a PBX that only says "ended, last on 101" means the call is over).
    """
    if event.leg:
        return event.leg
    if event.extension and event.kind in (EventKind.RINGING, EventKind.ANSWERED):
        return f"ext:{event.extension}"
    return ""


def _seconds(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds()))


def fold(events: Iterable[CallEventData]) -> CallState:
    ordered = sorted(events, key=lambda e: (e.occurred_at, KIND_RANK.get(e.kind, 9), e.sequence))
    state = CallState()
    explicit_wait: int | None = None
    explicit_talk: int | None = None
    pbx_says_answered = False
    abandoned = False
    call_extension = ""
    direction_known = False
    for event in ordered:
        state.started_at = _earliest(state.started_at, event.occurred_at)
        if event.direction and not direction_known:
            state.direction, direction_known = event.direction, True
        state.caller = state.caller or event.caller
        state.caller_name = state.caller_name or event.caller_name
        state.called = state.called or event.called
        state.line = state.line or event.line
        state.correlation_id = state.correlation_id or event.correlation_id
        key = leg_key(event)
        leg = None
        if key and event.kind != EventKind.RECORDING:
            leg = state.legs.setdefault(key, LegState(leg_id=key))
            leg.extension = leg.extension or event.extension
        if event.kind == EventKind.RINGING and leg is not None:
            leg.rang_at = _earliest(leg.rang_at, event.occurred_at)
        elif event.kind == EventKind.ANSWERED:
            state.answered_at = _earliest(state.answered_at, event.occurred_at)
            if leg is not None:
                leg.answered_at = _earliest(leg.answered_at, event.occurred_at)
                leg.rang_at = _earliest(leg.rang_at, event.occurred_at)
        elif event.kind == EventKind.TRANSFERRED and event.transfer_to:
            transfer = TransferState(event.extension, event.transfer_to, event.occurred_at)
            if transfer not in state.transfers:
                state.transfers.append(transfer)
        elif event.kind == EventKind.ENDED:
            if leg is not None:
                leg.ended_at = _latest(leg.ended_at, event.occurred_at)
            else:
                state.ended_at = _latest(state.ended_at, event.occurred_at)
                state.disconnect_cause = event.disconnect_cause or state.disconnect_cause
                call_extension = event.extension or call_extension
                explicit_wait = event.wait_seconds if event.wait_seconds is not None else explicit_wait
                explicit_talk = event.talk_seconds if event.talk_seconds is not None else explicit_talk
                pbx_says_answered = pbx_says_answered or bool(event.answered)
                abandoned = abandoned or event.abandoned
        if event.recording_url:
            state.recording_url = event.recording_url
        if event.recording_ref:
            state.recording_ref = event.recording_ref
    _finish(state, explicit_wait, explicit_talk, pbx_says_answered, abandoned, call_extension)
    return state


def _finish(
    state: CallState, wait: int | None, talk: int | None, pbx_answered: bool, abandoned: bool, call_extension: str
) -> None:
    if state.ended_at is not None:
        for leg in state.legs.values():
            if leg.ended_at is None:
                leg.ended_at = state.ended_at
        if pbx_answered and state.answered_at is None:
            talked = talk or 0
            state.answered_at = max(state.started_at or state.ended_at, state.ended_at - timedelta(seconds=talked))
    answered = [(leg.answered_at, leg.extension) for leg in state.legs.values() if leg.answered_at and leg.extension]
    rung = [(leg.rang_at, leg.extension) for leg in state.legs.values() if leg.rang_at and leg.extension]
    if answered:
        state.extension = max(answered)[1]
    else:
        state.extension = call_extension or (max(rung)[1] if rung else "")
    if state.ended_at is None:
        state.status = CallStatus.TALKING if state.answered_at else CallStatus.RINGING
        state.outcome = ""
    else:
        state.status = CallStatus.ENDED
        if state.answered_at is not None:
            state.outcome = Outcome.ANSWERED
        elif state.direction == Direction.OUTBOUND:
            state.outcome = Outcome.NO_ANSWER
        elif abandoned:
            state.outcome = Outcome.ABANDONED
        else:
            state.outcome = Outcome.MISSED
    waited_until = state.answered_at or state.ended_at
    state.wait_seconds = wait if wait is not None else _seconds(state.started_at, waited_until)
    state.talk_seconds = talk if talk is not None else _seconds(state.answered_at, state.ended_at)
