"""Campaign calls placed through the PBX telephony is connected to: Asterisk (a loopback AMI server and the real
listener), Zadarma, Mango and the generic webhook (loopback APIs that verify the signatures), the call's events
coming back through telephony's ingestion to the attempt; and what a PBX that is down, refuses or hangs does to
the attempt, the lead and the supervisor's page."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from hotline.campaigns.choices import AttemptState, CallOutcome, CampaignKind, DialingMode, LeadStatus, SeatState
from hotline.campaigns.models import Attempt, Campaign, Lead, Seat
from hotline.campaigns.services import dialer
from hotline.campaigns.services.campaigns import CampaignInput, create_campaign
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory, GatewayFactory, make_lead
from hotline.core.errors import ValidationFailed
from hotline.core.models import User
from hotline.telephony.ami_listener import AmiListener
from hotline.telephony.choices import OriginationState, SourceKind
from hotline.telephony.models import Origination, PbxSource
from hotline.telephony.tests.factories import PbxSourceFactory
from hotline.telephony.tests.loopback import (
    fake_asterisk,
    generic_notify,
    loopback_api,
    mango_notify,
    zadarma_notify,
)

MSK = ZoneInfo("Europe/Moscow")
ALL_DAY = {
    "workday_start": dtime(0),
    "workday_end": dtime(23, 59),
    "dayoff_start": dtime(0),
    "dayoff_end": dtime(23, 59),
}


def through(source: PbxSource, mode: str = DialingMode.PREVIEW) -> Campaign:
    return CampaignFactory.create(
        kind=CampaignKind.INFORMATION,
        dialing_mode=mode,
        pbx_source=source,
        caller_id="+74950000000",
        ring_timeout_s=25,
        **ALL_DAY,
    )


def lead_in(campaign: Campaign, phone: str, **values: Any) -> Lead:
    call_list = campaign.lists.first() or CallListFactory.create(campaign=campaign)
    return make_lead(call_list, phone, time_zone="Europe/Moscow", **values)


def preview_dial(agent: User, campaign: Campaign, lead: Lead) -> Attempt:
    """The agent takes the lead and presses «Позвонить»; the call is placed as the task would after commit."""
    dialer.join_campaign(actor=agent, campaign=campaign)
    assert dialer.next_lead(actor=agent).lead == lead
    attempt = dialer.dial_lead(actor=agent, lead=lead)
    placed = dialer.originate_attempt(attempt_id=attempt.pk)
    assert placed is not None
    return placed


def wait_for(condition: Any, timeout: float = 25.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared test database is briefly locked while another thread writes
        time.sleep(0.05)
    return False


# --- Asterisk: progressive, end to end -----------------------------------------------------------------------------
def _listen(listener: AmiListener) -> None:
    try:
        listener.run()
    finally:
        connection.close()


@pytest.fixture
def asterisk() -> Iterator[tuple[Any, PbxSource, AmiListener]]:
    script = {"79141111111": "answer", "79142222222": "busy", "79143333333": "agent_offline"}
    with fake_asterisk(username="hotline", secret="ami-pass", script=script) as pbx:
        source = PbxSourceFactory.create(
            slug="asterisk",
            kind=SourceKind.ASTERISK,
            api_key="hotline",
            secret="ami-pass",
            host="127.0.0.1",
            port=pbx.port,
            originate_context="campaigns",
        )
        listener = AmiListener(source=source, read_timeout=0.1, ping_interval=5, reconnect_max=1)
        thread = threading.Thread(target=_listen, args=(listener,), daemon=True)
        thread.start()
        assert wait_for(pbx.listening)
        try:
            yield pbx, source, listener
        finally:
            listener.stop.set()
            thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_progressive_cycle_through_asterisk(asterisk: tuple[Any, PbxSource, AmiListener], operator: User) -> None:
    pbx, source, listener = asterisk
    campaign = through(source, DialingMode.PROGRESSIVE)
    answers = lead_in(campaign, "+79141111111", priority=3)
    busy = lead_in(campaign, "+79142222222", priority=2)
    offline = lead_in(campaign, "+79143333333", priority=1)

    dialer.join_campaign(actor=operator, campaign=campaign, extension="101")
    # The callee answers: the agent talks, then records the result; the next lead is dialled by itself.
    assert wait_for(lambda: Attempt.objects.filter(lead=answers, state=AttemptState.ENDED).exists()), listener.stats
    talked = Attempt.objects.get(lead=answers)
    assert talked.connected
    assert talked.call_ref == str(talked.ref)
    assert Seat.objects.get(agent=operator).state == SeatState.WRAPUP
    dialer.set_disposition(actor=operator, attempt=talked, disposition_id=campaign.dispositions.get(code="informed").pk)

    assert wait_for(lambda: Attempt.objects.filter(lead=busy, state=AttemptState.ENDED).exists()), listener.stats
    # The third: the agent's phone is offline, the PBX says so; the sweep will come back to the lead later.
    assert wait_for(lambda: Attempt.objects.filter(lead=offline, state=AttemptState.ENDED).exists()), listener.stats

    assert [a["Exten"] for a in pbx.originates] == ["79141111111", "79142222222", "79143333333"]
    first = pbx.originates[0]
    assert (first["Channel"], first["Context"], first["CallerID"], first["Timeout"]) == (
        "PJSIP/101",
        "campaigns",
        "74950000000",
        "25000",
    )
    assert first["ChannelId"] == str(talked.ref)
    outcomes = {a.lead_id: (a.outcome, a.disposition.code if a.disposition else "") for a in Attempt.objects.all()}
    assert outcomes == {
        answers.pk: (CallOutcome.ANSWERED, "informed"),
        busy.pk: (CallOutcome.BUSY, "busy"),
        offline.pk: (CallOutcome.FAILED, "failed"),
    }
    failed = Attempt.objects.get(lead=offline)
    assert "телефон оператора" in failed.error
    leads = {lead.pk: (lead.status, lead.attempts) for lead in Lead.objects.all()}
    assert leads[answers.pk] == (LeadStatus.DONE, 1)
    assert leads[busy.pk] == (LeadStatus.RETRY, 1)
    assert leads[offline.pk] == (LeadStatus.RETRY, 0)  # the call never happened: no attempt used up
    assert Origination.objects.filter(state=OriginationState.ENDED).count() == 2


# --- Zadarma, Mango, generic: preview ------------------------------------------------------------------------------
def test_a_call_through_zadarma_ends_busy_from_its_notifications(client: Client, operator: User) -> None:
    with loopback_api("zadarma", key="zkey", secret="z-secret") as api:
        source = PbxSourceFactory.create(
            slug="zadarma", kind=SourceKind.ZADARMA, api_key="zkey", secret="z-secret", api_url=api.url
        )
        campaign = through(source)
        lead = lead_in(campaign, "+79141234567")
        attempt = preview_dial(operator, campaign, lead)
    assert api.refused == 0
    assert api.requests == [{"from": "101", "to": "79141234567", "format": "json"}]
    assert attempt.state == AttemptState.DIALING

    start = timezone.localtime(timezone.now(), MSK).strftime("%Y-%m-%d %H:%M:%S")
    common = {"internal": "101", "destination": "79141234567", "call_start": start, "pbx_call_id": "out_1"}
    zadarma_notify(client, "zadarma", "z-secret", {"event": "NOTIFY_OUT_START", **common})
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.RINGING
    end = {"event": "NOTIFY_OUT_END", **common, "disposition": "busy", "status_code": "17", "duration": "0"}
    zadarma_notify(client, "zadarma", "z-secret", end)

    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome, attempt.call_ref) == (AttemptState.ENDED, CallOutcome.BUSY, "out_1")
    assert attempt.disposition is not None
    assert attempt.disposition.code == "busy"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RETRY


def test_a_call_through_mango_is_answered_and_the_agent_records_the_result(client: Client, operator: User) -> None:
    with loopback_api("mango", key="m-key", secret="m-salt") as api:
        source = PbxSourceFactory.create(
            slug="mango", kind=SourceKind.MANGO, api_key="m-key", secret="m-salt", api_url=api.url
        )
        campaign = through(source)
        lead = lead_in(campaign, "+79141234567")
        attempt = preview_dial(operator, campaign, lead)
    assert api.refused == 0
    assert api.requests[0]["command_id"] == str(attempt.ref)
    assert api.requests[0]["line_number"] == "74950000000"

    at = int(time.time())
    leg = {"entry_id": "E-1", "call_id": "L-1", "command_id": str(attempt.ref), "from": {"extension": "101"}}
    leg |= {"to": {"number": "79141234567"}}
    mango_notify(
        client, "mango", "m-key", "m-salt", "events/call", leg | {"seq": 1, "timestamp": at, "call_state": "Appeared"}
    )
    mango_notify(
        client,
        "mango",
        "m-key",
        "m-salt",
        "events/call",
        leg | {"seq": 2, "timestamp": at + 2, "call_state": "Connected"},
    )
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.TALKING
    assert Seat.objects.get(agent=operator).state == SeatState.TALKING
    summary = {"entry_id": "E-1", "call_direction": 2, "from": {"extension": "101"}, "to": {"number": "79141234567"}}
    summary |= {"create_time": at, "talk_time": at + 2, "end_time": at + 40, "entry_result": 1}
    mango_notify(client, "mango", "m-key", "m-salt", "events/summary", summary)

    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome, attempt.connected) == (AttemptState.ENDED, CallOutcome.ANSWERED, True)
    assert Seat.objects.get(agent=operator).state == SeatState.WRAPUP
    lead_after = dialer.set_disposition(
        actor=operator, attempt=attempt, disposition_id=campaign.dispositions.get(code="informed").pk
    )
    assert lead_after.status == LeadStatus.DONE


def test_a_call_through_the_generic_webhook_goes_unanswered(client: Client, operator: User) -> None:
    with loopback_api("generic", secret="g-secret") as api:
        source = PbxSourceFactory.create(
            slug="office", kind=SourceKind.GENERIC, secret="g-secret", api_url=api.url + "/originate"
        )
        campaign = through(source)
        lead = lead_in(campaign, "+79141234567")
        attempt = preview_dial(operator, campaign, lead)
    assert api.refused == 0
    assert api.requests[0]["correlation_id"] == str(attempt.ref)
    assert attempt.call_ref == "gen-1"

    base = {"call_id": "gen-1", "correlation_id": str(attempt.ref), "direction": "outbound", "extension": "101"}
    events = [
        base | {"event": "ringing", "sequence": 1},
        base | {"event": "ended", "sequence": 2, "disconnect_cause": "no answer"},
    ]
    assert generic_notify(client, "office", "g-secret", events).status_code == 202

    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome) == (AttemptState.ENDED, CallOutcome.NO_ANSWER)
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RETRY


# --- when the PBX does not place the call ----------------------------------------------------------------------------
@pytest.mark.parametrize("trouble", ["down", "refuses", "hangs"])
def test_a_pbx_that_does_not_place_the_call_loses_no_lead_and_the_supervisor_sees_why(
    client: Client, operator: User, supervisor: User, settings: Settings, trouble: str
) -> None:
    settings.HOTLINE_TELEPHONY_ORIGINATE_TIMEOUT_SECONDS = 0.5
    with loopback_api(
        "generic", secret="g-secret", silent=trouble == "hangs", script={"+79141234567": "reject"}
    ) as api:
        url = "http://127.0.0.1:9/originate" if trouble == "down" else api.url
        source = PbxSourceFactory.create(slug="office", kind=SourceKind.GENERIC, secret="g-secret", api_url=url)
        campaign = through(source)
        lead = lead_in(campaign, "+79141234567")
        attempt = preview_dial(operator, campaign, lead)

    assert (attempt.state, attempt.outcome) == (AttemptState.ENDED, CallOutcome.FAILED)
    expected = {"down": "недоступна", "refuses": "503", "hangs": "не ответила"}[trouble]
    assert expected in attempt.error
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == (LeadStatus.RETRY, 0)
    assert lead.retry_at is not None  # the campaign's «Ошибка вызова» interval
    assert Seat.objects.get(agent=operator).state == SeatState.WAITING

    client.force_login(supervisor)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'id="call-failures"' in page
    assert expected in page


def test_a_campaign_calls_either_through_a_pbx_or_a_gateway(supervisor: User) -> None:
    source = PbxSourceFactory.create(slug="office", kind=SourceKind.GENERIC, secret="g-secret")
    gateway = GatewayFactory.create()
    data = CampaignInput(name="Опрос", code="survey-1", dialing_mode=DialingMode.PROGRESSIVE, pbx_source_id=source.pk)
    campaign = create_campaign(actor=supervisor, data=data)
    assert campaign.pbx_source == source
    assert campaign.places_calls
    with pytest.raises(ValidationFailed) as both:
        create_campaign(
            actor=supervisor,
            data=CampaignInput(name="Два", code="two", pbx_source_id=source.pk, gateway_id=gateway.pk),
        )
    assert both.value.field == "pbx_source_id"
    with pytest.raises(ValidationFailed) as neither:
        create_campaign(actor=supervisor, data=CampaignInput(name="Три", code="three", dialing_mode="progressive"))
    assert neither.value.field == "pbx_source_id"
    with pytest.raises(ValidationFailed) as caller_id:
        create_campaign(
            actor=supervisor, data=CampaignInput(name="Четыре", code="four", pbx_source_id=source.pk, caller_id="12")
        )
    assert caller_id.value.field == "caller_id"
