"""The call-event core: folding in any order, never losing a stored event, AMI replay, contacts merged or erased."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.customers.services import create_contact, erase_contact, merge_contacts
from hotline.telephony.adapters.ami import AmiParser, AmiTracker, device_extension
from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.ami_listener import replay
from hotline.telephony.choices import CallbackStatus, Outcome, SourceKind
from hotline.telephony.models import Call, Callback, CallEvent, PbxSource
from hotline.telephony.services import calls as call_services
from hotline.telephony.services.fold import fold
from hotline.telephony.services.ingest import ingest, retry_pending_events
from hotline.telephony.tests.factories import PbxSourceFactory
from hotline.telephony.tests.helpers import call

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
RECORDED = Path(__file__).parent / "data" / "ami_recorded.txt"


def _stream() -> list[CallEventData]:
    first = CallEventData(
        call_id="c",
        kind="ringing",
        occurred_at=T0,
        sequence=1,
        direction="inbound",
        caller="+79123456789",
        line="+74951234567",
    )

    def then(seconds: int, sequence: int, **changes: Any) -> CallEventData:
        return dataclasses.replace(first, occurred_at=T0 + timedelta(seconds=seconds), sequence=sequence, **changes)

    return [
        first,
        then(3, 2, leg="a", extension="101"),
        then(3, 3, leg="b", extension="102"),
        then(9, 4, kind="answered", leg="a", extension="101"),
        then(9, 5, kind="ended", leg="b", extension="102"),
        then(60, 6, kind="transferred", extension="101", transfer_to="103"),
        then(64, 7, kind="answered", leg="c", extension="103"),
        then(120, 8, kind="ended"),
        then(125, 9, kind="recording", recording_url="https://r/1.wav"),
    ]


@settings(max_examples=60, deadline=None)
@given(st.permutations(_stream()))
def test_the_order_events_arrive_in_does_not_change_the_call(events: list[CallEventData]) -> None:
    state = fold(events)
    assert state == fold(_stream())
    assert (state.outcome, state.extension, state.wait_seconds, state.talk_seconds) == (Outcome.ANSWERED, "103", 9, 111)
    assert [(t.from_extension, t.to_extension) for t in state.transfers] == [("101", "103")]
    assert all(leg.ended_at is not None for leg in state.legs.values())


@pytest.mark.django_db
def test_an_event_that_fails_to_apply_is_kept_and_applied_later(
    operator: User, generic_source: PbxSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = call_services.apply_event

    def broken(event_id: int) -> Any:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("hotline.telephony.services.ingest.apply_event", broken)
    result = ingest(source=generic_source, events=_stream()[:2])
    assert (result.accepted, result.failed) == (2, 2)
    assert not Call.objects.exists()
    assert set(CallEvent.objects.values_list("error", flat=True)) == {"RuntimeError: database hiccup"}
    monkeypatch.setattr("hotline.telephony.services.ingest.apply_event", original)
    assert retry_pending_events(older_than=timedelta(0)) == 2
    assert Call.objects.get().agent == operator
    assert not CallEvent.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_resent_event_that_was_not_applied_gets_applied(
    generic_source: PbxSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = call_services.apply_event
    monkeypatch.setattr(
        "hotline.telephony.services.ingest.apply_event", lambda event_id: (_ for _ in ()).throw(RuntimeError("x"))
    )
    ingest(source=generic_source, events=_stream()[:1])
    monkeypatch.setattr("hotline.telephony.services.ingest.apply_event", original)
    again = ingest(source=generic_source, events=_stream()[:1])
    assert (again.accepted, again.duplicates) == (0, 1)
    assert Call.objects.count() == 1


def test_the_ami_parser_keeps_a_message_cut_between_reads() -> None:
    parser = AmiParser()
    assert parser.feed(b"Asterisk Call Manager/7.0.3\r\nEvent: Hangup\r\nUniq") == []
    assert parser.feed(b"ueid: 1.2\r\nLinkedid: 1.2\r\n\r\nEvent: Ne") == [
        {"Event": "Hangup", "Uniqueid": "1.2", "Linkedid": "1.2"}
    ]
    assert parser.banner == "Asterisk Call Manager/7.0.3"


def test_only_desk_phones_are_extensions() -> None:
    assert device_extension("PJSIP/101-0000002a") == "101"
    assert device_extension("SIP/2005-00000001") == "2005"
    assert device_extension("PJSIP/trunk-megafon-00000001") == ""
    assert device_extension("Local/101@from-queue-00000001;1") == ""
    assert device_extension("PJSIP/79123456789-0000000b") == ""  # too long for an extension: a trunk peer


def test_the_tracker_ignores_what_is_not_about_calls() -> None:
    tracker = AmiTracker()
    assert tracker.feed({"Event": "PeerStatus", "Peer": "PJSIP/101"}) == []
    assert tracker.feed({"Event": "Hangup"}) == []


@pytest.mark.django_db
def test_a_recorded_ami_stream_replayed_twice_is_logged_once(operator: User) -> None:
    source = PbxSourceFactory.create(slug="ast", kind=SourceKind.ASTERISK, api_key="u", secret="p")
    first = replay(source=source, data=RECORDED.read_bytes())
    again = replay(source=source, data=RECORDED.read_bytes())
    assert first.accepted > 0
    assert (again.accepted, again.duplicates) == (0, first.accepted + first.duplicates)
    assert Call.objects.count() == 3
    assert Callback.objects.get().status == CallbackStatus.OPEN


@pytest.mark.django_db
def test_a_merged_contact_s_calls_move_and_an_erased_one_s_numbers_go(
    operator: User, supervisor: User, caller: Contact, generic_source: PbxSource
) -> None:
    duplicate = create_contact(actor=operator, full_name="Иванова А. С.", phones=["+7 999 000-11-22"])
    missed = call(generic_source, number="+79990001122", state="missed")
    assert missed.contact_id == duplicate.pk
    merge_contacts(actor=supervisor, survivor=caller, duplicate=duplicate)
    missed.refresh_from_db()
    assert missed.contact_id == caller.pk
    erase_contact(actor=supervisor, contact=caller)
    missed.refresh_from_db()
    assert (missed.caller_number, missed.customer_e164) == ("", "")
    assert Callback.objects.get().status == CallbackStatus.CANCELLED
