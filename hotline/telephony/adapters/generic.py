"""Hotline's own call webhook: any PBX, middleware or script can report calls with it.

Request::

    POST /telephony/hooks/<source slug>/
    Content-Type: application/json
    X-Hotline-Timestamp: 1767225600
    X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

The body is one event or ``{"events": [...]}`` (up to 100). An event::

    {"call_id": "c-42", "event": "ringing", "leg": "101", "sequence": 1,
     "occurred_at": "2026-01-01T10:00:00+03:00", "direction": "inbound",
     "caller": "+7 912 345-67-89", "called": "+74951234567", "line": "+74951234567", "extension": "101"}

``event`` is one of ringing, answered, transferred, ended, recording. Only ``call_id`` and ``event`` are required;
the rest: ``leg`` (one party's part, e.g. a channel id; empty = the call as a whole), ``sequence`` (orders events
of a call), ``occurred_at`` (ISO 8601 with an offset or Unix seconds; default: when received), ``direction``
(inbound, outbound, internal), ``caller``, ``caller_name``, ``called``, ``line`` (the number dialled),
``extension`` (the agent's phone), ``transfer_to`` (for transferred), ``wait_seconds``, ``talk_seconds``,
``answered`` and ``abandoned`` (booleans, for ended), ``disconnect_cause``, ``recording_url`` (http/https),
``recording_ref``, ``correlation_id`` (for a call Hotline asked the PBX to place: the id it sent, see
``hotline.telephony.originate.generic``).

Answers: 202 ``{"accepted": n, "duplicates": m}`` — a repeated (call_id, leg, event, sequence) is a duplicate
and changes nothing; 400 ``{"code": "malformed", "message", "field"}``; 403 ``{"code": "unsigned" |
"bad_signature" | "stale_timestamp", "message"}``; 404 for an unknown or disabled source. The timestamp must be
within ``HOTLINE_TELEPHONY_SIGNATURE_TOLERANCE_SECONDS`` (300) of the server's clock, so a captured request
cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from hotline.telephony.adapters import fields
from hotline.telephony.adapters.base import BadSignature, CallEventData, Malformed, Unsigned
from hotline.telephony.choices import EventKind

SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
MAX_EVENTS = 100


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (what a sender computes)."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(*, secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """Raises: Unsigned, BadSignature — and BadSignature(code="stale_timestamp") for an old timestamp."""
    signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not signature or not timestamp:
        raise Unsigned(_("нет заголовков %(a)s и %(b)s") % {"a": SIGNATURE_HEADER, "b": TIMESTAMP_HEADER})
    if not secret:
        raise Unsigned(_("у источника не задан секрет"))
    if not timestamp.isdigit():
        raise BadSignature(_("%(h)s: ожидались секунды Unix") % {"h": TIMESTAMP_HEADER})
    tolerance = settings.HOTLINE_TELEPHONY_SIGNATURE_TOLERANCE_SECONDS
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        raise BadSignature(
            _("%(h)s расходится с часами сервера больше чем на %(s)s с") % {"h": TIMESTAMP_HEADER, "s": tolerance},
            code="stale_timestamp",
        )
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise BadSignature(_("подпись не совпадает"))


def parse(body: bytes, *, received_at: datetime) -> list[CallEventData]:
    """Raises: Malformed — naming the field (``events.2.event``)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Malformed(_("тело запроса — не JSON в UTF-8: %(e)s") % {"e": exc}) from exc
    if isinstance(payload, dict) and "events" in payload:
        items = payload["events"]
        if not isinstance(items, list) or not items:
            raise Malformed(_("«events» должен быть непустым списком"), field="events")
        if len(items) > MAX_EVENTS:
            raise Malformed(_("не больше %(n)s событий в одном запросе") % {"n": MAX_EVENTS}, field="events")
        return [_event(item, prefix=f"events.{index}.", received_at=received_at) for index, item in enumerate(items)]
    return [_event(payload, prefix="", received_at=received_at)]


def _event(item: Any, *, prefix: str, received_at: datetime) -> CallEventData:
    if not isinstance(item, dict):
        raise Malformed(_("событие должно быть объектом JSON"), field=prefix.rstrip(".") or None)
    kind = fields.text(item, "event", prefix=prefix, required=True)
    if kind not in EventKind.values:
        raise Malformed(_("«event»: одно из %(v)s") % {"v": ", ".join(EventKind.values)}, field=prefix + "event")
    direction = fields.text(item, "direction", prefix=prefix)
    if direction and direction not in ("inbound", "outbound", "internal"):
        raise Malformed(_("«direction»: inbound, outbound или internal"), field=prefix + "direction")
    return CallEventData(
        call_id=fields.text(item, "call_id", prefix=prefix, required=True),
        kind=kind,
        leg=fields.text(item, "leg", prefix=prefix),
        sequence=fields.integer(item, "sequence", prefix=prefix, default=0) or 0,
        occurred_at=fields.moment(item, "occurred_at", prefix=prefix, default=received_at),
        direction=direction,
        caller=fields.number(item, "caller", prefix=prefix),
        caller_name=fields.text(item, "caller_name", prefix=prefix, limit=120),
        called=fields.number(item, "called", prefix=prefix),
        line=fields.number(item, "line", prefix=prefix),
        extension=fields.text(item, "extension", prefix=prefix, limit=32),
        transfer_to=fields.text(item, "transfer_to", prefix=prefix, limit=32),
        wait_seconds=fields.seconds(item, "wait_seconds", prefix=prefix),
        talk_seconds=fields.seconds(item, "talk_seconds", prefix=prefix),
        answered=fields.flag(item, "answered", prefix=prefix),
        abandoned=bool(fields.flag(item, "abandoned", prefix=prefix)),
        disconnect_cause=fields.text(item, "disconnect_cause", prefix=prefix, limit=120),
        recording_url=fields.url(item, "recording_url", prefix=prefix),
        recording_ref=fields.text(item, "recording_ref", prefix=prefix),
        correlation_id=fields.text(item, "correlation_id", prefix=prefix, limit=64),
    )
