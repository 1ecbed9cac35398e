"""Escalation up the support lines and transfer to a department."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import AssignmentMode, MessageKind
from hotline.desk.models import Message, Queue, Ticket, TicketHistory
from hotline.desk.selectors import get_ticket_for
from hotline.desk.services.assignment import take_ticket
from hotline.desk.services.escalation import escalate_ticket, transfer_ticket
from hotline.desk.services.tickets import update_ticket
from hotline.desk.tests.factories import DepartmentFactory, LineQueueFactory, QueueMembershipFactory
from hotline.desk.tests.helpers import assert_trail, events_named

pytestmark = pytest.mark.django_db


def test_a_ticket_climbs_the_lines_one_to_two_to_three(
    operator: User, specialist: User, specialist3: User, ticket: Ticket, line2: Queue, line3: Queue
) -> None:
    take_ticket(actor=operator, ticket=ticket)
    ticket = escalate_ticket(actor=operator, ticket=ticket, reason="Нужен доступ к серверу печати")
    assert ticket.queue == line2
    assert ticket.escalation_level == 1
    assert ticket.escalated_at is not None
    assert ticket.assignee is None  # the next line picks it up
    assert_trail(ticket, action="escalated", event="desk.TicketEscalated")
    assert events_named("desk.TicketEscalated")[-1]["reason"] == "Нужен доступ к серверу печати"
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).get()
    assert note.is_internal
    assert "Вторая линия" in note.body_text

    take_ticket(actor=specialist, ticket=ticket)
    ticket = escalate_ticket(actor=specialist, ticket=ticket, reason="Ошибка в драйвере")
    assert ticket.queue == line3
    assert ticket.escalation_level == 2

    with pytest.raises(Conflict) as err:
        escalate_ticket(actor=specialist3, ticket=ticket, reason="Ещё выше")
    assert "3-й линии" in err.value.message


def test_the_operator_who_escalated_still_sees_the_ticket_but_cannot_change_it(
    operator: User, ticket: Ticket, line2: Queue
) -> None:
    take_ticket(actor=operator, ticket=ticket)
    escalate_ticket(actor=operator, ticket=ticket, reason="Сложно")
    assert get_ticket_for(operator, ticket.pk) == ticket
    with pytest.raises(Forbidden):
        update_ticket(actor=operator, ticket=ticket, subject="Моя")


def test_escalation_needs_a_reason(operator: User, ticket: Ticket, line2: Queue) -> None:
    with pytest.raises(ValidationFailed) as err:
        escalate_ticket(actor=operator, ticket=ticket, reason=" ")
    assert err.value.field == "reason"
    assert Ticket.objects.get(pk=ticket.pk).queue_id == ticket.queue_id


def test_without_a_next_line_escalation_says_so(operator: User, ticket: Ticket) -> None:
    with pytest.raises(Conflict):
        escalate_ticket(actor=operator, ticket=ticket, reason="Сложно")


def test_a_configured_escalation_queue_wins(operator: User, ticket: Ticket, line1: Queue, line2: Queue) -> None:
    network = LineQueueFactory.create(name="Сеть (2-я линия)", line_level=2)
    Queue.objects.filter(pk=line1.pk).update(escalation_queue=network)
    ticket.queue.refresh_from_db()
    assert escalate_ticket(actor=operator, ticket=ticket, reason="Сеть").queue == network


def test_escalating_to_a_chosen_queue_must_go_up(
    operator: User, ticket: Ticket, line2: Queue, department: Queue
) -> None:
    sibling = LineQueueFactory.create(line_level=1)
    for target in (sibling, department):
        with pytest.raises(ValidationFailed) as err:
            escalate_ticket(actor=operator, ticket=ticket, reason="Туда", to_queue=target)
        assert err.value.field == "to_queue_id"
    assert escalate_ticket(actor=operator, ticket=ticket, reason="Туда", to_queue=line2).queue == line2


def test_escalation_auto_assigns_in_the_next_line(operator: User, specialist: User, ticket: Ticket) -> None:
    line2 = Queue.objects.get(pk=specialist.queue_memberships.get().queue_id)
    Queue.objects.filter(pk=line2.pk).update(assignment_mode=AssignmentMode.ROUND_ROBIN)
    ticket = escalate_ticket(actor=operator, ticket=ticket, reason="Сложно")
    assert ticket.assignee == specialist


def test_an_agent_of_another_queue_cannot_escalate(specialist: User, ticket: Ticket) -> None:
    with pytest.raises(NotFound):
        escalate_ticket(actor=specialist, ticket=ticket, reason="Не моя")


def test_transfer_to_a_department(operator: User, ticket: Ticket, department: Queue) -> None:
    accountant = QueueMembershipFactory.create(queue=department).user
    take_ticket(actor=operator, ticket=ticket)
    ticket = transfer_ticket(actor=operator, ticket=ticket, to_queue=department, reason="Вопрос по счёту")
    assert ticket.queue == department
    assert ticket.assignee is None
    assert ticket.escalation_level == 0  # a transfer is not an escalation
    assert_trail(ticket, action="transferred", event="desk.TicketTransferred")
    row = TicketHistory.objects.get(ticket=ticket, action="transferred")
    assert (row.old_value, row.new_value, row.reason) == ("Первая линия", "Бухгалтерия", "Вопрос по счёту")
    assert get_ticket_for(accountant, ticket.number) == ticket


@pytest.mark.parametrize("case", ["same", "inactive", "no_reason"])
def test_transfer_refusals(operator: User, ticket: Ticket, line1: Queue, case: str) -> None:
    target = {"same": line1, "inactive": DepartmentFactory.create(is_active=False)}.get(case) or (
        DepartmentFactory.create()
    )
    with pytest.raises(ValidationFailed):
        transfer_ticket(actor=operator, ticket=ticket, to_queue=target, reason="" if case == "no_reason" else "Причина")


def test_a_department_escalates_only_where_configured(operator: User, ticket: Ticket, department: Queue) -> None:
    QueueMembershipFactory.create(queue=department, user=operator)
    transfer_ticket(actor=operator, ticket=ticket, to_queue=department, reason="Бухгалтерия")
    with pytest.raises(Conflict):
        escalate_ticket(actor=operator, ticket=ticket, reason="Выше")
