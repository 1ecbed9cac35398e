"""Who gets a ticket: manual assignment, taking (one winner), and the automatic modes of a queue."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory, SpecialistFactory
from hotline.desk.choices import AssignmentMode, Channel, Status
from hotline.desk.models import Queue, QueueMembership, Ticket, TicketHistory
from hotline.desk.services.assignment import assign_ticket, take_ticket, unassign_ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import (
    AgentSkillFactory,
    CategoryFactory,
    LineQueueFactory,
    QueueMembershipFactory,
    SkillFactory,
    TicketFactory,
)
from hotline.desk.tests.helpers import assert_trail


@pytest.mark.django_db
class TestManual:
    def test_an_agent_hands_an_unassigned_ticket_to_a_colleague(
        self, operator: User, other_operator: User, ticket: Ticket
    ) -> None:
        ticket = assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
        assert ticket.assignee == other_operator
        assert ticket.assigned_at is not None
        assert_trail(ticket, action="assigned", event="desk.TicketAssigned")

    def test_the_assignee_must_be_an_agent_of_the_queue(
        self, operator: User, specialist: User, customer: User, ticket: Ticket
    ) -> None:
        for stranger in (specialist, customer):
            with pytest.raises(ValidationFailed) as err:
                assign_ticket(actor=operator, ticket=ticket, assignee=stranger)
            assert err.value.field == "assignee_id"

    def test_an_inactive_member_cannot_be_assigned(self, operator: User, other_operator: User, ticket: Ticket) -> None:
        User.objects.filter(pk=other_operator.pk).update(is_active=False)
        other_operator.refresh_from_db()
        with pytest.raises(ValidationFailed):
            assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)

    def test_only_the_lead_takes_a_ticket_away_from_a_colleague(
        self, operator: User, other_operator: User, supervisor: User, ticket: Ticket
    ) -> None:
        assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
        with pytest.raises(Forbidden):
            assign_ticket(actor=operator, ticket=ticket, assignee=operator)
        with pytest.raises(Forbidden):
            unassign_ticket(actor=operator, ticket=ticket)
        ticket = assign_ticket(actor=supervisor, ticket=ticket, assignee=operator)
        assert ticket.assignee == operator

    def test_the_assignee_returns_a_ticket_to_the_queue(self, operator: User, ticket: Ticket) -> None:
        assign_ticket(actor=operator, ticket=ticket, assignee=operator)
        ticket = unassign_ticket(actor=operator, ticket=ticket)
        assert ticket.assignee is None
        assert ticket.assigned_at is None
        assert_trail(ticket, action="unassigned", event="desk.TicketAssigned")

    def test_assigning_none_unassigns(self, operator: User, ticket: Ticket) -> None:
        assign_ticket(actor=operator, ticket=ticket, assignee=operator)
        assert assign_ticket(actor=operator, ticket=ticket, assignee=None).assignee is None

    def test_an_agent_of_another_queue_cannot_assign(self, specialist: User, operator: User, ticket: Ticket) -> None:
        with pytest.raises(NotFound):
            assign_ticket(actor=specialist, ticket=ticket, assignee=operator)

    def test_a_manual_queue_leaves_new_tickets_unassigned(self, operator: User, line1: Queue) -> None:
        ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE)
        assert ticket.assignee is None


@pytest.mark.django_db
class TestTake:
    def test_an_agent_takes_a_free_ticket_and_it_is_now_in_work(self, operator: User, ticket: Ticket) -> None:
        ticket = take_ticket(actor=operator, ticket=ticket)
        assert ticket.assignee == operator
        assert ticket.status == Status.OPEN
        assert_trail(ticket, action="taken", event="desk.TicketAssigned")
        assert_trail(ticket, action="status_changed", event="desk.TicketStatusChanged")

    def test_taking_your_own_ticket_again_changes_nothing(self, operator: User, ticket: Ticket) -> None:
        take_ticket(actor=operator, ticket=ticket)
        rows = TicketHistory.objects.count()
        assert take_ticket(actor=operator, ticket=ticket).assignee == operator
        assert TicketHistory.objects.count() == rows

    def test_a_ticket_someone_holds_is_a_conflict_naming_them(
        self, operator: User, other_operator: User, ticket: Ticket
    ) -> None:
        take_ticket(actor=operator, ticket=ticket)
        stale = Ticket.objects.get(pk=ticket.pk)
        stale.assignee = None  # the page the second agent looked at was loaded before
        with pytest.raises(Conflict) as err:
            take_ticket(actor=other_operator, ticket=stale)
        assert operator.display_name in err.value.message
        assert Ticket.objects.get(pk=ticket.pk).assignee == operator

    def test_an_admin_outside_the_queue_cannot_take(self, admin_user: User, ticket: Ticket) -> None:
        with pytest.raises(Forbidden):
            take_ticket(actor=admin_user, ticket=ticket)

    def test_a_closed_ticket_cannot_be_taken(self, operator: User, ticket: Ticket) -> None:
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
        with pytest.raises(Conflict):
            take_ticket(actor=operator, ticket=ticket)


def _race_to_take(agents: list[User], ticket_id: int) -> dict[int, str]:
    """Each agent takes the ticket in its own thread (own connection), released together by a barrier."""
    barrier = threading.Barrier(len(agents))
    outcome: dict[int, str] = {}

    def take(agent: User) -> None:
        try:
            mine = Ticket.objects.get(pk=ticket_id)
            barrier.wait(timeout=10)
            take_ticket(actor=agent, ticket=mine)
            outcome[agent.pk] = "won"
        except Conflict:
            outcome[agent.pk] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_agents_taking_at_once_exactly_one_wins(line1: Queue) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time, so the takes cannot overlap; the race needs PostgreSQL")
    agents = [OperatorFactory.create(username=f"racer{i}") for i in range(2)]
    for agent in agents:
        QueueMembershipFactory.create(queue=line1, user=agent)
    for _round in range(5):
        ticket = TicketFactory.create(queue=line1)
        outcome = _race_to_take(agents, ticket.pk)
        assert sorted(outcome.values()) == ["conflict", "won"]
        winner = next(pk for pk, result in outcome.items() if result == "won")
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == winner
        assert TicketHistory.objects.filter(ticket=ticket, action="taken").count() == 1


# Automatic modes --------------------------------------------------------------------------------------


def _queue_with(mode: str, *agents: User) -> Queue:
    queue = LineQueueFactory.create(line_level=1, assignment_mode=mode, is_default=True)
    for agent in agents:
        QueueMembershipFactory.create(queue=queue, user=agent)
    return queue


@pytest.mark.django_db
def test_round_robin_goes_around_the_members() -> None:
    a, b, c = (OperatorFactory.create() for _ in range(3))
    queue = _queue_with(AssignmentMode.ROUND_ROBIN, a, b, c)
    got = []
    with time_machine.travel("2025-03-03 09:00 +0300", tick=True):
        for i in range(6):
            ticket = open_ticket(actor=None, subject=f"Заявка {i}", channel=Channel.EMAIL, queue=queue)
            got.append(ticket.assignee)
    assert got == [a, b, c, a, b, c]


@pytest.mark.django_db
def test_round_robin_skips_members_who_do_not_take_tickets_and_inactive_users() -> None:
    a, b, c = (OperatorFactory.create() for _ in range(3))
    queue = _queue_with(AssignmentMode.ROUND_ROBIN, a, b, c)
    QueueMembership.objects.filter(queue=queue, user=b).update(accepts_assignments=False)
    User.objects.filter(pk=c.pk).update(is_active=False)
    for i in range(3):
        assert open_ticket(actor=None, subject=f"Заявка {i}", channel=Channel.EMAIL, queue=queue).assignee == a


@pytest.mark.django_db
def test_least_loaded_picks_the_agent_with_fewest_open_tickets() -> None:
    busy, calm = OperatorFactory.create(), OperatorFactory.create()
    queue = _queue_with(AssignmentMode.LEAST_LOADED, busy, calm)
    TicketFactory.create_batch(3, queue=queue, assignee=busy, status=Status.OPEN)
    TicketFactory.create(queue=queue, assignee=calm, status=Status.OPEN)
    TicketFactory.create_batch(5, queue=queue, assignee=calm, status=Status.CLOSED)  # done work is not load
    ticket = open_ticket(actor=None, subject="Новая", channel=Channel.EMAIL, queue=queue)
    assert ticket.assignee == calm


@pytest.mark.django_db
def test_least_loaded_evens_out_over_a_burst() -> None:
    a, b = OperatorFactory.create(), OperatorFactory.create()
    queue = _queue_with(AssignmentMode.LEAST_LOADED, a, b)
    for i in range(6):
        open_ticket(actor=None, subject=f"Заявка {i}", channel=Channel.EMAIL, queue=queue)
    assert Ticket.objects.filter(assignee=a).count() == Ticket.objects.filter(assignee=b).count() == 3


@pytest.mark.django_db
def test_skills_mode_gives_the_ticket_to_someone_with_the_category_skill() -> None:
    generalist = SpecialistFactory.create()
    novice = SpecialistFactory.create()
    expert = SpecialistFactory.create()
    queue = _queue_with(AssignmentMode.SKILLS, generalist, novice, expert)
    skill_1c = SkillFactory.create(name="1С")
    AgentSkillFactory.create(user=novice, skill=skill_1c, level=1)
    AgentSkillFactory.create(user=expert, skill=skill_1c, level=3)
    accounting = CategoryFactory.create(name="1С: Бухгалтерия", required_skill=skill_1c)
    payroll = CategoryFactory.create(name="Зарплата", parent=accounting)  # inherits the requirement
    ticket = open_ticket(actor=None, subject="Не проводится", channel=Channel.EMAIL, queue=queue, category=payroll)
    assert ticket.assignee == expert  # equal load: the higher level wins
    second = open_ticket(actor=None, subject="Отчёт", channel=Channel.EMAIL, queue=queue, category=payroll)
    assert second.assignee == novice  # the expert now has one more open ticket


@pytest.mark.django_db
def test_skills_mode_leaves_the_ticket_unassigned_when_nobody_has_the_skill() -> None:
    queue = _queue_with(AssignmentMode.SKILLS, SpecialistFactory.create())
    category = CategoryFactory.create(required_skill=SkillFactory.create(name="Linux"))
    ticket = open_ticket(actor=None, subject="Сервер", channel=Channel.EMAIL, queue=queue, category=category)
    assert ticket.assignee is None


@pytest.mark.django_db
def test_skills_mode_without_a_required_skill_falls_back_to_least_loaded() -> None:
    a, b = SpecialistFactory.create(), SpecialistFactory.create()
    queue = _queue_with(AssignmentMode.SKILLS, a, b)
    TicketFactory.create(queue=queue, assignee=a, status=Status.OPEN)
    ticket = open_ticket(actor=None, subject="Общее", channel=Channel.EMAIL, queue=queue)
    assert ticket.assignee == b


@pytest.mark.django_db
def test_an_empty_automatic_queue_leaves_tickets_unassigned() -> None:
    queue = _queue_with(AssignmentMode.ROUND_ROBIN)
    assert open_ticket(actor=None, subject="Тема", channel=Channel.EMAIL, queue=queue).assignee is None
