"""Applying stored PBX events to the call log: fold, save, and act on what changed.

What changed drives the rest: a leg that starts ringing or is answered pops the caller's card on that agent's
screen; a call that ends missed or abandoned goes to the callback list (and leaves it if a late event shows it
was answered after all); a transfer the PBX reports is recorded on the call and its ticket; a call Hotline asked
the PBX to place moves its origination on (``originations.track_call``).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hotline.core import audit, events
from hotline.core.contact_points import try_parse_phone
from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditLog
from hotline.customers.models import Contact
from hotline.customers.selectors import lookup_by_phone
from hotline.telephony import live
from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.choices import MISSED_OUTCOMES, CallStatus, Direction, Outcome
from hotline.telephony.events import CallAnswered, CallEnded, CallStarted
from hotline.telephony.models import Call, CallEvent, CallLeg, Line, PbxSource
from hotline.telephony.services import callbacks, originations, transfers
from hotline.telephony.services.extensions import agent_for_extension
from hotline.telephony.services.fold import CallState, LegState, fold

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class _LegBefore:
    rang_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None


def normalise_line(raw: str) -> str:
    """The key a line is stored under: E.164 for a real number, the digits of a short one."""
    if not raw:
        return ""
    phone = try_parse_phone(raw)
    if phone is not None:
        return phone.e164
    return "".join(ch for ch in raw if ch.isalnum() or ch in "+*#")[:64]


def line_for(raw: str) -> Line | None:
    number = normalise_line(raw)
    if not number:
        return None
    line, _created = Line.objects.get_or_create(number=number, defaults={"name": number})
    return line


def _customer_raw(state: CallState) -> str:
    return state.called if state.direction == Direction.OUTBOUND else state.caller


def _lock_call(source: PbxSource, data: CallEventData) -> tuple[Call, bool]:
    call, created = Call.objects.get_or_create(
        source=source,
        provider_call_id=data.call_id,
        defaults={"started_at": data.occurred_at, "direction": data.direction or Direction.INBOUND},
    )
    return Call.objects.select_for_update().get(pk=call.pk), created


@transaction.atomic
def apply_event(event_id: int) -> Call | None:
    """Apply one stored event (with every other stored event of its call); a processed one is skipped."""
    row = CallEvent.objects.select_related("source").filter(pk=event_id).first()
    if row is None:
        return None
    if row.processed_at is not None:
        return row.call
    call, created = _lock_call(row.source, CallEventData.from_json(row.data))
    rows = list(CallEvent.objects.filter(source_id=row.source_id, provider_call_id=row.provider_call_id))
    state = fold(CallEventData.from_json(r.data) for r in rows)
    before_status, before_outcome, before_answered = call.status, call.outcome, call.answered_at
    _save_call(call, state)
    legs = _save_legs(call, state)
    CallEvent.objects.filter(pk__in=[r.pk for r in rows], processed_at__isnull=True).update(
        call=call, processed_at=timezone.now(), error=""
    )
    if created:
        audit.record(actor=None, action=AuditLog.Action.CREATE, obj=call, summary=f"call {call.provider_call_id}")
        events.publish(
            CallStarted(call_id=call.pk, direction=call.direction, contact_id=call.contact_id, line_id=call.line_id)
        )
    if call.answered_at is not None and before_answered is None:
        events.publish(CallAnswered(call_id=call.pk, agent_id=call.agent_id))
    _pop_legs(call, legs)
    transfers.record_pbx_transfers(call=call, reported=state.transfers)
    if state.correlation_id or call.direction == Direction.OUTBOUND:
        originations.track_call(call=call, correlation_id=state.correlation_id)
    if call.status == CallStatus.ENDED and (created or before_status != CallStatus.ENDED):
        _ended(call, legs)
    elif call.status == CallStatus.ENDED and before_outcome != call.outcome:
        _outcome_changed(call)
    return call


def _save_call(call: Call, state: CallState) -> None:
    customer_raw = _customer_raw(state)
    phone = try_parse_phone(customer_raw) if customer_raw else None
    e164 = phone.e164 if phone is not None else ""
    if e164 and e164 != call.customer_e164 and call.contact_id is None:
        call.contact = _match_contact(e164)
    call.customer_e164 = e164
    line_number = normalise_line(state.line)
    if line_number and (call.line is None or call.line.number != line_number):
        call.line = line_for(line_number)
    assert state.started_at is not None  # a call is folded from at least one event
    call.direction = state.direction
    call.caller_number = state.caller
    call.caller_name = state.caller_name
    call.called_number = state.called
    call.started_at = state.started_at
    call.answered_at = state.answered_at
    call.ended_at = state.ended_at
    call.status = state.status
    call.outcome = state.outcome
    call.wait_seconds = state.wait_seconds
    call.talk_seconds = state.talk_seconds
    call.disconnect_cause = state.disconnect_cause[:120]
    call.recording_url = state.recording_url or call.recording_url
    call.recording_ref = state.recording_ref or call.recording_ref
    call.extension = state.extension
    call.updated_at = timezone.now()
    call.save()


def _match_contact(e164: str) -> Contact | None:
    try:
        matches = lookup_by_phone(e164)
    except ValidationFailed:
        return None
    # Several contacts may share a number (a family landline): the card shows them all to choose from.
    return matches[0] if matches else None


def _save_legs(call: Call, state: CallState) -> list[tuple[CallLeg, _LegBefore]]:
    existing = {leg.leg_id: leg for leg in CallLeg.objects.filter(call=call)}
    result: list[tuple[CallLeg, _LegBefore]] = []
    for key, folded in state.legs.items():
        leg = existing.get(key)
        if leg is None:
            leg = CallLeg(call=call, leg_id=key[:255], extension=folded.extension[:32])
            leg.agent = agent_for_extension(leg.extension)
            before = _LegBefore(None, None, None)
        else:
            before = _LegBefore(leg.rang_at, leg.answered_at, leg.ended_at)
            if not leg.extension and folded.extension:
                leg.extension = folded.extension[:32]
                leg.agent = agent_for_extension(leg.extension)
        _copy_times(leg, folded)
        leg.save()
        result.append((leg, before))
    handling = [leg for leg, _b in result if leg.agent_id and leg.extension == call.extension]
    answered = [leg for leg in handling if leg.answered_at]
    agent_id: int | None = None
    if answered:
        agent_id = max(answered, key=lambda leg: leg.answered_at or call.started_at).agent_id
    elif handling:
        agent_id = max(handling, key=lambda leg: leg.rang_at or call.started_at).agent_id
    elif call.extension and call.agent_id is None:
        holder = agent_for_extension(call.extension)
        agent_id = holder.pk if holder else None
    if agent_id is not None and call.agent_id != agent_id:
        call.agent_id = agent_id
        call.save(update_fields=["agent"])
    return result


def _copy_times(leg: CallLeg, folded: LegState) -> None:
    leg.rang_at, leg.answered_at, leg.ended_at = folded.rang_at, folded.answered_at, folded.ended_at


def _pop_legs(call: Call, legs: list[tuple[CallLeg, _LegBefore]]) -> None:
    """Pop the card for each agent whose phone just started ringing or was just answered."""
    if call.status == CallStatus.ENDED:
        return
    for leg, before in legs:
        if leg.agent_id is None or leg.ended_at is not None:
            continue
        if leg.answered_at is not None and before.answered_at is None:
            live.push_call(user_id=leg.agent_id, call=call, state="answered")
        elif leg.rang_at is not None and before.rang_at is None:
            live.push_call(user_id=leg.agent_id, call=call, state="ringing")


def _ended(call: Call, legs: list[tuple[CallLeg, _LegBefore]]) -> None:
    told: set[int] = set()
    for leg, _before in legs:
        if leg.agent_id is not None and leg.agent_id not in told:
            told.add(leg.agent_id)
            live.push_call(user_id=leg.agent_id, call=call, state="ended")
    audit.record(
        actor=None,
        action=AuditLog.Action.UPDATE,
        obj=call,
        summary=f"call ended: {call.outcome}",
        changes={"outcome": call.outcome, "talk_seconds": call.talk_seconds},
    )
    events.publish(
        CallEnded(
            call_id=call.pk,
            outcome=call.outcome,
            contact_id=call.contact_id,
            ticket_id=call.ticket_id,
            agent_id=call.agent_id,
        )
    )
    if call.direction == Direction.INBOUND and call.outcome in MISSED_OUTCOMES:
        callbacks.register_missed_call(call=call)


def _outcome_changed(call: Call) -> None:
    """Late events changed how an ended call ended (it was answered after all, or not)."""
    audit.record(actor=None, action=AuditLog.Action.UPDATE, obj=call, summary=f"call outcome corrected: {call.outcome}")
    if call.outcome == Outcome.ANSWERED:
        callbacks.withdraw_missed_call(call=call)
    elif call.direction == Direction.INBOUND and call.outcome in MISSED_OUTCOMES:
        callbacks.register_missed_call(call=call)
