"""Opening tickets and changing their fields, through the services."""

from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.desk.choices import (
    Channel,
    CustomFieldType,
    Impact,
    LinkKind,
    MessageKind,
    Priority,
    Status,
    Urgency,
)
from hotline.desk.models import Category, Message, PriorityRule, Queue, Ticket, TicketHistory, TicketLink
from hotline.desk.services.tickets import (
    change_category,
    change_priority,
    open_ticket,
    set_contact,
    set_custom_fields,
    set_tags,
    update_ticket,
)
from hotline.desk.tests.factories import (
    CategoryFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    LineQueueFactory,
    OrganisationFactory,
    QueueMembershipFactory,
)
from hotline.desk.tests.helpers import assert_trail, events_named

pytestmark = pytest.mark.django_db


def test_an_operator_opens_a_phone_ticket_for_a_caller(operator: User, contact: Contact, line1: Queue) -> None:
    ticket = open_ticket(
        actor=operator,
        subject="  Не  работает принтер ",
        description="В бухгалтерии не печатает HP.",
        channel=Channel.PHONE,
        contact=contact,
    )
    assert ticket.number == f"HL-{ticket.pk:06d}"
    assert ticket.subject == "Не работает принтер"
    assert ticket.queue == line1  # no rule matched: the default queue
    assert ticket.status == Status.NEW
    assert ticket.organisation == contact.organisation
    assert ticket.created_by == operator
    assert (ticket.impact, ticket.urgency, ticket.priority) == (Impact.MEDIUM, Urgency.MEDIUM, Priority.MEDIUM)
    first = Message.objects.get(ticket=ticket)
    # The caller's words, typed by the operator.
    assert (first.kind, first.is_internal, first.author_contact, first.author_user) == (
        MessageKind.REPLY,
        False,
        contact,
        None,
    )
    assert first.body_text == "В бухгалтерии не печатает HP."
    assert_trail(ticket, action="opened", event="desk.TicketOpened")
    assert AuditLog.objects.get(object_type="desk.ticket", object_id=str(ticket.pk)).action == AuditLog.Action.CREATE


def test_a_customer_opens_a_ticket_as_themselves(customer: User, line1: Queue) -> None:
    ticket = open_ticket(actor=customer, subject="Нет горячей воды", channel=Channel.PORTAL)
    assert ticket.contact == customer.contact
    assert ticket.organisation == customer.contact.organisation


def test_a_customer_cannot_pick_a_queue_an_assignee_or_another_contact(
    customer: User, contact: Contact, line1: Queue, operator: User
) -> None:
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=customer, subject="x", channel=Channel.PORTAL, queue=line1)
    assert err.value.field == "queue_id"
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=customer, subject="x", channel=Channel.PORTAL, assignee=operator)
    assert err.value.field == "assignee_id"
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=customer, subject="x", channel=Channel.PORTAL, contact=contact)
    assert err.value.field == "contact_id"


def test_a_customer_account_without_a_profile_is_refused(line1: Queue) -> None:
    from hotline.core.tests.factories import CustomerUserFactory

    lonely = CustomerUserFactory.create()
    with pytest.raises(Forbidden):
        open_ticket(actor=lonely, subject="x", channel=Channel.PORTAL)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"subject": "я" * 256}, "subject"),
        ({"channel": "pigeon"}, "channel"),
        ({"impact": 7}, "impact"),
        ({"urgency": 0}, "urgency"),
        ({"tags": ["x" * 65]}, "tags"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    operator: User, line1: Queue, kwargs: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"subject": "Тема", "channel": Channel.PHONE, **kwargs}
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=operator, **values)  # type: ignore[arg-type]
    assert err.value.field == field
    assert not Ticket.objects.exists()


def test_without_rules_or_a_default_queue_opening_says_so(operator: User, line1: Queue) -> None:
    Queue.objects.filter(pk=line1.pk).update(is_default=False)
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE)
    assert err.value.field == "queue_id"


def test_an_explicit_queue_and_member_assignee_are_used(operator: User, line1: Queue) -> None:
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, queue=line1, assignee=operator)
    assert ticket.assignee == operator
    assert ticket.assigned_at is not None
    assert events_named("desk.TicketAssigned")[-1]["assignee_id"] == operator.pk


