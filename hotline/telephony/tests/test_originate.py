"""Placing calls through each kind of PBX (loopback servers that check what they get), and following them to their
end through the ordinary event ingestion: AMI Originate + the listener, Zadarma's and Mango's callback APIs with
their signatures, the generic signed request; refusals, an unreachable and a silent PBX."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from hotline.core.errors import ValidationFailed
from hotline.core.models import OutboxEvent, User
from hotline.telephony.ami_listener import AmiListener
from hotline.telephony.choices import Direction, OriginationResult, OriginationState, SourceKind
from hotline.telephony.models import Call, Origination, PbxSource
from hotline.telephony.services.originations import OriginateError, originate, outbound_result
from hotline.telephony.tests.factories import PbxSourceFactory
from hotline.telephony.tests.loopback import (
    fake_asterisk,
    generic_notify,
    loopback_api,
    mango_notify,
    zadarma_notify,
)

MSK = ZoneInfo("Europe/Moscow")


def updates() -> list[dict[str, Any]]:
    return [
        e.payload for e in OutboxEvent.objects.filter(name="telephony.OriginationUpdated").order_by("created_at", "pk")
    ]


def wait_for(condition: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared test database is briefly locked while the listener writes
        time.sleep(0.05)
    return False


# --- Asterisk ----------------------------------------------------------------------------------------------------
@pytest.fixture
def asterisk_source(db: None) -> PbxSource:
    return PbxSourceFactory.create(
        slug="asterisk",
        kind=SourceKind.ASTERISK,
        api_key="hotline",
        secret="ami-pass",
        host="127.0.0.1",
        originate_context="hotline-out",
        originate_channel="PJSIP/{extension}",
    )


def _listen(listener: AmiListener) -> None:
    try:
        listener.run()
    finally:
        connection.close()


@pytest.fixture
def listener_for() -> Iterator[Any]:
    started: list[tuple[AmiListener, threading.Thread]] = []

    def start(source: PbxSource, port: int) -> AmiListener:
        listener = AmiListener(source=source, port=port, read_timeout=0.1, ping_interval=5, reconnect_max=1)
        thread = threading.Thread(target=_listen, args=(listener,), daemon=True)
        thread.start()
        started.append((listener, thread))
        return listener

    yield start
    for listener, thread in started:
        listener.stop.set()
        thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_asterisk_originate_then_the_listener_follows_the_call_to_its_end(
    asterisk_source: PbxSource, listener_for: Any
) -> None:
    answers, busy = "+79141234567", "+79142222222"
    with fake_asterisk(
        username="hotline", secret="ami-pass", script={"79141234567": "answer", "79142222222": "busy"}
    ) as pbx:
        asterisk_source.port = pbx.port
        asterisk_source.save(update_fields=["port"])
        listener = listener_for(asterisk_source, pbx.port)
        assert wait_for(pbx.listening), listener.stats

        first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())
        first = originate(
            source=asterisk_source,
            extension="101",
            number=answers,
            caller_id="+74951234567",
            correlation_id=first_id,
            timeout_s=25,
        )
        assert first.state == OriginationState.PLACED
        assert first.provider_call_id == first_id
        second = originate(source=asterisk_source, extension="101", number=busy, correlation_id=second_id)

        assert wait_for(lambda: Origination.objects.filter(state=OriginationState.ENDED).count() == 2), list(
            Origination.objects.values("state", "result", "error")
        )

    action = pbx.originates[0]
    assert action["Channel"] == "PJSIP/101"
    assert action["Context"] == "hotline-out"
    assert action["Exten"] == "79141234567"
    assert action["Priority"] == "1"
    assert action["CallerID"] == "74951234567"
    assert action["Timeout"] == "25000"
    assert action["Async"] == "true"
    assert action["ChannelId"] == first_id
    assert action["Variable"] == f"HOTLINE_CORRELATION_ID={first_id}"
    assert action["ActionID"] == f"hotline-originate:{first_id}"
    # The originating connection asks for no events; the listener's does.
    assert (True, "off") in pbx.logins

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.result, second.result) == (OriginationResult.ANSWERED, OriginationResult.BUSY)
    assert first.call is not None
    call = first.call
    assert call.direction == Direction.OUTBOUND
    assert call.customer_e164 == answers
    assert call.extension == "101"
    assert call.answered_at is not None
    states = [(u["correlation_id"], u["state"]) for u in updates()]
    assert [s for c, s in states if c == first_id] == ["placed", "ringing", "answered", "ended"]
    assert [s for c, s in states if c == second_id][-1] == "ended"


@pytest.mark.django_db(transaction=True)
def test_an_agent_phone_that_is_offline_fails_the_origination(asterisk_source: PbxSource, listener_for: Any) -> None:
    with fake_asterisk(username="hotline", secret="ami-pass", script={"79141234567": "agent_offline"}) as pbx:
        asterisk_source.port = pbx.port
        asterisk_source.save(update_fields=["port"])
        listener_for(asterisk_source, pbx.port)
        assert wait_for(pbx.listening)
        origination = originate(
            source=asterisk_source, extension="101", number="+79141234567", correlation_id=str(uuid.uuid4())
        )
        assert wait_for(lambda: Origination.objects.get(pk=origination.pk).state == OriginationState.FAILED)
    origination.refresh_from_db()
    assert origination.result == OriginationResult.FAILED
    assert "телефон оператора" in origination.error
    assert updates()[-1]["state"] == "failed"


def test_asterisk_refusing_the_action_or_the_login(asterisk_source: PbxSource) -> None:
    with fake_asterisk(username="hotline", secret="ami-pass", script={"79141234567": "reject"}) as pbx:
        asterisk_source.port = pbx.port
        asterisk_source.save(update_fields=["port"])
        with pytest.raises(OriginateError) as refused:
            originate(source=asterisk_source, extension="101", number="+79141234567", correlation_id="c-1")
        asterisk_source.secret = "wrong"
        asterisk_source.save(update_fields=["secret"])
        with pytest.raises(OriginateError) as login:
            originate(source=asterisk_source, extension="101", number="+79145555555", correlation_id="c-2")
    assert refused.value.code == "pbx_refused"
    assert "Extension does not exist" in refused.value.message
    assert "Authentication failed" in login.value.message
    failed = Origination.objects.get(correlation_id="c-1")
    assert (failed.state, failed.result) == (OriginationState.FAILED, OriginationResult.FAILED)
    assert "Extension does not exist" in failed.error
    assert [u["state"] for u in updates()] == ["failed", "failed"]


def test_an_unreachable_asterisk_is_reported_as_such(asterisk_source: PbxSource) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    asterisk_source.port = port
    asterisk_source.save(update_fields=["port"])
    with pytest.raises(OriginateError) as unreachable:
        originate(source=asterisk_source, extension="101", number="+79141234567", correlation_id="c-3")
    assert unreachable.value.code == "pbx_unreachable"
    assert Origination.objects.get(correlation_id="c-3").state == OriginationState.FAILED


def test_the_same_request_twice_places_one_call(asterisk_source: PbxSource) -> None:
    with fake_asterisk(username="hotline", secret="ami-pass", script={"79141234567": "answer"}) as pbx:
        asterisk_source.port = pbx.port
        asterisk_source.save(update_fields=["port"])
        first = originate(source=asterisk_source, extension="101", number="+79141234567", correlation_id="c-4")
        again = originate(source=asterisk_source, extension="101", number="+79141234567", correlation_id="c-4")
    assert first.pk == again.pk
    assert len(pbx.originates) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"extension": ""}, "extension"),
        ({"number": "12"}, "phone"),
        ({"correlation_id": "bad id\n"}, "correlation_id"),
    ],
)
def test_bad_requests_are_refused_before_the_pbx_is_asked(
    asterisk_source: PbxSource, values: dict[str, str], field: str
) -> None:
    arguments = {"extension": "101", "number": "+79141234567", "correlation_id": "c-5"} | values
    with pytest.raises(ValidationFailed) as refused:
        originate(
            source=asterisk_source,
            extension=arguments["extension"],
            number=arguments["number"],
            correlation_id=arguments["correlation_id"],
        )
    assert (refused.value.field or "").startswith(field)
    assert not Origination.objects.exists()


# --- Zadarma -----------------------------------------------------------------------------------------------------
@pytest.fixture
def zadarma(db: None) -> PbxSource:
    return PbxSourceFactory.create(
        slug="zadarma", kind=SourceKind.ZADARMA, api_key="zkey", secret="zadarma-secret", time_zone="Europe/Moscow"
    )


def test_zadarma_callback_is_signed_and_its_notifications_end_the_origination(
    client: Client, zadarma: PbxSource
) -> None:
    with loopback_api("zadarma", key="zkey", secret="zadarma-secret") as api:
        zadarma.api_url = api.url
        zadarma.save(update_fields=["api_url"])
        origination = originate(source=zadarma, extension="101", number="+79141234567", correlation_id="z-1")
    assert api.refused == 0
    assert api.requests == [{"from": "101", "to": "79141234567", "format": "json"}]
    assert origination.state == OriginationState.PLACED
    assert origination.provider_call_id == ""  # Zadarma names no id: the call is found by extension and number

    start = timezone.localtime(timezone.now(), MSK).strftime("%Y-%m-%d %H:%M:%S")
    common = {"internal": "101", "destination": "79141234567", "call_start": start, "pbx_call_id": "out_9f"}
    assert (
        zadarma_notify(client, "zadarma", "zadarma-secret", {"event": "NOTIFY_OUT_START", **common}).status_code == 200
    )
    end = {"event": "NOTIFY_OUT_END", **common, "disposition": "busy", "status_code": "17", "duration": "0"}
    assert zadarma_notify(client, "zadarma", "zadarma-secret", end).status_code == 200

    origination.refresh_from_db()
    assert (origination.state, origination.result) == (OriginationState.ENDED, OriginationResult.BUSY)
    assert origination.provider_call_id == "out_9f"
    assert origination.call == Call.objects.get(provider_call_id="out_9f")


def test_zadarma_refusals(zadarma: PbxSource) -> None:
    with loopback_api("zadarma", key="zkey", secret="another-secret", script={"79145555555": "reject"}) as api:
        zadarma.api_url = api.url
        zadarma.save(update_fields=["api_url"])
        with pytest.raises(OriginateError) as unsigned:
            originate(source=zadarma, extension="101", number="+79141234567", correlation_id="z-2")
        api.secret = "zadarma-secret"
        with pytest.raises(OriginateError) as no_money:
            originate(source=zadarma, extension="101", number="+79145555555", correlation_id="z-3")
    assert api.refused == 1
    assert "401" in unsigned.value.message
    assert "Not enough money" in no_money.value.message


# --- Mango -------------------------------------------------------------------------------------------------------
@pytest.fixture
def mango(db: None) -> PbxSource:
    return PbxSourceFactory.create(slug="mango", kind=SourceKind.MANGO, api_key="mango-key", secret="mango-salt")


def test_mango_callback_command_and_its_events_by_command_id(client: Client, mango: PbxSource) -> None:
    with loopback_api("mango", key="mango-key", secret="mango-salt") as api:
        mango.api_url = api.url
        mango.save(update_fields=["api_url"])
        origination = originate(
            source=mango, extension="101", number="+79141234567", caller_id="+74951234567", correlation_id="m-1"
        )
    assert api.refused == 0
    assert api.requests == [
        {"command_id": "m-1", "from": {"extension": "101"}, "to_number": "79141234567", "line_number": "74951234567"}
    ]
    at = int(time.time())
    leg = {
        "entry_id": "ENTRY-1",
        "call_id": "LEG-1",
        "command_id": "m-1",
        "from": {"extension": "101"},
        "to": {"number": "79141234567"},
    }
    for seq, state in enumerate(("Appeared", "Connected", "Disconnected"), start=1):
        payload = leg | {"seq": seq, "timestamp": at + seq, "call_state": state}
        assert mango_notify(client, "mango", "mango-key", "mango-salt", "events/call", payload).status_code == 200
    origination.refresh_from_db()
    assert origination.state == OriginationState.ANSWERED
    summary = {
        "entry_id": "ENTRY-1",
        "call_direction": 2,
        "from": {"extension": "101"},
        "to": {"number": "79141234567"},
        "create_time": at,
        "talk_time": at + 2,
        "end_time": at + 3,
        "entry_result": 1,
        "disconnect_reason": 1110,
    }
    assert mango_notify(client, "mango", "mango-key", "mango-salt", "events/summary", summary).status_code == 200
    origination.refresh_from_db()
    assert (origination.state, origination.result) == (OriginationState.ENDED, OriginationResult.ANSWERED)
    assert origination.call == Call.objects.get(provider_call_id="ENTRY-1")


def test_mango_refuses_a_command_now_or_later(client: Client, mango: PbxSource) -> None:
    with loopback_api("mango", key="mango-key", secret="mango-salt", script={"79145555555": "reject"}) as api:
        mango.api_url = api.url
        mango.save(update_fields=["api_url"])
        with pytest.raises(OriginateError) as now:
            originate(source=mango, extension="101", number="+79145555555", correlation_id="m-2")
        later = originate(source=mango, extension="101", number="+79141234567", correlation_id="m-3")
    assert "2100" in now.value.message
    result = {"command_id": "m-3", "result": 4001}
    assert mango_notify(client, "mango", "mango-key", "mango-salt", "events/result", result).status_code == 200
    later.refresh_from_db()
    assert (later.state, later.result) == (OriginationState.FAILED, OriginationResult.FAILED)
    assert "4001" in later.error


# --- the generic request -----------------------------------------------------------------------------------------
@pytest.fixture
def generic(db: None) -> PbxSource:
    return PbxSourceFactory.create(slug="office", kind=SourceKind.GENERIC, secret="generic-secret")


def test_generic_request_is_signed_and_events_find_it_by_the_pbx_call_id(client: Client, generic: PbxSource) -> None:
    with loopback_api("generic", secret="generic-secret") as api:
        generic.api_url = api.url + "/originate"
        generic.save(update_fields=["api_url"])
        origination = originate(
            source=generic, extension="101", number="+79141234567", correlation_id="g-1", timeout_s=20
        )
    assert api.refused == 0
    assert api.requests == [
        {"correlation_id": "g-1", "extension": "101", "number": "+79141234567", "caller_id": "", "timeout_s": 20}
    ]
    assert origination.provider_call_id == "gen-1"
    base = {"call_id": "gen-1", "direction": "outbound", "extension": "101", "called": "+79141234567"}
    events = [
        base | {"event": "ringing", "sequence": 1},
        base | {"event": "ended", "sequence": 2, "disconnect_cause": "no answer"},
    ]
    assert generic_notify(client, "office", "generic-secret", events).status_code == 202
    origination.refresh_from_db()
    assert (origination.state, origination.result) == (OriginationState.ENDED, OriginationResult.NO_ANSWER)


def test_a_silent_pbx_times_out(generic: PbxSource, settings: Settings) -> None:
    settings.HOTLINE_TELEPHONY_ORIGINATE_TIMEOUT_SECONDS = 0.5
    with loopback_api("generic", secret="generic-secret", silent=True) as api:
        generic.api_url = api.url
        generic.save(update_fields=["api_url"])
        with pytest.raises(OriginateError) as timed_out:
            originate(source=generic, extension="101", number="+79141234567", correlation_id="g-2")
    assert timed_out.value.code == "pbx_timeout"
    assert Origination.objects.get(correlation_id="g-2").state == OriginationState.FAILED


def test_a_generic_source_without_an_address_refuses(generic: PbxSource) -> None:
    with pytest.raises(OriginateError) as refused:
        originate(source=generic, extension="101", number="+79141234567", correlation_id="g-3")
    assert "адрес API" in refused.value.message


# --- the outcome in the PBX's own words ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cause", "result"),
    [
        ("BUSY", OriginationResult.BUSY),
        ("User busy", OriginationResult.BUSY),
        ("busy (17)", OriginationResult.BUSY),
        ("NOANSWER", OriginationResult.NO_ANSWER),
        ("no answer (19)", OriginationResult.NO_ANSWER),
        ("CONGESTION", OriginationResult.FAILED),
        ("unallocated number (1)", OriginationResult.FAILED),
        ("no money", OriginationResult.FAILED),
        ("2100", OriginationResult.FAILED),
        ("1110", OriginationResult.NO_ANSWER),
        ("", OriginationResult.NO_ANSWER),
    ],
)
def test_how_an_unanswered_call_ended(cause: str, result: str) -> None:
    call = Call(disconnect_cause=cause, started_at=timezone.now() - timedelta(seconds=30))
    assert outbound_result(call) == result
    call.answered_at = timezone.now()
    assert outbound_result(call) == OriginationResult.ANSWERED


def test_an_inactive_source_places_nothing(asterisk_source: PbxSource, operator: User) -> None:
    asterisk_source.is_active = False
    asterisk_source.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        originate(source=asterisk_source, extension="101", number="+79141234567", correlation_id="c-9")
