"""Mango Office virtual PBX (ВАТС) event notifications.

Mango posts a form with ``vpbx_api_key``, ``sign`` and ``json`` to the configured address plus the event's
path (``…/events/call``, ``…/events/summary``, ``…/events/recording``). ``sign`` is
``sha256(vpbx_api_key + json + vpbx_api_salt)`` in hex; the key must be the source's, the salt is its secret.
Legs of one call share ``entry_id`` (our call id); ``call_id`` is the leg and ``seq`` orders its events.
A call placed by a command (``commands/callback``) carries the command's ``command_id`` on its events; the
command's own outcome comes to ``…/events/result`` (``result`` 1000 — done, anything else — refused).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from hotline.telephony.adapters import fields
from hotline.telephony.adapters.base import BadSignature, CallEventData, Malformed, Unsigned
from hotline.telephony.choices import Direction, EventKind

KNOWN_PATHS = ("events/call", "events/summary", "events/recording", "events/dtmf", "events/result", "ping")
# The result code of a command (``events/result``, and the answer to the command itself): done.
COMMAND_OK = 1000
# disconnect_reason 1110: the caller hung up — unanswered, that is a caller who gave up waiting.
CALLER_HUNG_UP = 1110
_DIRECTIONS = {0: Direction.INTERNAL, 1: Direction.INBOUND, 2: Direction.OUTBOUND}


def sign(api_key: str, payload: str, salt: str) -> str:
    return hashlib.sha256(f"{api_key}{payload}{salt}".encode()).hexdigest()


def verify(*, api_key: str, salt: str, data: Mapping[str, str]) -> None:
    """Raises: Unsigned, BadSignature."""
    got_key = (data.get("vpbx_api_key") or "").strip()
    signature = (data.get("sign") or "").strip().lower()
    if not got_key or not signature:
        raise Unsigned(_("нет полей vpbx_api_key и sign"))
    if not api_key or not salt:
        raise Unsigned(_("у источника не заданы ключ и подпись API Mango"))
    if not hmac.compare_digest(got_key, api_key):
        raise BadSignature(_("vpbx_api_key не совпадает с ключом источника"))
    if not hmac.compare_digest(sign(api_key, data.get("json", ""), salt), signature):
        raise BadSignature(_("подпись Mango не совпадает"))


def _payload(data: Mapping[str, str]) -> dict[str, Any]:
    try:
        payload = json.loads(data.get("json") or "")
    except json.JSONDecodeError as exc:
        raise Malformed(_("поле json — не JSON: %(e)s") % {"e": exc}, field="json") from exc
    if not isinstance(payload, dict):
        raise Malformed(_("поле json должно быть объектом"), field="json")
    return payload


def _party(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    party = payload.get(key) or {}
    if not isinstance(party, dict):
        raise Malformed(_("«%(key)s» должен быть объектом") % {"key": key}, field=f"json.{key}")
    return party


def _number(party: Mapping[str, Any], key: str, field: str) -> str:
    value = fields.number(party, key, prefix=field)
    # Mango gives SIP addresses of employees' phones as numbers ("sip:ivanov@vpbx…"): not a phone number.
    return "" if value.startswith("sip:") else value


def parse(path: str, data: Mapping[str, str], *, received_at: datetime) -> list[CallEventData]:
    """Raises: Malformed."""
    path = path.strip("/")
    if path not in KNOWN_PATHS:
        raise Malformed(_("неизвестный адрес события Mango «%(p)s»") % {"p": path[:60]}, field="path")
    if path in ("events/dtmf", "events/result", "ping"):
        return []
    payload = _payload(data)
    entry = fields.text(payload, "entry_id", prefix="json.", required=True)
    if path == "events/summary":
        return [_summary(entry, payload, received_at)]
    if path == "events/recording":
        if fields.text(payload, "recording_state", prefix="json.") not in ("", "Completed"):
            return []
        return [
            CallEventData(
                call_id=entry,
                kind=EventKind.RECORDING,
                leg=fields.text(payload, "call_id", prefix="json."),
                sequence=fields.integer(payload, "seq", prefix="json.", default=0) or 0,
                occurred_at=fields.moment(payload, "timestamp", prefix="json.", default=received_at),
                extension=fields.text(payload, "extension", prefix="json.", limit=32),
                recording_ref=fields.text(payload, "recording_id", prefix="json.", required=True),
            )
        ]
    return _call_state(entry, payload, received_at)


def _call_state(entry: str, payload: Mapping[str, Any], received_at: datetime) -> list[CallEventData]:
    state = fields.text(payload, "call_state", prefix="json.", required=True)
    kinds = {"Appeared": EventKind.RINGING, "Connected": EventKind.ANSWERED, "Disconnected": EventKind.ENDED}
    if state == "OnHold":
        return []
    if state not in kinds:
        raise Malformed(_("неизвестное call_state «%(s)s»") % {"s": state[:30]}, field="json.call_state")
    source, target = _party(payload, "from"), _party(payload, "to")
    from_extension = fields.text(source, "extension", prefix="json.from.", limit=32)
    to_extension = fields.text(target, "extension", prefix="json.to.", limit=32)
    if from_extension and to_extension:
        direction = Direction.INTERNAL
    elif from_extension:
        direction = Direction.OUTBOUND
    else:
        direction = Direction.INBOUND
    reason = fields.integer(payload, "disconnect_reason", prefix="json.")
    return [
        CallEventData(
            call_id=entry,
            kind=kinds[state],
            leg=fields.text(payload, "call_id", prefix="json.", required=True),
            sequence=fields.integer(payload, "seq", prefix="json.", default=0) or 0,
            occurred_at=fields.moment(payload, "timestamp", prefix="json.", default=received_at),
            direction=direction,
            caller=_number(source, "number", "json.from.") or from_extension,
            called=_number(target, "number", "json.to."),
            line=fields.number(target, "line_number", prefix="json.to."),
            extension=from_extension if direction == Direction.OUTBOUND else to_extension,
            disconnect_cause=str(reason) if reason is not None else "",
            correlation_id=fields.text(payload, "command_id", prefix="json.", limit=64),
        )
    ]


def _summary(entry: str, payload: Mapping[str, Any], received_at: datetime) -> CallEventData:
    if not payload.get("create_time"):
        raise Malformed(_("нет поля «create_time»"), field="json.create_time")
    created = fields.moment(payload, "create_time", prefix="json.", default=received_at)
    # Mango sends 0 for a moment that did not happen (no talk_time when nobody answered).
    ended = fields.moment(payload, "end_time", prefix="json.", default=created) if payload.get("end_time") else created
    has_talk = bool(payload.get("talk_time"))
    talk = fields.moment(payload, "talk_time", prefix="json.", default=created) if has_talk else created
    answered = fields.integer(payload, "entry_result", prefix="json.", default=0) == 1
    direction_code = fields.integer(payload, "call_direction", prefix="json.", default=1)
    source, target = _party(payload, "from"), _party(payload, "to")
    direction = _DIRECTIONS.get(direction_code or 0, Direction.INBOUND)
    reason = fields.integer(payload, "disconnect_reason", prefix="json.")
    return CallEventData(
        call_id=entry,
        kind=EventKind.ENDED,
        occurred_at=ended,
        direction=direction,
        caller=_number(source, "number", "json.from.") or fields.text(source, "extension", limit=32),
        called=_number(target, "number", "json.to."),
        line=fields.number(payload, "line_number", prefix="json."),
        extension=fields.text(target if direction != Direction.OUTBOUND else source, "extension", limit=32),
        answered=answered,
        abandoned=not answered and reason == CALLER_HUNG_UP and direction == Direction.INBOUND,
        wait_seconds=max(0, int(((talk if has_talk and answered else ended) - created).total_seconds())),
        talk_seconds=max(0, int((ended - talk).total_seconds())) if has_talk and answered else 0,
        disconnect_cause=str(reason) if reason is not None else "",
        correlation_id=fields.text(payload, "command_id", prefix="json.", limit=64),
    )


def command_result(path: str, data: Mapping[str, str]) -> tuple[str, int] | None:
    """``events/result``: (command_id, result code); None for any other path.

    Raises: Malformed.
    """
    if path.strip("/") != "events/result":
        return None
    payload = _payload(data)
    command = fields.text(payload, "command_id", prefix="json.", required=True, limit=64)
    code = fields.integer(payload, "result", prefix="json.", maximum=99_999)
    if code is None:
        raise Malformed(_("нет поля «result»"), field="json.result")
    return command, code
