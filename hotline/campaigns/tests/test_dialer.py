"""The dialing cycle: preview and progressive, dispositions, callbacks, do-not-call — and a progressive cycle
against a loopback PBX on 127.0.0.1 that takes signed originate requests and reports the calls back over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer
from time_machine import Traveller

from hotline.campaigns.choices import (
    AttemptState,
    CallbackStatus,
    CallOutcome,
    CampaignKind,
    DialingMode,
    LeadStatus,
    Rule,
    SeatState,
)
from hotline.campaigns.models import Attempt, Callback, CallList, Campaign, DoNotCall, Gateway, Lead, Seat
from hotline.campaigns.originate import OriginateRequest, OriginateResult, sign
from hotline.campaigns.services import dialer
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory, GatewayFactory, make_lead
from hotline.campaigns.tests.loopback_pbx import running_pbx
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, OutboxEvent, User

MSK = ZoneInfo("Europe/Moscow")
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)


@pytest.fixture
def frozen() -> Iterator[Traveller]:
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


def disposition(campaign: Campaign, code: str) -> int:
    return campaign.dispositions.get(code=code).pk


# --- preview ---------------------------------------------------------------------------------------------------
def test_preview_cycle_without_a_gateway(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    low = make_lead(info_list, "+74951111111")
    high = make_lead(info_list, "+74952222222", priority=5)
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    picked = dialer.next_lead(actor=operator)
    assert picked.lead == high  # priority first
    seat = Seat.objects.get(agent=operator)
    assert seat.state == SeatState.PREVIEW
    assert Lead.objects.get(pk=high.pk).status == LeadStatus.IN_PROGRESS

    attempt = dialer.dial_lead(actor=operator, lead=high)
    assert attempt.state == AttemptState.DIALING  # the agent dials by hand
    assert Lead.objects.get(pk=high.pk).attempts == 1

    lead = dialer.set_disposition(
        actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "informed")
    )
    assert lead.status == LeadStatus.DONE
    attempt.refresh_from_db()
    assert attempt.connected
    assert attempt.disposition is not None
    assert attempt.disposition.code == "informed"
    assert Seat.objects.get(agent=operator).state == SeatState.WAITING
    assert AuditLog.objects.filter(object_type="campaigns.lead", object_id=str(high.pk)).exists()
    assert OutboxEvent.objects.filter(name="campaigns.LeadDispositioned").count() == 1
    assert dialer.next_lead(actor=operator).lead == low


def test_no_answer_schedules_a_retry_after_the_disposition_interval(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    lead = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    lead = dialer.set_disposition(
        actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "no_answer")
    )
    assert lead.status == LeadStatus.RETRY
    assert lead.retry_at == MONDAY_NOON + timedelta(minutes=120)
    result = dialer.next_lead(actor=operator)
    assert result.lead is None
    assert result.held_back[Rule.RETRY_INTERVAL] == 0  # filtered by the query: not even examined
    frozen.shift(timedelta(minutes=120))
    assert dialer.next_lead(actor=operator).lead == lead


def test_the_last_allowed_attempt_exhausts_the_lead(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    Campaign.objects.filter(pk=info_campaign.pk).update(max_attempts=1)
    lead = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    lead = dialer.set_disposition(actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "busy"))
    assert lead.status == LeadStatus.EXHAUSTED


def test_do_not_call_me_blocks_the_number_everywhere_at_once(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList, debt_list: CallList
) -> None:
    lead = make_lead(info_list, "+74951111111")
    elsewhere = make_lead(debt_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    lead = dialer.set_disposition(
        actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "do_not_call")
    )
    assert lead.status == LeadStatus.DNC
    entry = DoNotCall.objects.get(phone="+74951111111")
    assert entry.campaign is None
    assert entry.source == "callee"
    assert Lead.objects.get(pk=elsewhere.pk).status == LeadStatus.DNC
    assert OutboxEvent.objects.filter(name="campaigns.NumberBlocked").exists()


def test_a_callback_goes_to_the_same_agent_at_its_time(
    frozen: Traveller, operator: User, other_operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    lead = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.join_campaign(actor=other_operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    with pytest.raises(ValidationFailed) as missing:
        dialer.set_disposition(actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "callback"))
    assert missing.value.field == "callback_at"
    due = MONDAY_NOON + timedelta(hours=3)
    lead = dialer.set_disposition(
        actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "callback"), callback_at=due
    )
    assert lead.status == LeadStatus.CALLBACK
    callback = Callback.objects.get(lead=lead)
    assert callback.agent == operator
    assert callback.due_at == due
    frozen.move_to(due)
    assert dialer.next_lead(actor=other_operator).lead is None  # promised to op1
    assert dialer.next_lead(actor=operator).lead == lead
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    dialer.set_disposition(actor=operator, attempt=attempt, disposition_id=disposition(info_campaign, "informed"))
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE


def test_dialling_rechecks_the_rules_at_the_moment_of_the_call(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    lead = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    DoNotCall.objects.create(phone=lead.phone, source="supervisor")  # blocked while on the agent's screen
    with pytest.raises(Conflict) as refused:
        dialer.dial_lead(actor=operator, lead=lead)
    assert "не звонить" in refused.value.message
    assert not Attempt.objects.exists()


def test_an_agent_not_on_the_campaign_cannot_join(
    frozen: Traveller, operator: User, other_operator: User, info_campaign: Campaign
) -> None:
    info_campaign.agents.set([operator])
    with pytest.raises(Forbidden):
        dialer.join_campaign(actor=other_operator, campaign=info_campaign)


def test_the_picker_skips_leads_outside_their_window_and_says_why(
    frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList
) -> None:
    # 12:00 Moscow is 19:00 in Vladivostok; make the campaign's day end at 18:00 local time.
    Campaign.objects.filter(pk=info_campaign.pk).update(workday_end=dtime(18))
    far = make_lead(info_list, "+74232123456", priority=10)
    near = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    assert dialer.next_lead(actor=operator).lead == near
    far.refresh_from_db()
    # Parked until 09:00 Tuesday in Vladivostok (02:00 Moscow): the next picks do not re-check it.
    assert far.hold_until == datetime(2026, 3, 3, 2, 0, tzinfo=MSK)
    dialer.skip_lead(actor=operator)
    Lead.objects.filter(pk=near.pk).update(status=LeadStatus.DONE)
    result = dialer.next_lead(actor=operator)
    assert result.lead is None
    assert "Некому звонить" in Seat.objects.get(agent=operator).waiting_reason


def test_debt_calls_stop_at_the_daily_230_limit(
    frozen: Traveller, operator: User, debt_campaign: Campaign, debt_list: CallList
) -> None:
    Campaign.objects.filter(pk=debt_campaign.pk).update(workday_start=dtime(8), workday_end=dtime(22))
    lead = make_lead(debt_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=debt_campaign)
    dialer.next_lead(actor=operator)
    attempt = dialer.dial_lead(actor=operator, lead=lead)
    dialer.set_disposition(actor=operator, attempt=attempt, disposition_id=disposition(debt_campaign, "third_party"))
    frozen.shift(timedelta(hours=5))  # the retry interval (240 min) has passed, the day has not
    result = dialer.next_lead(actor=operator)
    assert result.lead is None
    assert result.held_back[Rule.DEBT_DAY] == 1
    frozen.shift(timedelta(hours=15))  # Tuesday 08:00
    assert dialer.next_lead(actor=operator).lead == lead


# --- progressive against the loopback PBX -----------------------------------------------------------------------
def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.django_db(transaction=True)
def test_a_progressive_cycle_against_the_loopback_pbx(live_server: LiveServer, operator: User) -> None:
    answers, silent, busy, refused = "+74951111111", "+74952222222", "+74953333333", "+74954444444"
    script = {answers: "answer", silent: "no_answer", busy: "busy", refused: "reject"}
    with running_pbx("loop-secret", script) as pbx:
        gateway = Gateway.objects.create(
            name="Loopback",
            originate_url=pbx.url,
            report_url="",
            secret="loop-secret",
            caller_id="+74950000000",
        )
        gateway.report_url = live_server.url + reverse("campaigns:dialer_events", args=[gateway.pk])
        gateway.save()
        campaign = CampaignFactory.create(
            kind=CampaignKind.INFORMATION,
            dialing_mode=DialingMode.PROGRESSIVE,
            gateway=gateway,
            workday_start=dtime(0),
            workday_end=dtime(23, 59),
            dayoff_start=dtime(0),
            dayoff_end=dtime(23, 59),
        )
        call_list = CallListFactory.create(campaign=campaign)
        # Explicit zones, so the test runs at any hour: the window is all day in Moscow.
        first = make_lead(call_list, answers, priority=4, time_zone="Europe/Moscow")
        second = make_lead(call_list, silent, priority=3, time_zone="Europe/Moscow")
        third = make_lead(call_list, busy, priority=2, time_zone="Europe/Moscow")
        fourth = make_lead(call_list, refused, priority=1, time_zone="Europe/Moscow")

        # The agent joins: the first lead is dialled at once, on their extension.
        dialer.join_campaign(actor=operator, campaign=campaign, extension="101")
        wait_for(lambda: Seat.objects.get(agent=operator).state == SeatState.TALKING)
        request = pbx.originated[0]
        assert request["number"] == answers
        assert request["extension"] == "101"
        assert request["caller_id"] == "+74950000000"
        assert request["campaign"] == campaign.code
        talking = Attempt.objects.get(lead=first)
        assert talking.connected
        assert talking.call_ref == "loop-1"

        # The callee hangs up: the agent records the result, and the next lead is dialled.
        wait_for(lambda: Seat.objects.get(agent=operator).state == SeatState.WRAPUP)
        dialer.set_disposition(
            actor=operator, attempt=talking, disposition_id=campaign.dispositions.get(code="informed").pk
        )
        # No answer, busy and a refused originate are recorded by the dialer itself, one after another.
        wait_for(lambda: Attempt.objects.filter(state=AttemptState.ENDED, disposition__isnull=False).count() == 4)
        wait_for(lambda: Seat.objects.get(agent=operator).state == SeatState.WAITING)

    assert [r["number"] for r in pbx.originated] == [answers, silent, busy, refused]
    assert pbx.refused == 0
    assert all(status == 200 for _payload, status in pbx.reports), pbx.reports
    outcomes = {
        a.lead_id: (a.outcome, a.disposition.code if a.disposition else "")
        for a in Attempt.objects.select_related("disposition")
    }
    assert outcomes == {
        first.pk: (CallOutcome.ANSWERED, "informed"),
        second.pk: (CallOutcome.NO_ANSWER, "no_answer"),
        third.pk: (CallOutcome.BUSY, "busy"),
        fourth.pk: (CallOutcome.FAILED, "failed"),
    }
    assert "503" in Attempt.objects.get(lead=fourth).error
    statuses = dict(Lead.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: LeadStatus.DONE,
        second.pk: LeadStatus.RETRY,
        third.pk: LeadStatus.RETRY,
        fourth.pk: LeadStatus.RETRY,
    }
    assert Seat.objects.get(agent=operator).waiting_reason  # says why nobody is being called now


# --- the PBX's event hook ----------------------------------------------------------------------------------------
def _post(client: Client, gateway: Gateway | None, payload: dict[str, str], *, secret: str | None = None) -> Any:
    assert gateway is not None
    body = json.dumps(payload).encode()
    return client.post(
        reverse("campaigns:dialer_events", args=[gateway.pk]),
        data=body,
        content_type="application/json",
        HTTP_X_HOTLINE_SIGNATURE=sign(secret or gateway.secret, body),
    )


@pytest.fixture
def dialled(frozen: Traveller, operator: User, info_campaign: Campaign, info_list: CallList) -> Attempt:
    gateway = GatewayFactory.create()
    Campaign.objects.filter(pk=info_campaign.pk).update(gateway=gateway)
    info_campaign.refresh_from_db()
    lead = make_lead(info_list, "+74951111111")
    dialer.join_campaign(actor=operator, campaign=info_campaign)
    dialer.next_lead(actor=operator)
    from hotline.campaigns import originate

    originate.set_originator_factory(lambda gw: _Accepting())
    try:
        return dialer.dial_lead(actor=operator, lead=lead)
    finally:
        originate.set_originator_factory(None)


class _Accepting:
    def originate(self, request: OriginateRequest) -> OriginateResult:
        return OriginateResult(call_id="pbx-7")


def test_the_hook_refuses_a_bad_signature(client: Client, dialled: Attempt) -> None:
    gateway = dialled.campaign.gateway
    response = _post(client, gateway, {"attempt": str(dialled.ref), "event": "answered"}, secret="wrong")
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"


def test_the_hook_answers_unknown_attempts_and_garbage_with_4xx(client: Client, dialled: Attempt) -> None:
    gateway = dialled.campaign.gateway
    assert gateway is not None
    assert _post(client, gateway, {"attempt": "nope", "event": "ended"}).status_code == 404
    assert _post(client, gateway, {"attempt": str(dialled.ref), "event": "exploded"}).status_code == 422
    body = b"not json"
    response = client.post(
        reverse("campaigns:dialer_events", args=[gateway.pk]),
        data=body,
        content_type="application/json",
        HTTP_X_HOTLINE_SIGNATURE=sign(gateway.secret, body),
    )
    assert response.status_code == 400


def test_repeated_and_late_reports_change_nothing(client: Client, dialled: Attempt, info_campaign: Campaign) -> None:
    gateway = dialled.campaign.gateway
    assert dialled.call_ref == "" or dialled.call_ref == "pbx-7"
    ended = {"attempt": str(dialled.ref), "event": "ended", "outcome": "no_answer", "call_id": "pbx-7"}
    assert _post(client, gateway, ended).status_code == 200
    assert _post(client, gateway, ended).status_code == 200
    assert _post(client, gateway, {"attempt": str(dialled.ref), "event": "answered"}).status_code == 200
    dialled.refresh_from_db()
    assert dialled.state == AttemptState.ENDED
    assert dialled.outcome == CallOutcome.NO_ANSWER
    assert not dialled.connected
    assert dialled.disposition is not None
    assert dialled.disposition.code == "no_answer"
    assert Attempt.objects.count() == 1


def test_the_periodic_sweep_dials_for_free_agents_once_leads_become_eligible(
    operator: User, info_list: CallList, info_campaign: Campaign, django_capture_on_commit_callbacks: Any
) -> None:
    from hotline.campaigns import originate
    from hotline.campaigns.tasks import dial_waiting_seats_task

    gateway = GatewayFactory.create()
    Campaign.objects.filter(pk=info_campaign.pk).update(gateway=gateway, dialing_mode=DialingMode.PROGRESSIVE)
    info_campaign.refresh_from_db()
    lead = make_lead(info_list, "+74232123456")  # Vladivostok: campaign hours 09–21 there
    placed: list[OriginateRequest] = []

    class Recording:
        def originate(self, request: OriginateRequest) -> OriginateResult:
            placed.append(request)
            return OriginateResult(call_id=f"sweep-{len(placed)}")

    originate.set_originator_factory(lambda gw: Recording())
    try:
        with time_machine.travel(datetime(2026, 3, 2, 1, 30, tzinfo=MSK), tick=False):  # 08:30 there
            with django_capture_on_commit_callbacks(execute=True):
                dialer.join_campaign(actor=operator, campaign=info_campaign, extension="101")
            assert placed == []
            assert "вне разрешённого времени" in Seat.objects.get(agent=operator).waiting_reason
        with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=MSK), tick=False):  # 09:00 there
            with django_capture_on_commit_callbacks(execute=True):
                assert dial_waiting_seats_task.apply().get() == "placed 1"
            # The same slot again (a second beat): nothing more.
            assert dial_waiting_seats_task.apply().get() == "skipped"
    finally:
        originate.set_originator_factory(None)
    assert [r.number for r in placed] == [lead.phone]
    attempt = Attempt.objects.get(lead=lead)
    assert attempt.call_ref == "sweep-1"
    assert Seat.objects.get(agent=operator).state == SeatState.DIALING
