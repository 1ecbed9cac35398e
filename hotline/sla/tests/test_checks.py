"""Warnings and breaches under frozen time, with the policy's actions, each at most once per timer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from hotline.core.models import BusinessCalendar, OutboxEvent, User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel, Priority, Status
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import change_status
from hotline.sla.models import SlaPolicy, SlaTimer, SlaTimerEvent, TimerKind
from hotline.sla.services.checks import check_sla_timers
from hotline.sla.tasks import check_sla_timers_task
from hotline.sla.tests.factories import SlaPolicyFactory

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def events(name: str) -> list[dict[str, object]]:
    return list(OutboxEvent.objects.filter(name=name).order_by("created_at").values_list("payload", flat=True))


@pytest.fixture
def strict(round_the_clock: BusinessCalendar) -> SlaPolicy:
    return SlaPolicyFactory.create(
        name="Строгая",
        calendar=round_the_clock,
        first_response_minutes=None,
        next_response_minutes=None,
        resolution_minutes=100,
        warning_percent=75,
        raise_priority_to=Priority.CRITICAL,
        escalate_on_breach=True,
    )


@pytest.fixture
def ticket(
    strict: SlaPolicy, operator: User, contact: Contact, line1: Queue, line2: Queue, time_machine: TimeMachineFixture
) -> Ticket:
    time_machine.move_to(T0, tick=False)
    return open_ticket(
        actor=operator, subject="Лифт застрял", channel=Channel.PHONE, contact=contact, queue=line1, assignee=operator
    )


def test_warning_at_the_share_then_breach_with_actions_once(
    ticket: Ticket, line1: Queue, line2: Queue, operator: User, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(at(74), tick=False)
    assert str(check_sla_timers()) == "warned 0, breached 0"

    time_machine.move_to(at(75), tick=False)
    assert str(check_sla_timers()) == "warned 1, breached 0"
    assert str(check_sla_timers()) == "warned 0, breached 0"  # once
    [warning] = events("sla.SlaWarning")
    assert warning["ticket_id"] == ticket.pk
    assert warning["kind"] == TimerKind.RESOLUTION
    assert warning["assignee_id"] == operator.pk
    assert warning["notify"] is True

    time_machine.move_to(at(101), tick=False)
    assert str(check_sla_timers()) == "warned 0, breached 1"
    ticket.refresh_from_db()
    assert ticket.priority == Priority.CRITICAL
    assert ticket.queue == line2  # escalated to the next line
    assert ticket.escalation_level == 1
    [breach] = events("sla.SlaBreached")
    assert breach["priority_raised_to"] == Priority.CRITICAL
    assert breach["escalated_to_queue_id"] == line2.pk
    assert breach["queue_id"] == line1.pk  # the queue it was missed in
    history = list(ticket.history.filter(actor__isnull=True).values_list("action", flat=True))
    assert "priority_changed" in history
    assert "escalated" in history

    time_machine.move_to(at(200), tick=False)
    assert str(check_sla_timers()) == "warned 0, breached 0"
    assert len(events("sla.SlaBreached")) == 1
    timer = SlaTimer.objects.get(ticket=ticket, kind=TimerKind.RESOLUTION)
    assert timer.breached_at == at(100)
    acted = list(SlaTimerEvent.objects.filter(timer=timer).values_list("action", flat=True))
    assert acted.count("breached") == 1
    assert acted.count("escalated") == 1
    assert acted.count("priority_raised") == 1


def test_a_breach_missed_before_the_pause_is_still_acted_on(
    ticket: Ticket, operator: User, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(at(120), tick=False)  # nobody checked at 100
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    timer = SlaTimer.objects.get(ticket=ticket, kind=TimerKind.RESOLUTION)
    assert timer.breached_at == at(100)
    assert str(check_sla_timers()) == "warned 0, breached 1"
    assert len(events("sla.SlaBreached")) == 1
    assert str(check_sla_timers()) == "warned 0, breached 0"


def test_breach_when_escalation_is_impossible_is_recorded_not_fatal(
    strict: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    # No second line exists: escalation has nowhere to go.
    time_machine.move_to(T0, tick=False)
    ticket = open_ticket(
        actor=operator, subject="Не работает домофон", channel=Channel.PHONE, contact=contact, queue=line1
    )
    time_machine.move_to(at(101), tick=False)
    assert str(check_sla_timers()) == "warned 0, breached 1"
    timer = SlaTimer.objects.get(ticket=ticket, kind=TimerKind.RESOLUTION)
    failed = SlaTimerEvent.objects.get(timer=timer, action="action_failed")
    assert failed.note.startswith("эскалация:")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.CRITICAL
    assert events("sla.SlaBreached")[0]["escalated_to_queue_id"] is None


def test_policy_without_notifications_still_publishes_the_fact(
    ticket: Ticket, strict: SlaPolicy, time_machine: TimeMachineFixture
) -> None:
    SlaPolicy.objects.filter(pk=strict.pk).update(notify_on_breach=False)
    time_machine.move_to(at(101), tick=False)
    check_sla_timers()
    assert events("sla.SlaBreached")[0]["notify"] is False


def test_the_periodic_task_runs_once_per_slot(ticket: Ticket, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(at(101), tick=False)
    first = check_sla_timers_task.apply().get()
    second = check_sla_timers_task.apply().get()  # a second beat's tick in the same minute
    assert (first, second) == ("warned 0, breached 1", "skipped")
