"""Who sees which tickets: the selectors and the predicates, and what list pages cost."""

from __future__ import annotations

import datetime

import pytest
from pytest_django import DjangoAssertNumQueries

from hotline.core.errors import NotFound, ValidationFailed
from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory, SupervisorFactory
from hotline.customers.models import Contact, Organisation
from hotline.desk import permissions
from hotline.desk.choices import Channel, QueueRole, Status
from hotline.desk.models import Queue, Ticket, TicketHistory
from hotline.desk.selectors import (
    get_ticket_for,
    list_categories,
    list_messages,
    list_queues_for,
    list_tickets,
    parse_ticket_ref,
    ticket_history,
    visible_tickets,
)
from hotline.desk.services.assignment import assign_ticket
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import change_status
from hotline.desk.tests.factories import (
    CategoryFactory,
    ContactFactory,
    QueueMembershipFactory,
    TagFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def test_a_customer_cannot_fetch_another_customers_ticket(ticket: Ticket, other_customer: User) -> None:
    with pytest.raises(NotFound) as forbidden:
        get_ticket_for(other_customer, ticket.pk)
    with pytest.raises(NotFound) as missing:
        get_ticket_for(other_customer, 999_999)
    # Missing and forbidden are one answer: ids cannot be probed.
    assert (forbidden.value.code, forbidden.value.message) == (missing.value.code, missing.value.message)


def test_an_operator_cannot_fetch_a_ticket_of_a_queue_they_are_not_in(operator: User, line2: Queue) -> None:
    foreign = TicketFactory.create(queue=line2)
    with pytest.raises(NotFound) as forbidden:
        get_ticket_for(operator, foreign.pk)
    with pytest.raises(NotFound) as missing:
        get_ticket_for(operator, foreign.pk + 1000)
    assert str(forbidden.value) == str(missing.value)


def test_tickets_are_fetched_by_id_or_number(operator: User, ticket: Ticket) -> None:
    for ref in (ticket.pk, str(ticket.pk), ticket.number, ticket.number.lower(), f" {ticket.number} "):
        assert get_ticket_for(operator, ref) == ticket
    for ref in ("XX-000001", "abc", "", -1, 0, "HL-", True):
        with pytest.raises(NotFound):
            get_ticket_for(operator, ref)


def test_parse_ticket_ref() -> None:
    assert parse_ticket_ref("HL-000123") == 123
    assert parse_ticket_ref("123") == 123
    assert parse_ticket_ref("HL-99999999999999999999") is None


@pytest.fixture
def world(line1: Queue, line2: Queue, organisation: Organisation) -> dict[str, Ticket]:
    """Tickets in two queues for two customers of one organisation and an outsider."""
    alice = ContactFactory.create(organisation=organisation)
    bob = ContactFactory.create(organisation=organisation)
    outsider = ContactFactory.create()
    return {
        "alice_l1": TicketFactory.create(queue=line1, contact=alice, organisation=organisation),
        "bob_l1": TicketFactory.create(queue=line1, contact=bob, organisation=organisation),
        "bob_l2": TicketFactory.create(queue=line2, contact=bob, organisation=organisation),
        "outsider_l2": TicketFactory.create(queue=line2, contact=outsider),
    }


def _visible(user: User) -> set[int]:
    return set(visible_tickets(user).values_list("pk", flat=True))


def test_visibility_by_role(world: dict[str, Ticket], line1: Queue, line2: Queue, admin_user: User) -> None:
    operator = OperatorFactory.create()
    QueueMembershipFactory.create(queue=line1, user=operator)
    assert _visible(operator) == {world["alice_l1"].pk, world["bob_l1"].pk}

    # Assigned to them from elsewhere, or watching: they see it too.
    world["outsider_l2"].assignee = operator
    world["outsider_l2"].save(update_fields=["assignee"])
    world["bob_l2"].watchers.add(operator)
    assert _visible(operator) == {t.pk for t in world.values()}

    lead = SupervisorFactory.create()
    QueueMembershipFactory.create(queue=line2, user=lead, role=QueueRole.LEAD)
    assert _visible(lead) == {world["bob_l2"].pk, world["outsider_l2"].pk}

    assert _visible(admin_user) == {t.pk for t in world.values()}


def test_filtering_by_a_queue_shows_what_the_agent_may_see_of_it(
    world: dict[str, Ticket], line1: Queue, line2: Queue
) -> None:
    operator = OperatorFactory.create()
    QueueMembershipFactory.create(queue=line1, user=operator)
    world["outsider_l2"].watchers.add(operator)

    def listed(queue: Queue) -> set[int]:
        return set(list_tickets(operator, queue_id=queue.pk).values_list("pk", flat=True))

    assert listed(line1) == {world["alice_l1"].pk, world["bob_l1"].pk}  # my queue: all of it
    assert listed(line2) == {world["outsider_l2"].pk}  # another queue: only what I watch there


def test_customers_see_their_own_and_with_permission_their_organisations(world: dict[str, Ticket]) -> None:
    alice = world["alice_l1"].contact
    assert alice is not None
    user = CustomerUserFactory.create()
    Contact.objects.filter(pk=alice.pk).update(user=user)
    user.refresh_from_db()
    assert _visible(user) == {world["alice_l1"].pk}
    Contact.objects.filter(pk=alice.pk).update(can_view_organisation_tickets=True)
    user = User.objects.get(pk=user.pk)
    assert _visible(user) == {world["alice_l1"].pk, world["bob_l1"].pk, world["bob_l2"].pk}


def test_inactive_and_profile_less_users_see_nothing(world: dict[str, Ticket], line1: Queue) -> None:
    gone = OperatorFactory.create(is_active=False)
    QueueMembershipFactory.create(queue=line1, user=gone)
    assert _visible(gone) == set()
    assert _visible(CustomerUserFactory.create()) == set()


def test_the_predicate_and_the_selector_agree(world: dict[str, Ticket], line1: Queue, admin_user: User) -> None:
    operator = OperatorFactory.create()
    QueueMembershipFactory.create(queue=line1, user=operator)
    customer = CustomerUserFactory.create()
    contact = world["bob_l1"].contact
    assert contact is not None
    Contact.objects.filter(pk=contact.pk).update(user=customer)
    customer = User.objects.get(pk=customer.pk)
    world["outsider_l2"].watcher_contacts.add(contact)  # copied on someone else's ticket
    for user in (operator, customer, admin_user):
        visible = _visible(user)
        for ticket in world.values():
            assert permissions.can_view_ticket(user, ticket) == (ticket.pk in visible), (user, ticket)


def test_only_agents_of_the_queue_may_work(world: dict[str, Ticket], line1: Queue) -> None:
    operator = OperatorFactory.create()
    QueueMembershipFactory.create(queue=line1, user=operator)
    world["bob_l2"].watchers.add(operator)
    assert permissions.can_work_on_ticket(operator, world["alice_l1"])
    assert permissions.can_view_ticket(operator, world["bob_l2"])
    assert not permissions.can_work_on_ticket(operator, world["bob_l2"])


def test_customers_never_see_internal_notes_or_system_lines(
    operator: User, customer: User, ticket: Ticket, line2: Queue
) -> None:
    add_reply(actor=operator, ticket=ticket, body_text="Ответ")
    add_note(actor=operator, ticket=ticket, body_text="Секрет")
    assert [m.body_text for m in list_messages(customer, ticket)] == ["Ответ"]
    assert {m.body_text for m in list_messages(operator, ticket)} == {"Ответ", "Секрет"}
    with pytest.raises(NotFound):
        list_messages(OperatorFactory.create(), ticket)


def test_customers_see_only_where_their_request_stands_in_the_history(
    operator: User, customer: User, other_operator: User, ticket: Ticket
) -> None:
    assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_THIRD_PARTY, reason="ждём поставщика")
    staff = [(h.action, h.field) for h in ticket_history(operator, ticket)]
    assert ("assigned", "assignee") in staff
    assert [(h.action, h.field) for h in ticket_history(customer, ticket)] == [("status_changed", "status")]
    assert TicketHistory.objects.filter(ticket=ticket).count() == len(staff)