def test_an_assignee_outside_the_queue_is_refused(operator: User, line1: Queue, specialist: User) -> None:
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, queue=line1, assignee=specialist)
    assert err.value.field == "assignee_id"


def test_an_operator_filing_to_another_line_keeps_watching(operator: User, line1: Queue, line2: Queue) -> None:
    ticket = open_ticket(actor=operator, subject="Сразу на вторую", channel=Channel.PHONE, queue=line2)
    assert list(ticket.watchers.all()) == [operator]


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        (Impact.HIGH, Urgency.HIGH, Priority.CRITICAL),
        (Impact.HIGH, Urgency.MEDIUM, Priority.HIGH),
        (Impact.MEDIUM, Urgency.HIGH, Priority.HIGH),
        (Impact.MEDIUM, Urgency.MEDIUM, Priority.MEDIUM),
        (Impact.LOW, Urgency.LOW, Priority.LOW),
    ],
)
def test_priority_comes_from_the_default_matrix(
    operator: User, line1: Queue, impact: int, urgency: int, priority: int
) -> None:
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, impact=impact, urgency=urgency)
    assert ticket.priority == priority


def test_an_administrator_overrides_a_matrix_cell(operator: User, admin_user: User, line1: Queue) -> None:
    from hotline.desk.services.priority import set_priority_rule

    set_priority_rule(actor=admin_user, impact=Impact.LOW, urgency=Urgency.HIGH, priority=Priority.CRITICAL)
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, impact=Impact.LOW, urgency=Urgency.HIGH)
    assert ticket.priority == Priority.CRITICAL
    set_priority_rule(actor=admin_user, impact=Impact.LOW, urgency=Urgency.HIGH, priority=None)
    assert not PriorityRule.objects.exists()
    with pytest.raises(Forbidden):
        set_priority_rule(actor=operator, impact=Impact.LOW, urgency=Urgency.HIGH, priority=Priority.LOW)


def test_tags_are_trimmed_lower_cased_and_deduplicated(operator: User, line1: Queue) -> None:
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, tags=[" VIP ", "vip", "Принтер", ""])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["vip", "принтер"]


# Custom fields ----------------------------------------------------------------------------------------


@pytest.fixture
def printer_category(db: None) -> Category:
    """«Оборудование» (serial required, purchase date) → «Принтеры» (cartridge choice, pages counter)."""
    hardware = CategoryFactory.create(name="Оборудование")
    CustomFieldDefinitionFactory.create(
        category=hardware, key="serial", label="Серийный номер", field_type=CustomFieldType.TEXT, required=True
    )
    CustomFieldDefinitionFactory.create(
        category=hardware, key="bought", label="Дата покупки", field_type=CustomFieldType.DATE
    )
    printers = CategoryFactory.create(name="Принтеры", parent=hardware)
    CustomFieldDefinitionFactory.create(
        category=printers,
        key="cartridge",
        label="Картридж",
        field_type=CustomFieldType.CHOICE,
        choices=["CF259A", "CE285A"],
    )
    CustomFieldDefinitionFactory.create(
        category=printers, key="pages", label="Счётчик страниц", field_type=CustomFieldType.INTEGER
    )
    return printers


