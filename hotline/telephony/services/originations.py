"""Placing outbound calls through the PBX the hotline is connected to, and following them to their end.

``originate`` keeps an ``Origination`` (committed before the PBX is asked, so events that race the answer find
it), asks the source's client (``telephony.originate``), and records what the PBX said. The call's own events
come in as usual (webhooks, the AMI listener); ``track_call`` — run for every applied event — ties the call to its
origination by the correlation id the PBX echoes, by the PBX's call id, or (Zadarma, which echoes nothing) by
extension and number, and moves the origination on. Each move publishes ``OriginationUpdated``: campaigns follow
their attempts by it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.contact_points import parse_phone
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog
from hotline.telephony.choices import (
    FINAL_ORIGINATION_STATES,
    CallStatus,
    Direction,
    OriginationResult,
    OriginationState,
    SourceKind,
)
from hotline.telephony.events import OriginationUpdated
from hotline.telephony.models import Call, Origination, PbxSource
from hotline.telephony.originate import OriginateCommand, PbxRefused, client_for
from hotline.telephony.services.extensions import clean_extension

logger = logging.getLogger(__name__)
_RANK: dict[str, int] = {
    OriginationState.REQUESTED: 0,
    OriginationState.PLACED: 1,
    OriginationState.RINGING: 2,
    OriginationState.ANSWERED: 3,
    OriginationState.ENDED: 4,
    OriginationState.FAILED: 4,
}
_BUSY = ("busy", "занят")
_FAILED = (
    "congestion",
    "chanunavail",
    "failed",
    "unallocated",
    "invalid",
    "rejected",
    "no money",
    "limit",
    "dontcall",
    "originate",
)
# Q.850 causes: 17 user busy; 1, 3, 21, 22, 27, 28, 34, 38, 41, 42, 127 — the number or the network failed.
_BUSY_CODES = {"17", "486"}
_FAILED_CODES = {"1", "3", "21", "22", "27", "28", "34", "38", "41", "42", "127", "404", "403", "503"}


class OriginateError(Conflict):
    """The PBX did not take the call: ``code`` is ``pbx_refused``, ``pbx_unreachable`` or ``pbx_timeout``."""


def outbound_result(call: Call) -> str:
    """How an ended outbound call went for the customer's side, whatever PBX's words the cause is in."""
    if call.answered_at is not None:
        return OriginationResult.ANSWERED
    cause = call.disconnect_cause.strip().lower()
    first = cause.replace("(", " ").replace(")", " ").split()
    codes = {word for word in first if word.isdigit()}
    if any(word in cause for word in _BUSY) or codes & _BUSY_CODES:
        return OriginationResult.BUSY
    if any(word in cause for word in _FAILED) or codes & _FAILED_CODES:
        return OriginationResult.FAILED
    # Mango's codes: 1xxx — the call ran its course; 2xxx–5xxx — Mango could not place or continue it.
    if cause.isdigit() and len(cause) == 4 and cause[0] in "2345":
        return OriginationResult.FAILED
    return OriginationResult.NO_ANSWER


def _publish(origination: Origination, *, at: datetime | None = None) -> None:
    events.publish(
        OriginationUpdated(
            origination_id=origination.pk,
            correlation_id=origination.correlation_id,
            state=origination.state,
            result=origination.result,
            call_id=origination.call_id,
            provider_call_id=origination.provider_call_id,
            error=origination.error,
            occurred_at=(at or timezone.now()).isoformat(),
        )
    )


def _clean(source: PbxSource, extension: str, number: str, correlation_id: str) -> tuple[str, str, str]:
    if not source.is_active:
        raise ValidationFailed(_("АТС «%(name)s» выключена") % {"name": source.name}, field="source")
    extension = clean_extension(extension)
    if not extension:
        raise ValidationFailed(_("Нет внутреннего номера оператора, на который звонить"), field="extension")
    e164 = parse_phone(number).e164
    correlation_id = (correlation_id or "").strip()
    if not correlation_id or len(correlation_id) > 64 or not correlation_id.replace("-", "").isalnum():
        raise ValidationFailed(_("Идентификатор запроса: до 64 латинских букв, цифр и «-»"), field="correlation_id")
    return extension, e164, correlation_id


def originate(
    *,
    source: PbxSource,
    extension: str,
    number: str,
    correlation_id: str,
    caller_id: str = "",
    timeout_s: int = 30,
) -> Origination:
    """Ask ``source`` to ring ``extension`` and connect it with ``number``; returns once the PBX has taken it.

    Not inside a transaction: the origination is committed before the PBX is asked (its events may come back
    before its answer). The same ``correlation_id`` twice places one call: the second returns the first record.

    Raises:
        ValidationFailed: the source is off; no or a bad extension, number or correlation id.
        OriginateError: the PBX refused, was unreachable or did not answer in time (the origination stays, failed,
            with the reason; ``OriginationUpdated`` says so too).
    """
    extension, e164, correlation_id = _clean(source, extension, number, correlation_id)
    with transaction.atomic():
        origination, created = Origination.objects.get_or_create(
            correlation_id=correlation_id,
            defaults={
                "source": source,
                "extension": extension,
                "number": e164,
                "caller_id": (caller_id or "")[:32],
            },
        )
    if not created:
        return origination
    command = OriginateCommand(
        correlation_id=correlation_id,
        extension=extension,
        number=e164,
        caller_id=origination.caller_id,
        timeout_s=max(5, min(int(timeout_s), 300)),
    )
    try:
        placed = client_for(source.kind)(source, command, settings.HOTLINE_TELEPHONY_ORIGINATE_TIMEOUT_SECONDS)
    except PbxRefused as exc:
        logger.warning("originate %s through %s failed (%s): %s", correlation_id, source.slug, exc.code, exc.message)
        _fail(origination.pk, exc.message)
        raise OriginateError(exc.message, code=f"pbx_{exc.code}") from exc
    with transaction.atomic():
        origination = Origination.objects.select_for_update().get(pk=origination.pk)
        changed = []
        if placed.provider_call_id and not origination.provider_call_id:
            origination.provider_call_id = placed.provider_call_id[:255]
            changed.append("provider_call_id")
        if origination.state == OriginationState.REQUESTED:
            origination.state = OriginationState.PLACED
            changed.append("state")
        if changed:
            origination.updated_at = timezone.now()
            origination.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=None,
                action=AuditLog.Action.CREATE,
                obj=origination,
                summary=f"originate {extension} → {e164} via {source.slug}",
            )
            _publish(origination)
        # Events that came before the PBX's answer named only its call id: tie them now.
        if origination.call_id is None and origination.provider_call_id:
            call = Call.objects.filter(source=source, provider_call_id=origination.provider_call_id).first()
            if call is not None:
                track_call(call=call, correlation_id=correlation_id)
    origination.refresh_from_db()
    return origination


def _fail(origination_id: int, message: str) -> Origination | None:
    with transaction.atomic():
        origination = Origination.objects.select_for_update().filter(pk=origination_id).first()
        if origination is None or origination.state in FINAL_ORIGINATION_STATES:
            return origination
        origination.state = OriginationState.FAILED
        origination.result = OriginationResult.FAILED
        origination.error = message[:500]
        origination.updated_at = timezone.now()
        origination.save(update_fields=["state", "result", "error", "updated_at"])
        audit.record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=origination,
            summary=f"originate failed: {message[:200]}",
        )
        _publish(origination)
        return origination


def originate_failed(*, source: PbxSource, correlation_id: str, reason: str) -> Origination | None:
    """The PBX reported later that it could not place the call (AMI OriginateResponse, Mango's command result)."""
    origination = Origination.objects.filter(source=source, correlation_id=correlation_id).first()
    if origination is None:
        return None
    if origination.state == OriginationState.ENDED and origination.result == OriginationResult.ANSWERED:
        return origination  # somebody talked: that is what happened, whatever the PBX says of the command
    if origination.state == OriginationState.ENDED:
        # Ended unanswered before the PBX said the command failed: the customer was never dialled.
        Origination.objects.filter(pk=origination.pk).update(state=OriginationState.PLACED)
    return _fail(origination.pk, reason)


def originate_placed(*, source: PbxSource, correlation_id: str, provider_call_id: str) -> None:
    """The PBX named its id of the call later (AMI's OriginateResponse Uniqueid on Asterisk without ChannelId)."""
    if not provider_call_id or provider_call_id == "<null>":
        return
    Origination.objects.filter(source=source, correlation_id=correlation_id, provider_call_id="").update(
        provider_call_id=provider_call_id[:255]
    )
    with transaction.atomic():
        call = Call.objects.filter(source=source, provider_call_id=provider_call_id).first()
        if call is not None:
            track_call(call=call, correlation_id=correlation_id)


def _find(call: Call, correlation_id: str) -> Origination | None:
    query = Origination.objects.select_for_update()
    if correlation_id:
        found = query.filter(source_id=call.source_id, correlation_id=correlation_id).first()
        if found is not None:
            return found
    found = (
        query.filter(call=call).first()
        or query.filter(source_id=call.source_id, provider_call_id=call.provider_call_id).first()
    )
    if found is not None or call.direction != Direction.OUTBOUND or not call.customer_e164:
        return found
    if call.source.kind != SourceKind.ZADARMA:
        return None
    window = timedelta(minutes=settings.HOTLINE_TELEPHONY_ORIGINATE_MATCH_MINUTES)
    return (
        query.filter(
            source_id=call.source_id,
            call__isnull=True,
            number=call.customer_e164,
            extension__in=[x for x in (call.extension, call.caller_number) if x],
            state__in=[OriginationState.REQUESTED, OriginationState.PLACED],
            requested_at__gte=call.started_at - window,
            requested_at__lte=call.started_at + timedelta(minutes=1),
        )
        .order_by("requested_at", "pk")
        .first()
    )


def _progress(call: Call) -> tuple[str, str, datetime]:
    if call.status == CallStatus.ENDED:
        return OriginationState.ENDED, outbound_result(call), call.ended_at or timezone.now()
    if call.status == CallStatus.TALKING:
        return OriginationState.ANSWERED, "", call.answered_at or timezone.now()
    return OriginationState.RINGING, "", call.started_at


def track_call(*, call: Call, correlation_id: str = "") -> Origination | None:
    """Tie a call to the origination it belongs to and move that on (inside the event's transaction)."""
    origination = _find(call, correlation_id)
    if origination is None:
        return None
    changed: list[str] = []
    if origination.call_id is None:
        origination.call = call
        changed.append("call")
    if not origination.provider_call_id:
        origination.provider_call_id = call.provider_call_id
        changed.append("provider_call_id")
    state, result, at = _progress(call)
    moves = False
    if origination.state == OriginationState.FAILED:
        # Failed as far as we knew, yet the call happened (a timeout that was not one): keep the evidence.
        moves = state == OriginationState.ENDED and result == OriginationResult.ANSWERED
    elif _RANK[state] > _RANK[origination.state]:
        moves = True
    elif state == OriginationState.ENDED and result != origination.result:
        moves = True  # late events changed how it ended
    if moves:
        origination.state, origination.result = state, result
        changed += ["state", "result"]
    if not changed:
        return origination
    origination.updated_at = timezone.now()
    origination.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if moves:
        _publish(origination, at=at)
    return origination
