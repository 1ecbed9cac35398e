"""The generic HMAC webhook: signatures refused with the reason, duplicates ignored, events out of order."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.telephony.choices import CallStatus, Outcome
from hotline.telephony.models import Call, CallEvent, PbxSource, RejectedRequest
from hotline.telephony.tests.factories import generic_headers

URL = "/telephony/hooks/office/"
pytestmark = pytest.mark.django_db


SECRET = "generic-secret"


def post(client: Client, payload: Any, *, secret: str = SECRET, headers: dict[str, str] | None = None) -> Any:
    body = json.dumps(payload).encode()
    return client.post(
        URL, data=body, content_type="application/json", headers=generic_headers(secret, body) | (headers or {})
    )


def ringing(sequence: int = 1, **more: Any) -> dict[str, Any]:
    return {
        "call_id": "c-1",
        "event": "ringing",
        "sequence": sequence,
        "occurred_at": "2026-03-02T10:00:00+03:00",
        "direction": "inbound",
        "caller": "8 (912) 345-67-89",
        "called": "+7 495 123-45-67",
        "line": "+7 495 123-45-67",
        "extension": "101",
    } | more


def test_a_signed_event_is_accepted_and_a_call_appears(
    client: Client, generic_source: PbxSource, operator: User, caller: Contact
) -> None:
    response = post(client, ringing())
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 1, "duplicates": 0, "ignored": False}
    call = Call.objects.get()
    assert call.status == CallStatus.RINGING
    assert call.contact_id == caller.pk  # matched by the number in another format
    assert call.agent_id == operator.pk
    assert call.line is not None
    assert call.line.number == "+74951234567"


def test_a_repeated_event_is_a_duplicate_and_changes_nothing(client: Client, generic_source: PbxSource) -> None:
    assert post(client, ringing()).status_code == 202
    again = post(client, ringing())
    assert again.status_code == 202
    assert again.json()["duplicates"] == 1
    assert CallEvent.objects.count() == 1
    assert Call.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"X-Hotline-Signature": ""}, "unsigned"),
        ({"X-Hotline-Signature": "sha256=" + "0" * 64}, "bad_signature"),
        ({"X-Hotline-Timestamp": str(int(time.time()) - 3600)}, "stale_timestamp"),
    ],
)
def test_unsigned_or_badly_signed_requests_are_refused_with_the_reason(
    client: Client, generic_source: PbxSource, headers: dict[str, str], code: str
) -> None:
    response = post(client, ringing(), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not CallEvent.objects.exists()
    logged = RejectedRequest.objects.get()
    assert (logged.status, logged.code, logged.source_id) == (403, code, generic_source.pk)


def test_a_signature_made_with_another_secret_is_refused(client: Client, generic_source: PbxSource) -> None:
    response = post(client, ringing(), secret="not-the-secret")
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"event": "ringing"}, "call_id"),
        ({"call_id": "c-1", "event": "exploded"}, "event"),
        ({"call_id": "c-1", "event": "ended", "talk_seconds": "a lot"}, "talk_seconds"),
        ({"call_id": "c-1", "event": "ended", "occurred_at": "2026-03-02 10:00"}, "occurred_at"),
        ({"call_id": "c-1", "event": "ended", "recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"events": [ringing(), {"call_id": "c-1"}]}, "events.1.event"),
        ([1, 2], None),
    ],
)
def test_malformed_events_are_refused_naming_the_field(
    client: Client, generic_source: PbxSource, payload: Any, field: str | None
) -> None:
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert response.json()["field"] == field
    assert not CallEvent.objects.exists()
    assert RejectedRequest.objects.filter(status=400).count() == 1


def test_not_json_is_refused(client: Client, generic_source: PbxSource) -> None:
    body = b"\xff not json"
    response = client.post(URL, data=body, content_type="application/json", headers=generic_headers(SECRET, body))
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_unknown_or_disabled_source_is_404(client: Client, generic_source: PbxSource) -> None:
    generic_source.is_active = False
    generic_source.save(update_fields=["is_active"])
    assert post(client, ringing()).status_code == 404


def test_events_out_of_order_give_the_same_call(client: Client, generic_source: PbxSource, operator: User) -> None:
    answered = ringing(2, event="answered", occurred_at="2026-03-02T10:00:12+03:00")
    ended = {"call_id": "c-1", "event": "ended", "sequence": 3, "occurred_at": "2026-03-02T10:03:12+03:00"}
    # The end first, then the answer, then the ringing: the call is still answered, 12 s wait, 180 s talk.
    for payload in (ended, answered, ringing()):
        assert post(client, payload).status_code == 202
    call = Call.objects.get()
    assert call.status == CallStatus.ENDED
    assert call.outcome == Outcome.ANSWERED
    assert (call.wait_seconds, call.talk_seconds) == (12, 180)
    assert call.agent_id == operator.pk
    assert not CallEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_batch_is_accepted_at_once(client: Client, generic_source: PbxSource) -> None:
    batch = {"events": [ringing(), ringing(2, event="ended", occurred_at="2026-03-02T10:00:30+03:00", extension="")]}
    response = post(client, batch)
    assert response.json()["accepted"] == 2
    call = Call.objects.get()
    assert call.outcome == Outcome.MISSED


def test_get_is_not_allowed(client: Client, generic_source: PbxSource) -> None:
    assert client.get(URL).status_code == 405
