"""Policy matching and its order, due times on the office calendar, the state selector and compliance figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import QuerySet
from pytest_django import DjangoAssertNumQueries
from time_machine import TimeMachineFixture

from hotline.core.calendar.api import get_calendar
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import BusinessCalendar, User
from hotline.customers.models import Contact, Organisation
from hotline.customers.models import Tag as CustomerTag
from hotline.desk.choices import Channel, Priority, Status
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.services.categories import save_category
from hotline.desk.services.messages import add_reply
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import change_status
from hotline.desk.tests.factories import CategoryFactory, OrganisationFactory
from hotline.sla import selectors
from hotline.sla.matching import match_policy
from hotline.sla.models import SlaTimer, TimerKind
from hotline.sla.services.checks import check_sla_timers
from hotline.sla.services.policies import reorder_policies, save_policy
from hotline.sla.tests.factories import SlaPolicyFactory

MSK = ZoneInfo("Europe/Moscow")


def _open(actor: User, contact: Contact, queue: Queue, **kwargs: Any) -> Ticket:
    return open_ticket(actor=actor, subject="Протечка", channel=Channel.PHONE, contact=contact, queue=queue, **kwargs)


# --- matching -----------------------------------------------------------------------------------------------------
def test_first_matching_policy_wins_in_the_administrators_order(
    admin_user: User, round_the_clock: BusinessCalendar, operator: User, contact: Contact, line1: Queue
) -> None:
    general = save_policy(actor=admin_user, name="Общая", calendar=round_the_clock, resolution_minutes=480)
    phone = save_policy(
        actor=admin_user, name="Звонки", calendar=round_the_clock, channels=["phone"], resolution_minutes=120
    )
    assert [p.name for p in selectors.list_policies()] == ["Общая", "Звонки"]
    ticket = _open(operator, contact, line1)
    assert match_policy(ticket) == general  # both match; the general one is first

    reorder_policies(actor=admin_user, policy_ids=[phone.pk])
    assert [p.name for p in selectors.list_policies()] == ["Звонки", "Общая"]
    assert match_policy(ticket) == phone
    # Deactivated as the administrator does it (through the service; matching reads a per-process cache that a
    # bare QuerySet.update() would not invalidate).
    save_policy(
        actor=admin_user,
        policy=phone,
        name="Звонки",
        calendar=round_the_clock,
        channels=["phone"],
        resolution_minutes=120,
        is_active=False,
    )
    assert match_policy(ticket) == general


def test_every_condition_narrows_the_match(
    round_the_clock: BusinessCalendar,
    operator: User,
    contact: Contact,
    organisation: Organisation,
    line1: Queue,
    line2: Queue,
) -> None:
    parent = CategoryFactory.create(name="Отопление")
    child: Category = CategoryFactory.create(name="Батареи", parent=parent)
    vip = CustomerTag.objects.create(name="VIP")
    policy = SlaPolicyFactory.create(
        calendar=round_the_clock, priorities=[Priority.MEDIUM], channels=["phone", "email"]
    )
    policy.queues.set([line1])
    policy.categories.set([parent])
    policy.organisations.set([organisation])
    policy.customer_tags.set([vip])
    ticket = _open(operator, contact, line1, category=child)
    assert match_policy(ticket) is None  # the customer is not VIP
    organisation.tags.add(vip)
    assert match_policy(ticket) == policy  # subcategory of «Отопление», VIP through the organisation
    for field, value in (("priority", Priority.LOW), ("channel", "portal"), ("queue", line2), ("organisation", None)):
        original = getattr(ticket, field)
        setattr(ticket, field, value)
        assert match_policy(ticket) is None, field
        setattr(ticket, field, original)
    ticket.category = None
    assert match_policy(ticket) is None


def test_conditions_changed_after_tickets_were_matched_apply_at_once(
    admin_user: User, round_the_clock: BusinessCalendar, operator: User, contact: Contact, line1: Queue, line2: Queue
) -> None:
    """Matching reads a per-process copy of the policies (core.config_cache); every change is seen at once."""
    heating = CategoryFactory.create(name="Отопление")
    radiators: Category = CategoryFactory.create(name="Батареи", parent=heating)
    policy = SlaPolicyFactory.create(calendar=round_the_clock)
    policy.queues.set([line2])
    ticket = _open(operator, contact, line1, category=radiators)
    assert match_policy(ticket) is None
    policy.queues.add(line1)
    assert match_policy(ticket) == policy
    policy.categories.set([heating])
    assert match_policy(ticket) == policy
    # Moving a category rewrites its subtree's paths: the policy's condition follows the move.
    building = CategoryFactory.create(name="Дом")
    save_category(actor=admin_user, category=heating, name="Отопление", parent=building)
    ticket.refresh_from_db()
    assert match_policy(ticket) == policy
    elsewhere = OrganisationFactory.create(name="Другая")
    policy.organisations.set([elsewhere])
    assert match_policy(ticket) is None
    elsewhere.delete()  # the condition goes with it (a cascade into the policy's conditions)
    assert match_policy(ticket) == policy
    policy.delete()
    assert match_policy(ticket) is None


def test_policy_rules(admin_user: User, operator: User) -> None:
    with pytest.raises(Forbidden):
        save_policy(actor=operator, name="Моя", resolution_minutes=60)
    with pytest.raises(ValidationFailed) as no_target:
        save_policy(actor=admin_user, name="Пустая")
    assert no_target.value.field == "resolution_minutes"
    with pytest.raises(ValidationFailed) as share:
        save_policy(actor=admin_user, name="Ошибка", resolution_minutes=60, warning_percent=100)
    assert share.value.field == "warning_percent"
    with pytest.raises(ValidationFailed) as channel:
        save_policy(actor=admin_user, name="Ошибка", resolution_minutes=60, channels=["pigeon"])
    assert channel.value.field == "channels"


def test_changing_a_policys_target_moves_running_due_times(
    admin_user: User,
    round_the_clock: BusinessCalendar,
    operator: User,
    contact: Contact,
    line1: Queue,
    time_machine: TimeMachineFixture,
) -> None:
    start = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)
    time_machine.move_to(start, tick=False)
    policy = save_policy(actor=admin_user, name="Общая", calendar=round_the_clock, resolution_minutes=480)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(start + timedelta(minutes=60), tick=False)
    save_policy(actor=admin_user, policy=policy, name="Общая", calendar=round_the_clock, resolution_minutes=240)
    assert SlaTimer.objects.get(ticket=ticket).due_at == start + timedelta(minutes=240)


# --- business time --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("opened", "minutes", "due"),
    [
        # Friday evening → Saturday 28.12.2024, a working day moved from Monday 30.12.
        (datetime(2024, 12, 27, 17, 0, tzinfo=MSK), 120, datetime(2024, 12, 28, 10, 0, tzinfo=MSK)),
        # 11.06.2025 is a short day, 12.06 Russia Day, 13.06 a day off moved from 1.11, then the weekend.
        (datetime(2025, 6, 11, 17, 0, tzinfo=MSK), 120, datetime(2025, 6, 16, 11, 0, tzinfo=MSK)),
        # New Year holidays: 30.12.2024 (Monday) to 08.01.2025 are off.
        (datetime(2024, 12, 28, 17, 0, tzinfo=MSK), 120, datetime(2025, 1, 9, 10, 0, tzinfo=MSK)),
        # Lunch 13:00–14:00 does not count.
        (datetime(2025, 3, 4, 12, 30, tzinfo=MSK), 60, datetime(2025, 3, 4, 14, 30, tzinfo=MSK)),
    ],
)
def test_due_times_in_business_time_across_weekends_and_holidays(
    office: BusinessCalendar,
    operator: User,
    contact: Contact,
    line1: Queue,
    time_machine: TimeMachineFixture,
    opened: datetime,
    minutes: int,
    due: datetime,
) -> None:
    SlaPolicyFactory.create(calendar=None, first_response_minutes=None, resolution_minutes=minutes)  # default calendar
    time_machine.move_to(opened, tick=False)
    ticket = _open(operator, contact, line1)
    assert SlaTimer.objects.get(ticket=ticket, kind=TimerKind.RESOLUTION).due_at == due


def test_a_weekend_pause_does_not_eat_business_time(
    office: BusinessCalendar, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    SlaPolicyFactory.create(first_response_minutes=None, resolution_minutes=16 * 60)
    time_machine.move_to(datetime(2025, 3, 7, 10, 0, tzinfo=MSK), tick=False)  # Friday
    ticket = _open(operator, contact, line1)
    time_machine.move_to(datetime(2025, 3, 7, 12, 0, tzinfo=MSK), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    time_machine.move_to(datetime(2025, 3, 9, 20, 0, tzinfo=MSK), tick=False)  # Sunday evening
    add_reply(actor=None, ticket=ticket, body_text="Вот фото")
    timer = SlaTimer.objects.get(ticket=ticket, kind=TimerKind.RESOLUTION)
    assert timer.elapsed_seconds == 2 * 3600
    # 14 business hours left from Monday 09:00: Monday 8 h; Tuesday 09–13 and 14–16 (the lunch hour does not count).
    assert timer.due_at == datetime(2025, 3, 11, 16, 0, tzinfo=MSK)


# --- state ------------------------------------------------------------------------------------------------------------
@pytest.fixture
def five_tickets(
    round_the_clock: BusinessCalendar, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> list[Ticket]:
    SlaPolicyFactory.create(
        calendar=round_the_clock, first_response_minutes=None, resolution_minutes=100, warning_percent=50
    )
    start = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)
    tickets = []
    for offset in (0, 30, 60, 90, 120):
        time_machine.move_to(start + timedelta(minutes=offset), tick=False)
        tickets.append(_open(operator, contact, line1))
    return tickets


def test_state_for_many_tickets_in_one_query(
    five_tickets: list[Ticket],
    operator: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    time_machine: TimeMachineFixture,
) -> None:
    a, b, c, d, e = five_tickets
    time_machine.move_to(datetime(2025, 3, 3, 12, 0, tzinfo=MSK), tick=False)
    change_status(actor=operator, ticket=e, status=Status.PENDING_CUSTOMER)
    change_status(actor=operator, ticket=d, status=Status.RESOLVED)
    no_sla = Ticket.objects.create(subject="Старая", queue=a.queue, channel="phone")
    get_calendar(SlaTimer.objects.first().policy.calendar_id)  # type: ignore[union-attr]  # warm the calendar cache
    with django_assert_num_queries(1):
        states = selectors.sla_state_for([t.pk for t in five_tickets] + [no_sla.pk])
    assert {pk: state.state for pk, state in states.items()} == {
        a.pk: "breached",  # due 11:40
        b.pk: "at_risk",  # warned from 11:20, due 12:10
        c.pk: "at_risk",  # warned from 11:50, due 12:40
        d.pk: "met",
        e.pk: "paused",
        no_sla.pk: "none",
    }
    assert states[a.pk].minutes_left == -20
    assert states[b.pk].minutes_left == 10
    assert states[e.pk].minutes_left == 100
    assert states[a.pk].kind == TimerKind.RESOLUTION


def test_queue_pages_by_sla_due_follow_the_sorted_order(
    five_tickets: list[Ticket], operator: User, time_machine: TimeMachineFixture
) -> None:
    # The queue page reads the SLA order page by page from the timers' index: the same tickets in the same
    # order as sorting them all, across the boundary to the tickets with no running timer, both directions.
    a, _, c, _, e = five_tickets
    time_machine.move_to(datetime(2025, 3, 3, 11, 45, tzinfo=MSK), tick=False)
    change_status(actor=operator, ticket=e, status=Status.PENDING_CUSTOMER)  # paused: no running timer
    add_reply(actor=operator, ticket=c, body_text="Смотрим")  # first response stopped: resolution still runs
    no_sla = Ticket.objects.create(subject="Без SLA", queue=a.queue, channel="phone")
    everything: QuerySet[Ticket] = Ticket.objects.filter(pk__in=[t.pk for t in five_tickets] + [no_sla.pk])
    for descending in (False, True):
        expected = list(selectors.order_by_sla_due(everything, descending=descending).values_list("pk", flat=True))
        pages = selectors.TicketsBySlaDue(everything, descending=descending)
        assert pages.count() == len(expected) == 6
        for size in (1, 2, 4, 6):
            got = [t.pk for start in range(0, 6, size) for t in pages[start : start + size]]
            assert got == expected, (descending, size)
        assert [t.pk for t in pages[4:6]] == expected[4:6]
        assert pages[6:10] == []
    first = selectors.TicketsBySlaDue(everything)[0:1][0]
    assert first.sla_due_at == SlaTimer.objects.filter(ticket=first, status="running").order_by("due_at")[0].due_at  # type: ignore[attr-defined]


def test_sort_and_filter_tickets_by_sla(five_tickets: list[Ticket], time_machine: TimeMachineFixture) -> None:
    a, b, c, d, e = five_tickets
    now = datetime(2025, 3, 3, 11, 45, tzinfo=MSK)
    time_machine.move_to(now, tick=False)
    everything: QuerySet[Ticket] = Ticket.objects.filter(pk__in=[t.pk for t in five_tickets])
    assert [t.pk for t in selectors.order_by_sla_due(everything)] == [a.pk, b.pk, c.pk, d.pk, e.pk]
    assert next(t.pk for t in selectors.order_by_sla_due(everything, descending=True)) == e.pk
    states = selectors.sla_state_for([t.pk for t in five_tickets], now=now)
    for state in ("breached", "at_risk", "on_track"):
        filtered = {t.pk for t in selectors.filter_by_sla_state(everything, state, now=now)}
        assert filtered == {pk for pk, s in states.items() if s.state == state}, state
    assert {t.pk for t in selectors.filter_by_sla_state(everything, "breached", now=now)} == {a.pk}
    with pytest.raises(ValidationFailed):
        selectors.filter_by_sla_state(everything, "late")


# --- compliance -----------------------------------------------------------------------------------------------------
def test_compliance_per_queue_agent_line_and_month(
    round_the_clock: BusinessCalendar,
    operator: User,
    contact: Contact,
    line1: Queue,
    time_machine: TimeMachineFixture,
) -> None:
    SlaPolicyFactory.create(calendar=round_the_clock, first_response_minutes=30, resolution_minutes=None)
    start = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)
    for answer_after in (10, 20, 45):  # two in time, one late
        time_machine.move_to(start, tick=False)
        ticket = _open(operator, contact, line1, assignee=operator)
        time_machine.move_to(start + timedelta(minutes=answer_after), tick=False)
        add_reply(actor=operator, ticket=ticket, body_text="Ответ")
    time_machine.move_to(datetime(2025, 4, 1, 10, 0, tzinfo=MSK), tick=False)
    late = _open(operator, contact, line1, assignee=operator)
    time_machine.move_to(datetime(2025, 4, 1, 11, 0, tzinfo=MSK), tick=False)
    check_sla_timers()  # April's ticket is breached, unanswered yet
    start, end = datetime(2025, 3, 1, tzinfo=MSK), datetime(2025, 5, 1, tzinfo=MSK)
    [by_queue] = selectors.compliance(start=start, end=end, group_by=["queue"])
    assert (by_queue.key, by_queue.total, by_queue.met, by_queue.breached) == ({"queue": line1.pk}, 4, 2, 2)
    assert by_queue.labels == {"queue": line1.name}
    assert by_queue.percent == 50.0
    months = selectors.compliance(start=start, end=end, group_by=["month", "agent"])
    assert [(r.key["month"], r.key["agent"], r.met, r.breached) for r in months] == [
        ("2025-03", operator.pk, 2, 1),
        ("2025-04", operator.pk, 0, 1),
    ]
    [line] = selectors.compliance(start=start, end=end, group_by=["line"], kind=TimerKind.FIRST_RESPONSE)
    assert line.key == {"line": 1}
    assert late.pk
    with pytest.raises(ValidationFailed):
        selectors.compliance(start=start, end=end, group_by=["colour"])