def test_subcategories_inherit_fields_and_values_are_cleaned(
    operator: User, line1: Queue, printer_category: Category
) -> None:
    ticket = open_ticket(
        actor=operator,
        subject="Замятие бумаги",
        channel=Channel.PHONE,
        category=printer_category,
        custom_fields={"serial": " VNB3K12345 ", "bought": "01.02.2024", "cartridge": "CF259A", "pages": "12000"},
    )
    assert ticket.custom_fields == {
        "serial": "VNB3K12345",
        "bought": "2024-02-01",
        "cartridge": "CF259A",
        "pages": 12000,
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "custom_fields.serial"),  # required by the parent category
        ({"serial": "A1", "pages": "много"}, "custom_fields.pages"),
        ({"serial": "A1", "pages": True}, "custom_fields.pages"),
        ({"serial": "A1", "cartridge": "Q2612A"}, "custom_fields.cartridge"),
        ({"serial": "A1", "bought": "вчера"}, "custom_fields.bought"),
        ({"serial": "A1", "colour": "red"}, "custom_fields.colour"),
    ],
)
def test_custom_fields_are_validated(
    operator: User, line1: Queue, printer_category: Category, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        open_ticket(
            actor=operator, subject="Тема", channel=Channel.PHONE, category=printer_category, custom_fields=values
        )
    assert err.value.field == field


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        (CustomFieldType.DECIMAL, "12,50", "12.50"),
        (CustomFieldType.BOOLEAN, "да", True),
        (CustomFieldType.BOOLEAN, False, False),
        (CustomFieldType.PHONE, "8 (912) 345-67-89", "+79123456789"),
        (CustomFieldType.EMAIL, " Ivan@Example.RU ", "ivan@example.ru"),
        (CustomFieldType.DATE, "2025-03-08", "2025-03-08"),
    ],
)
def test_each_field_type_stores_a_clean_value(
    operator: User, line1: Queue, field_type: str, raw: object, stored: object
) -> None:
    category = CategoryFactory.create()
    CustomFieldDefinitionFactory.create(category=category, key="value", label="Значение", field_type=field_type)
    ticket = open_ticket(
        actor=operator, subject="Тема", channel=Channel.PHONE, category=category, custom_fields={"value": raw}
    )
    assert ticket.custom_fields == {"value": stored}


def test_set_custom_fields_merges_and_a_blank_clears(operator: User, line1: Queue, printer_category: Category) -> None:
    ticket = open_ticket(
        actor=operator,
        subject="Тема",
        channel=Channel.PHONE,
        category=printer_category,
        custom_fields={"serial": "A1", "pages": 5},
    )
    ticket = set_custom_fields(actor=operator, ticket=ticket, values={"pages": "", "cartridge": "CE285A"})
    assert ticket.custom_fields == {"serial": "A1", "cartridge": "CE285A"}
    assert TicketHistory.objects.filter(ticket=ticket, field="custom_fields.pages", old_value="5").exists()
    with pytest.raises(ValidationFailed) as err:
        set_custom_fields(actor=operator, ticket=ticket, values={"serial": None})
    assert err.value.field == "custom_fields.serial"


def test_change_category_drops_values_the_new_category_does_not_have(
    operator: User, line1: Queue, printer_category: Category
) -> None:
    ticket = open_ticket(
        actor=operator,
        subject="Тема",
        channel=Channel.PHONE,
        category=printer_category,
        custom_fields={"serial": "A1", "pages": 5},
    )
    hardware = printer_category.parent
    assert hardware is not None
    ticket = change_category(actor=operator, ticket=ticket, category=hardware)
    assert ticket.category == hardware
    assert ticket.custom_fields == {"serial": "A1"}
    assert_trail(ticket, action="category_changed", event="desk.TicketUpdated")

    other = CategoryFactory.create(name="Сеть")
    CustomFieldDefinitionFactory.create(category=other, key="port", label="Порт", required=True)
    with pytest.raises(ValidationFailed) as err:
        change_category(actor=operator, ticket=ticket, category=other)
    assert err.value.field == "custom_fields.port"
    ticket = change_category(actor=operator, ticket=ticket, category=other, custom_fields={"port": "A-12"})
    assert ticket.custom_fields == {"port": "A-12"}


def test_a_disabled_category_is_refused(operator: User, line1: Queue) -> None:
    category = CategoryFactory.create(is_active=False)
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, category=category)
    assert err.value.field == "category_id"


# Field changes ----------------------------------------------------------------------------------------


def test_update_ticket_records_old_and_new_subject(operator: User, ticket: Ticket) -> None:
    old = ticket.subject
    ticket = update_ticket(actor=operator, ticket=ticket, subject="Новая тема")
    row = TicketHistory.objects.get(ticket=ticket, action="updated")
    assert (row.field, row.old_value, row.new_value, row.actor) == ("subject", old, "Новая тема", operator)
    assert_trail(ticket, action="updated", event="desk.TicketUpdated")


def test_nothing_changed_writes_nothing(operator: User, ticket: Ticket) -> None:
    update_ticket(actor=operator, ticket=ticket, subject=ticket.subject)
    assert not TicketHistory.objects.filter(ticket=ticket).exists()


