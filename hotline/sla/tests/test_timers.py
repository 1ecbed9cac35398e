"""SLA timers through the desk's own services: start with the ticket, pause, resume, stop, re-target."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from time_machine import TimeMachineFixture

from hotline.core.models import BusinessCalendar, User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel, Priority, Status
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.escalation import escalate_ticket
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.tickets import change_priority, open_ticket
from hotline.desk.services.workflow import change_status, reopen_ticket, resolve_ticket
from hotline.sla.models import SlaPolicy, SlaTimer, SlaTimerEvent, TimerKind, TimerStatus
from hotline.sla.tests.factories import SlaPolicyFactory

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _open(actor: User, contact: Contact, queue: Queue, **kwargs: object) -> Ticket:
    return open_ticket(
        actor=actor,
        subject="Нет отопления",
        description="В квартире холодно",
        channel=Channel.PHONE,
        contact=contact,
        queue=queue,
        **kwargs,  # type: ignore[arg-type]
    )


def timer(ticket: Ticket, kind: str) -> SlaTimer:
    return SlaTimer.objects.filter(ticket=ticket, kind=kind).latest("id")


def actions(t: SlaTimer) -> list[str]:
    return list(SlaTimerEvent.objects.filter(timer=t).order_by("at", "id").values_list("action", flat=True))


@pytest.fixture
def policy(round_the_clock: BusinessCalendar) -> SlaPolicy:
    return SlaPolicyFactory.create(
        name="Стандарт 24/7",
        calendar=round_the_clock,
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=480,
    )


def test_timers_start_with_the_ticket_in_the_same_transaction(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    with transaction.atomic():
        ticket = _open(operator, contact, line1)
        # Before commit: the queue page, in this same transaction, can already sort by due time.
        due = dict(SlaTimer.objects.filter(ticket=ticket).values_list("kind", "due_at"))
        assert due == {TimerKind.FIRST_RESPONSE: at(60), TimerKind.RESOLUTION: at(480)}
        transaction.set_rollback(True)
    assert not SlaTimer.objects.exists()  # rolled back together with the ticket


def test_no_matching_policy_no_timers(
    round_the_clock: BusinessCalendar, operator: User, contact: Contact, line1: Queue
) -> None:
    SlaPolicyFactory.create(calendar=round_the_clock, priorities=[Priority.CRITICAL])
    ticket = _open(operator, contact, line1)
    assert not SlaTimer.objects.filter(ticket=ticket).exists()


def test_pause_while_waiting_for_the_customer_and_resume_on_their_reply(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(20), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER, reason="Нужен номер счётчика")
    resolution = timer(ticket, TimerKind.RESOLUTION)
    assert resolution.status == TimerStatus.PAUSED
    assert resolution.elapsed_seconds == 20 * 60
    assert resolution.due_at is None

    time_machine.move_to(at(120), tick=False)
    add_reply(actor=None, ticket=ticket, body_text="Номер счётчика 123456")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    resolution.refresh_from_db()
    assert resolution.status == TimerStatus.RUNNING
    # 480 minutes of business time, 100 of them spent waiting for the customer do not count.
    assert resolution.due_at == at(480 + 100)
    assert actions(resolution) == ["started", "paused", "resumed"]
    history = SlaTimerEvent.objects.filter(timer=resolution).order_by("at", "id")
    assert [e.at for e in history] == [at(0), at(20), at(120)]
    assert "ожидает клиента" in history[1].note


def test_third_party_wait_pauses_until_the_status_returns(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    add_reply(actor=operator, ticket=ticket, body_text="Передали в сетевую компанию")
    time_machine.move_to(at(60), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_THIRD_PARTY)
    time_machine.move_to(at(60 + 24 * 60), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.OPEN)
    resolution = timer(ticket, TimerKind.RESOLUTION)
    assert resolution.status == TimerStatus.RUNNING
    assert resolution.due_at == at(480 + 24 * 60)
    assert actions(resolution) == ["started", "paused", "resumed"]


def test_first_public_reply_meets_the_first_response_and_notes_do_not(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(10), tick=False)
    add_note(actor=operator, ticket=ticket, body_text="Проверю по базе")
    assert timer(ticket, TimerKind.FIRST_RESPONSE).status == TimerStatus.RUNNING
    time_machine.move_to(at(45), tick=False)
    add_reply(actor=operator, ticket=ticket, body_text="Мастер выедет сегодня")
    first = timer(ticket, TimerKind.FIRST_RESPONSE)
    assert first.status == TimerStatus.STOPPED
    assert first.breached_at is None
    assert first.stopped_at == at(45)
    assert first.decided_at == at(45)
    assert first.assignee_id == ticket.assignee_id
    assert timer(ticket, TimerKind.RESOLUTION).status == TimerStatus.RUNNING


def test_a_late_reply_is_recorded_as_a_breach(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(61), tick=False)
    add_reply(actor=operator, ticket=ticket, body_text="Извините за ожидание")
    first = timer(ticket, TimerKind.FIRST_RESPONSE)
    assert first.breached_at == at(60)
    assert first.breach_handled_at == at(61)  # answered already: nobody to escalate or warn


def test_next_response_after_each_customer_message(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(5), tick=False)
    add_reply(actor=None, ticket=ticket, body_text="Ещё и свет мигает")  # before any answer: first response covers it
    assert not SlaTimer.objects.filter(ticket=ticket, kind=TimerKind.NEXT_RESPONSE).exists()
    add_reply(actor=operator, ticket=ticket, body_text="Принято")
    time_machine.move_to(at(30), tick=False)
    add_reply(actor=None, ticket=ticket, body_text="Когда придёт мастер?")
    time_machine.move_to(at(40), tick=False)
    add_reply(actor=None, ticket=ticket, body_text="Алло?")  # the earliest unanswered message keeps counting
    following = timer(ticket, TimerKind.NEXT_RESPONSE)
    assert following.status == TimerStatus.RUNNING
    assert following.due_at == at(30 + 30)
    time_machine.move_to(at(50), tick=False)
    add_reply(actor=operator, ticket=ticket, body_text="В 15:00")
    following.refresh_from_db()
    assert following.status == TimerStatus.STOPPED
    assert following.breached_at is None
    assert SlaTimer.objects.filter(ticket=ticket, kind=TimerKind.NEXT_RESPONSE).count() == 1


def test_resolution_stops_timers_and_reopening_runs_it_on(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(100), tick=False)
    resolve_ticket(actor=operator, ticket=ticket, resolution_code="solved", resolution_note="Починили")
    resolution = timer(ticket, TimerKind.RESOLUTION)
    first = timer(ticket, TimerKind.FIRST_RESPONSE)
    assert (resolution.status, first.status) == (TimerStatus.STOPPED, TimerStatus.STOPPED)
    assert resolution.elapsed_seconds == 100 * 60
    assert resolution.decided_at == at(100)

    time_machine.move_to(at(1000), tick=False)
    reopen_ticket(actor=operator, ticket=ticket, reason="Снова холодно")
    resolution = timer(ticket, TimerKind.RESOLUTION)
    assert resolution.status == TimerStatus.RUNNING
    assert resolution.decided_at is None  # met no longer: the work goes on
    assert resolution.due_at == at(1000 + 380)  # the time spent resolved does not count
    assert actions(resolution)[-1] == "restarted"


def test_cancelled_ticket_leaves_the_figures(policy: SlaPolicy, operator: User, contact: Contact, line1: Queue) -> None:
    ticket = _open(operator, contact, line1)
    change_status(actor=operator, ticket=ticket, status=Status.CANCELLED, reason="Ошиблись номером")
    assert set(SlaTimer.objects.filter(ticket=ticket).values_list("status", flat=True)) == {TimerStatus.CANCELLED}


def test_changes_that_match_another_policy_retarget_running_timers(
    policy: SlaPolicy,
    round_the_clock: BusinessCalendar,
    operator: User,
    contact: Contact,
    line1: Queue,
    time_machine: TimeMachineFixture,
) -> None:
    urgent = SlaPolicyFactory.create(
        name="Авария", order=1, calendar=round_the_clock, priorities=[Priority.CRITICAL], resolution_minutes=240
    )
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    assert timer(ticket, TimerKind.RESOLUTION).policy == policy
    time_machine.move_to(at(30), tick=False)
    change_priority(actor=operator, ticket=ticket, impact=3, urgency=3, reason="Прорыв трубы")
    resolution = timer(ticket, TimerKind.RESOLUTION)
    assert resolution.policy == urgent
    assert resolution.elapsed_seconds == 30 * 60
    assert resolution.due_at == at(240)  # 30 minutes already used of the new 240
    assert timer(ticket, TimerKind.FIRST_RESPONSE).policy == urgent
    assert "policy_changed" in actions(resolution)


def test_escalation_to_a_queue_with_its_own_policy(
    policy: SlaPolicy,
    round_the_clock: BusinessCalendar,
    operator: User,
    specialist: User,
    contact: Contact,
    line1: Queue,
    line2: Queue,
    time_machine: TimeMachineFixture,
) -> None:
    second_line = SlaPolicyFactory.create(name="2-я линия", order=1, calendar=round_the_clock, resolution_minutes=960)
    second_line.queues.set([line2])
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(at(60), tick=False)
    escalate_ticket(actor=operator, ticket=ticket, reason="Нужен инженер")
    resolution = timer(ticket, TimerKind.RESOLUTION)
    assert resolution.policy == second_line
    assert resolution.due_at == at(960)