def test_queues_and_categories_lists(operator: User, customer: User, line1: Queue, admin_user: User) -> None:
    hidden = Queue.objects.create(name="Архив", slug="archive", is_active=False)
    assert line1 in list_queues_for(operator)
    assert hidden not in list_queues_for(operator)
    assert hidden in list_queues_for(admin_user)
    assert not list_queues_for(customer).exists()
    parent = CategoryFactory.create(name="Я-последняя")
    child = CategoryFactory.create(name="А-первая", parent=parent)
    CategoryFactory.create(name="Отключена", is_active=False)
    assert list(list_categories()) == [parent, child]  # a parent before its children


# Filters --------------------------------------------------------------------------------------------


def test_list_filters(operator: User, line1: Queue, customer: User) -> None:
    printers = CategoryFactory.create(name="Принтеры")
    laser = CategoryFactory.create(name="Лазерные", parent=printers)
    a = open_ticket(actor=operator, subject="Принтер не печатает", channel=Channel.PHONE, category=laser, tags=["vip"])
    b = open_ticket(actor=customer, subject="Нет воды", channel=Channel.PORTAL)
    assign_ticket(actor=operator, ticket=a, assignee=operator)
    change_status(actor=operator, ticket=b, status=Status.OPEN)

    def ids(**filters: object) -> list[int]:
        return [t.pk for t in list_tickets(operator, **filters)]  # type: ignore[arg-type]

    assert ids() == [b.pk, a.pk]  # newest first
    assert ids(status=Status.OPEN) == [b.pk]
    assert ids(status=[Status.OPEN, Status.NEW]) == [b.pk, a.pk]
    assert ids(category_id=printers.pk) == [a.pk]  # subcategories included
    assert ids(assignee_id=operator.pk) == [a.pk]
    assert ids(unassigned=True) == [b.pk]
    assert ids(channel=Channel.PORTAL) == [b.pk]
    assert ids(tag=" VIP ") == [a.pk]
    assert ids(contact_id=customer.contact.pk) == [b.pk]
    assert ids(q=a.number) == [a.pk]
    assert ids(q="принтер") == [a.pk]  # lower case finds «Принтер» on SQLite too
    assert ids(q=customer.contact.full_name.split()[0].upper()) == [b.pk]
    with pytest.raises(ValidationFailed):
        ids(status="sleeping")


