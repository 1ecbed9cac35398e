"""Mango Office: events/call for each leg, events/summary, events/recording; sign = sha256(key + json + salt)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.telephony.choices import CallbackStatus, CallStatus, Outcome
from hotline.telephony.models import Call, Callback, CallEvent, CallLeg, PbxSource, RejectedRequest
from hotline.telephony.tests.factories import mango_form

BASE = "/telephony/hooks/mango/"
KEY, SALT = "mango-key", "mango-salt"
T0 = 1_772_434_800  # 2026-03-02 07:00:00 UTC
pytestmark = pytest.mark.django_db


def send(client: Client, path: str, payload: dict[str, Any], *, key: str = KEY, salt: str = SALT) -> Any:
    return client.post(BASE + path, data=mango_form(key, salt, payload))


def call_event(seq: int, state: str, leg: str, at: int, **more: Any) -> dict[str, Any]:
    return {
        "entry_id": "MTAxOjE1",
        "call_id": leg,
        "timestamp": at,
        "seq": seq,
        "call_state": state,
        "location": "abonent",
        "from": {"number": "79123456789"},
        "to": {"extension": "101", "number": "sip:orlova@vpbx.mangosip.ru", "line_number": "74951234567"},
    } | more


IVR = {"to": {"number": "74951234567", "line_number": "74951234567"}, "location": "ivr"}
STREAM = [
    ("events/call", call_event(1, "Appeared", "leg-ivr", T0, **IVR)),
    ("events/call", call_event(2, "Disconnected", "leg-ivr", T0 + 8, disconnect_reason=1100, **IVR)),
    ("events/call", call_event(3, "Appeared", "leg-101", T0 + 8)),
    ("events/call", call_event(4, "Connected", "leg-101", T0 + 15)),
    ("events/call", call_event(5, "Disconnected", "leg-101", T0 + 135, disconnect_reason=1110)),
    (
        "events/summary",
        {
            "entry_id": "MTAxOjE1",
            "call_direction": 1,
            "from": {"number": "79123456789"},
            "to": {"extension": "101"},
            "line_number": "74951234567",
            "create_time": T0,
            "forward_time": T0 + 8,
            "talk_time": T0 + 15,
            "end_time": T0 + 135,
            "entry_result": 1,
            "disconnect_reason": 1110,
        },
    ),
    (
        "events/recording",
        {
            "entry_id": "MTAxOjE1",
            "call_id": "leg-101",
            "extension": "101",
            "recording_id": "MToxMDA1NzU5MzoyNDE6NjQzNDY5OTYw",
            "recording_state": "Completed",
            "seq": 6,
            "timestamp": T0 + 136,
        },
    ),
]


def test_an_answered_call_from_ivr_to_an_agent(
    client: Client, mango_source: PbxSource, operator: User, caller: Contact
) -> None:
    for path, payload in STREAM:
        response = send(client, path, payload)
        assert response.status_code == 200, response.content
    call = Call.objects.get()
    assert call.status == CallStatus.ENDED
    assert call.outcome == Outcome.ANSWERED
    assert (call.wait_seconds, call.talk_seconds) == (15, 120)
    assert call.agent_id == operator.pk
    assert call.contact_id == caller.pk
    assert call.recording_ref.startswith("MToxMDA1")
    assert set(CallLeg.objects.values_list("leg_id", "extension")) == {("leg-ivr", ""), ("leg-101", "101")}


def test_the_summary_first_then_the_legs(client: Client, mango_source: PbxSource, operator: User) -> None:
    for path, payload in reversed(STREAM):
        assert send(client, path, payload).status_code == 200
    call = Call.objects.get()
    assert call.outcome == Outcome.ANSWERED
    assert call.talk_seconds == 120
    assert CallEvent.objects.filter(processed_at__isnull=True).count() == 0


def test_a_repeated_notification_is_stored_once(client: Client, mango_source: PbxSource) -> None:
    path, payload = STREAM[3]
    assert send(client, path, payload).json()["accepted"] == 1
    assert send(client, path, payload).json()["duplicates"] == 1
    assert CallEvent.objects.count() == 1


def test_a_caller_who_hung_up_in_the_queue_is_abandoned_and_called_back(
    client: Client, mango_source: PbxSource
) -> None:
    send(client, *STREAM[0])
    summary = dict(STREAM[5][1]) | {"entry_result": 0, "talk_time": 0, "end_time": T0 + 40}
    send(client, "events/summary", summary)
    call = Call.objects.get()
    assert call.outcome == Outcome.ABANDONED
    assert call.wait_seconds == 40
    assert Callback.objects.get().status == CallbackStatus.OPEN


@pytest.mark.parametrize(
    ("key", "salt", "code"),
    [("mango-key", "wrong-salt", "bad_signature"), ("someone-else", "mango-salt", "bad_signature")],
)
def test_signature_and_key_are_checked(client: Client, mango_source: PbxSource, key: str, salt: str, code: str) -> None:
    response = send(client, *STREAM[0], key=key, salt=salt)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert RejectedRequest.objects.get().code == code


def test_unsigned_and_malformed(client: Client, mango_source: PbxSource) -> None:
    unsigned = client.post(BASE + "events/call", data={"json": "{}"})
    assert unsigned.status_code == 403
    assert unsigned.json()["code"] == "unsigned"
    broken = {"vpbx_api_key": KEY, "sign": hashlib.sha256((KEY + "{" + SALT).encode()).hexdigest(), "json": "{"}
    not_json = client.post(BASE + "events/call", data=broken)
    assert not_json.status_code == 400
    assert not_json.json()["field"] == "json"
    no_state = send(client, "events/call", {"entry_id": "e", "call_id": "c"})
    assert no_state.status_code == 400
    assert no_state.json()["field"] == "json.call_state"
    unknown_path = send(client, "events/teleport", {"entry_id": "e"})
    assert unknown_path.status_code == 400


def test_dtmf_and_hold_are_acknowledged_and_left(client: Client, mango_source: PbxSource) -> None:
    assert send(client, "events/dtmf", {"entry_id": "e", "dtmf": "1"}).json()["ignored"] is True
    hold = call_event(9, "OnHold", "leg-101", T0)
    assert send(client, "events/call", hold).json() == {"accepted": 0, "duplicates": 0, "ignored": True}
    assert not Call.objects.exists()
