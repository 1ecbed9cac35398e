"""Zadarma: a realistic inbound call (START → INTERNAL → ANSWER → END → RECORD), its signature, duplicates,
out-of-order delivery, and the zd_echo address check."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.telephony.choices import CallbackStatus, CallStatus, Direction, Outcome
from hotline.telephony.models import Call, Callback, CallEvent, PbxSource, RejectedRequest
from hotline.telephony.tests.factories import zadarma_signature

URL = "/telephony/hooks/zadarma/"
SECRET = "zadarma-secret"
START = "2026-03-02 10:00:00"
pytestmark = pytest.mark.django_db

SIGNED = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}


def send(client: Client, data: dict[str, str], *, secret: str = SECRET, signature: str | None = None) -> Any:
    sign = (
        signature
        if signature is not None
        else zadarma_signature(secret, *(data.get(k, "") for k in SIGNED[data["event"]]))
    )
    return client.post(URL, data=data, headers={"Signature": sign})


def inbound(event: str, **more: str) -> dict[str, str]:
    return {
        "event": event,
        "call_start": START,
        "pbx_call_id": "in_7a1b2c",
        "caller_id": "79123456789",
        "called_did": "74951234567",
    } | more


STREAM = [
    inbound("NOTIFY_START"),
    inbound("NOTIFY_INTERNAL", internal="101"),
    inbound("NOTIFY_ANSWER", destination="101", internal="101"),
    inbound(
        "NOTIFY_END",
        internal="101",
        last_internal="101",
        duration="95",
        disposition="answered",
        status_code="16",
        is_recorded="1",
        call_id_with_rec="1735800000.123",
    ),
    {"event": "NOTIFY_RECORD", "pbx_call_id": "in_7a1b2c", "call_id_with_rec": "1735800000.123"},
]


def test_an_answered_call_is_logged_with_agent_contact_line_and_recording(
    client: Client, zadarma_source: PbxSource, operator: User, caller: Contact
) -> None:
    for data in STREAM:
        response = send(client, data)
        assert response.status_code == 200, response.content
    call = Call.objects.get()
    assert call.status == CallStatus.ENDED
    assert call.outcome == Outcome.ANSWERED
    assert call.direction == Direction.INBOUND
    assert call.contact_id == caller.pk
    assert call.agent_id == operator.pk
    assert call.talk_seconds == 95
    assert call.recording_ref == "1735800000.123"
    assert call.line is not None
    assert call.line.number == "+74951234567"
    assert call.started_at.isoformat().startswith("2026-03-02T07:00:00")  # Moscow 10:00 is 07:00 UTC


def test_each_event_needs_zadarma_signature(client: Client, zadarma_source: PbxSource) -> None:
    unsigned = client.post(URL, data=inbound("NOTIFY_START"))
    assert unsigned.status_code == 403
    assert unsigned.json()["code"] == "unsigned"
    wrong = send(client, inbound("NOTIFY_START"), secret="other")
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "bad_signature"
    # The raw hex (not base64 of it) is what a careless integration sends: refused too.
    raw_hex = hmac.new(SECRET.encode(), b"7912345678974951234567" + START.encode(), hashlib.sha1).hexdigest()
    assert send(client, inbound("NOTIFY_START"), signature=raw_hex).status_code == 403
    assert not CallEvent.objects.exists()
    assert RejectedRequest.objects.count() == 3


def test_a_signature_over_other_fields_does_not_pass(client: Client, zadarma_source: PbxSource) -> None:
    data = inbound("NOTIFY_START")
    signature = zadarma_signature(SECRET, data["caller_id"], data["called_did"], data["call_start"])
    tampered = data | {"caller_id": "79990000000"}
    assert send(client, tampered, signature=signature).status_code == 403


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"caller_id": "1"}, "event"),
        ({"event": "NOTIFY_SOMETHING"}, "event"),
        (inbound("NOTIFY_START", call_start="yesterday"), "call_start"),
        (inbound("NOTIFY_START", pbx_call_id=""), "pbx_call_id"),
    ],
)
def test_malformed_notifications_are_400(
    client: Client, zadarma_source: PbxSource, data: dict[str, str], field: str
) -> None:
    event = data.get("event", "")
    signature = zadarma_signature(SECRET, *(data.get(k, "") for k in SIGNED[event])) if event in SIGNED else "x"
    response = client.post(URL, data=data, headers={"Signature": signature})
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_duplicates_and_out_of_order_delivery(client: Client, zadarma_source: PbxSource, operator: User) -> None:
    # Zadarma retried the end, and the answer arrived after it: still one answered call, no callback.
    order = [STREAM[0], STREAM[3], STREAM[3], STREAM[2], STREAM[1], STREAM[0]]
    results = [send(client, data).json() for data in order]
    assert [r["duplicates"] for r in results] == [0, 0, 1, 0, 0, 1]
    call = Call.objects.get()
    assert call.outcome == Outcome.ANSWERED
    assert call.agent_id == operator.pk
    assert not Callback.objects.exists()


def test_a_missed_call_goes_to_the_callback_list_and_leaves_it_if_it_was_answered_after_all(
    client: Client, zadarma_source: PbxSource, operator: User, caller: Contact
) -> None:
    send(client, STREAM[0])
    send(client, STREAM[1])
    # The end came first saying nobody answered (the answer notification was delayed)…
    send(client, inbound("NOTIFY_END", internal="101", duration="0", disposition="cancel", status_code="16"))
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN
    assert callback.number_e164 == "+79123456789"
    assert callback.contact_id == caller.pk
    # …then the answer arrives: the call was answered, the callback is withdrawn.
    send(client, STREAM[2])
    call = Call.objects.get()
    assert call.outcome == Outcome.ANSWERED
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CANCELLED
    assert call.callback_id is None


def test_an_outbound_call(client: Client, zadarma_source: PbxSource, operator: User, caller: Contact) -> None:
    out = {"call_start": START, "pbx_call_id": "out_1", "internal": "101", "destination": "79123456789"}
    send(client, out | {"event": "NOTIFY_OUT_START"})
    send(client, out | {"event": "NOTIFY_OUT_END", "duration": "0", "disposition": "no answer", "status_code": "19"})
    call = Call.objects.get()
    assert call.direction == Direction.OUTBOUND
    assert call.outcome == Outcome.NO_ANSWER
    assert call.contact_id == caller.pk
    assert call.agent_id == operator.pk
    assert not Callback.objects.exists()  # nobody is called back for a call we made


def test_zd_echo_is_answered(client: Client, zadarma_source: PbxSource) -> None:
    response = client.get(URL, {"zd_echo": "abc123"})
    assert response.status_code == 200
    assert response.content == b"abc123"