# Query counts -----------------------------------------------------------------------------------------


def _render_rows(tickets: list[Ticket]) -> list[tuple[object, ...]]:
    """What a list row shows."""
    return [
        (
            t.number,
            t.queue.name,
            t.assignee.display_name if t.assignee else "",
            t.contact.full_name if t.contact else "",
            t.organisation.name if t.organisation else "",
            t.category.name if t.category else "",
            [tag.name for tag in t.tags.all()],
        )
        for t in tickets
    ]


def _make_tickets(n: int, queue: Queue, agent: User) -> None:
    category = CategoryFactory.create()
    tags = [TagFactory.create(), TagFactory.create()]
    for ticket in TicketFactory.create_batch(n, queue=queue, assignee=agent, category=category):
        ticket.organisation = ticket.contact.organisation if ticket.contact else None
        ticket.tags.set(tags)


@pytest.mark.parametrize("n", [5, 50])
def test_a_list_page_costs_the_same_queries_for_5_or_50_tickets(
    n: int, operator: User, line1: Queue, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _make_tickets(n, line1, operator)
    with django_assert_num_queries(2):  # the tickets with their joins, then their tags
        rows = _render_rows(list(list_tickets(operator)))
    assert len(rows) == n


@pytest.mark.parametrize("n", [5, 50])
def test_a_customers_list_page_costs_the_same(
    n: int, customer: User, line1: Queue, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for ticket in TicketFactory.create_batch(n, queue=line1, contact=customer.contact):
        ticket.tags.add(TagFactory.create())
    with django_assert_max_num_queries(3):
        rows = _render_rows(list(list_tickets(customer)))
    assert len(rows) == n


@pytest.mark.parametrize("n", [5, 50])
def test_a_timeline_costs_the_same_for_5_or_50_messages(
    n: int, operator: User, ticket: Ticket, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for i in range(n):
        add_reply(actor=operator, ticket=ticket, body_text=f"Сообщение {i}")
    with django_assert_max_num_queries(4):
        messages = list_messages(operator, ticket)
        _ = [(m.author_user, m.author_contact, list(m.attachments.all())) for m in messages]
    assert len(messages) == n


def test_date_filters_take_whole_days_in_local_time(operator: User, line1: Queue) -> None:
    # 31 May 23:30 in Moscow is still 31 May for the person filtering, though 20:30 UTC.
    late = TicketFactory.create(queue=line1, created_at=datetime.datetime(2025, 5, 31, 20, 30, tzinfo=datetime.UTC))
    june = TicketFactory.create(queue=line1, created_at=datetime.datetime(2025, 5, 31, 21, 30, tzinfo=datetime.UTC))
    may = [
        t.pk
        for t in list_tickets(operator, created_from=datetime.date(2025, 5, 1), created_to=datetime.date(2025, 5, 31))
    ]
    assert may == [late.pk]
    assert [t.pk for t in list_tickets(operator, created_from=datetime.date(2025, 6, 1))] == [june.pk]