def test_change_priority_follows_the_matrix_unless_given(operator: User, ticket: Ticket) -> None:
    ticket = change_priority(actor=operator, ticket=ticket, impact=Impact.HIGH, urgency=Urgency.HIGH)
    assert ticket.priority == Priority.CRITICAL
    ticket = change_priority(
        actor=operator, ticket=ticket, impact=Impact.HIGH, urgency=Urgency.HIGH, priority=Priority.LOW, reason="VIP"
    )
    assert ticket.priority == Priority.LOW
    assert TicketHistory.objects.filter(ticket=ticket, field="priority", reason="VIP").exists()
    assert_trail(ticket, action="priority_changed", event="desk.TicketUpdated")


def test_set_tags_replaces_them(operator: User, ticket: Ticket) -> None:
    set_tags(actor=operator, ticket=ticket, tags=["vip", "принтер"])
    ticket = set_tags(actor=operator, ticket=ticket, tags=["принтер", "срочно"])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["принтер", "срочно"]
    assert_trail(ticket, action="tags_changed", event="desk.TicketUpdated")


def test_set_contact_moves_the_organisation_with_it(operator: User, ticket: Ticket) -> None:
    other = ContactFactory.create(organisation=OrganisationFactory.create(name="ООО «Лютик»"))
    ticket = set_contact(actor=operator, ticket=ticket, contact=other)
    assert ticket.contact == other
    assert ticket.organisation == other.organisation
    assert_trail(ticket, action="contact_changed", event="desk.TicketUpdated")


def test_only_agents_of_the_queue_change_a_ticket(
    ticket: Ticket, specialist: User, customer: User, supervisor: User, admin_user: User
) -> None:
    with pytest.raises(NotFound):  # cannot even see it
        update_ticket(actor=specialist, ticket=ticket, subject="Чужая")
    with pytest.raises(Forbidden):  # sees it, but customers do not edit tickets
        update_ticket(actor=customer, ticket=ticket, subject="Моя")
    update_ticket(actor=supervisor, ticket=ticket, subject="Руководитель")
    ticket = update_ticket(actor=admin_user, ticket=ticket, subject="Администратор")
    assert ticket.subject == "Администратор"


def test_a_watcher_from_another_line_sees_but_does_not_change(ticket: Ticket, specialist: User) -> None:
    ticket.watchers.add(specialist)
    with pytest.raises(Forbidden):
        update_ticket(actor=specialist, ticket=ticket, subject="Чужая")


def test_a_closed_ticket_is_not_edited(operator: User, ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    with pytest.raises(Conflict):
        update_ticket(actor=operator, ticket=ticket, subject="Поздно")


def test_a_new_ticket_for_a_merged_contact_goes_to_the_survivor(operator: User, line1: Queue) -> None:
    survivor = ContactFactory.create()
    duplicate = ContactFactory.create(merged_into=survivor)
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, contact=duplicate)
    assert ticket.contact == survivor


def test_a_member_of_a_second_queue_sees_only_what_they_should(line1: Queue, operator: User) -> None:
    """A sanity check of the fixtures the other tests lean on."""
    line_b = LineQueueFactory.create(line_level=1)
    QueueMembershipFactory.create(queue=line_b, user=operator)
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE, queue=line_b)
    assert not ticket.watchers.exists()


def test_a_new_ticket_knows_it_has_no_links_or_watchers_and_queries_chained_on_them_still_ask_the_database(
    operator: User, line1: Queue, line2: Queue, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ticket = open_ticket(actor=operator, subject="Тема", channel=Channel.PHONE)
    with django_assert_num_queries(0):
        assert list(ticket.links_out.all()) == []
        assert list(ticket.watchers.all()) == []
        assert list(ticket.tags.all()) == []
    other = open_ticket(actor=operator, subject="Другая", channel=Channel.PHONE)
    TicketLink.objects.create(source=ticket, target=other, kind=LinkKind.RELATED)  # around the instance
    assert ticket.links_out.filter(kind=LinkKind.RELATED).exists()
    assert list(ticket.links_out.values_list("target_id", flat=True)) == [other.pk]
    ticket.watchers.add(operator)
    assert list(ticket.watchers.all()) == [operator]
