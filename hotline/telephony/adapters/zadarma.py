"""Zadarma PBX notifications (``NOTIFY_*``), posted as a form with a ``Signature`` header.

The signature is ``base64(hex(HMAC-SHA1(api_secret, <fields of the event concatenated>)))`` — base64 of the
*hex digest*, as Zadarma's PHP examples compute it; the concatenated fields depend on the event (see
``SIGNED_FIELDS``). Zadarma checks the address first with ``GET ?zd_echo=<x>`` and expects ``<x>`` back.
``call_start`` is local time of the PBX account, taken in the source's time zone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zoneinfo
from collections.abc import Mapping
from datetime import datetime, tzinfo

from django.conf import settings
from django.utils.translation import gettext as _

from hotline.telephony.adapters import fields
from hotline.telephony.adapters.base import BadSignature, CallEventData, Malformed, Unsigned
from hotline.telephony.choices import Direction, EventKind

SIGNATURE_HEADER = "Signature"
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_IVR": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}
# Reported by Zadarma but with nothing for the call log: acknowledged and left.
IGNORED = frozenset({"NOTIFY_IVR"})


def signature_of(secret: str, data: Mapping[str, str], event: str) -> str:
    message = "".join(data.get(name, "") for name in SIGNED_FIELDS[event])
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def event_name(data: Mapping[str, str]) -> str:
    """Raises: Malformed — no ``event`` or one Zadarma does not send."""
    name = (data.get("event") or "").strip()
    if not name:
        raise Malformed(_("нет поля «event»"), field="event")
    if name not in SIGNED_FIELDS:
        raise Malformed(_("неизвестное событие Zadarma «%(name)s»") % {"name": name[:40]}, field="event")
    return name


def verify(*, secret: str, headers: Mapping[str, str], data: Mapping[str, str]) -> None:
    """Raises: Malformed, Unsigned, BadSignature."""
    name = event_name(data)
    signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not signature:
        raise Unsigned(_("нет заголовка %(h)s (задайте ключ и секрет API в Zadarma)") % {"h": SIGNATURE_HEADER})
    if not secret:
        raise Unsigned(_("у источника не задан секрет API Zadarma"))
    if not hmac.compare_digest(signature_of(secret, data, name), signature):
        raise BadSignature(_("подпись Zadarma не совпадает"))


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _start(data: Mapping[str, str], zone: tzinfo) -> datetime:
    raw = (data.get("call_start") or "").strip()
    if not raw:
        raise Malformed(_("нет поля «call_start»"), field="call_start")
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    except ValueError as exc:
        raise Malformed(_("call_start: ожидалось «ГГГГ-ММ-ДД чч:мм:сс»"), field="call_start") from exc


def parse(data: Mapping[str, str], *, time_zone: str, received_at: datetime) -> list[CallEventData]:
    """Raises: Malformed."""
    name = event_name(data)
    if name in IGNORED:
        return []
    call_id = fields.text(data, "pbx_call_id", required=True)
    if name == "NOTIFY_RECORD":
        return [
            CallEventData(
                call_id=call_id,
                kind=EventKind.RECORDING,
                occurred_at=received_at,
                recording_ref=fields.text(data, "call_id_with_rec", required=True),
            )
        ]
    zone = _zone(time_zone)
    started = _start(data, zone)
    internal = fields.text(data, "internal", limit=32)
    outbound = name in ("NOTIFY_OUT_START", "NOTIFY_OUT_END")
    direction = Direction.OUTBOUND if outbound else Direction.INBOUND
    caller = internal if outbound else fields.number(data, "caller_id")
    called = fields.number(data, "destination") if outbound else fields.number(data, "called_did")
    line = "" if outbound else fields.number(data, "called_did")
    if name == "NOTIFY_START":
        return [
            CallEventData(
                call_id=call_id,
                kind=EventKind.RINGING,
                occurred_at=started,
                direction=direction,
                caller=caller,
                called=called,
                line=line,
            )
        ]
    if name in ("NOTIFY_INTERNAL", "NOTIFY_OUT_START"):
        return [
            CallEventData(
                call_id=call_id,
                kind=EventKind.RINGING,
                occurred_at=started,
                leg=f"ext:{internal}" if internal else "",
                direction=direction,
                caller=caller,
                called=called,
                line=line,
                extension=internal,
            )
        ]
    if name == "NOTIFY_ANSWER":
        extension = internal or fields.text(data, "destination", limit=32)
        # NOTIFY_ANSWER carries the call's start, not the moment of the answer: the arrival time stands in.
        return [
            CallEventData(
                call_id=call_id,
                kind=EventKind.ANSWERED,
                occurred_at=max(received_at, started),
                leg=f"ext:{extension}" if extension else "",
                direction=direction,
                caller=caller,
                called=called or fields.number(data, "destination"),
                line=line,
                extension=extension,
            )
        ]
    disposition = fields.text(data, "disposition", limit=60)
    status_code = fields.text(data, "status_code", limit=10)
    answered = disposition == "answered"
    duration = fields.seconds(data, "duration")
    recorded = data.get("is_recorded") == "1"
    return [
        CallEventData(
            call_id=call_id,
            kind=EventKind.ENDED,
            occurred_at=max(received_at, started),
            direction=direction,
            caller=caller,
            called=called,
            line=line,
            extension=fields.text(data, "last_internal", limit=32) or internal,
            answered=answered,
            talk_seconds=duration if answered else 0,
            disconnect_cause=f"{disposition} ({status_code})" if status_code else disposition,
            recording_ref=fields.text(data, "call_id_with_rec") if recorded else "",
        )
    ]
