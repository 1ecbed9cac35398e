"""Routing rules pick the queue of a new ticket; the default queue catches the rest."""

from __future__ import annotations

import pytest

from hotline.core.models import User
from hotline.customers.models import Organisation
from hotline.desk.choices import Channel, Impact, Priority, Urgency
from hotline.desk.models import Queue, TicketHistory
from hotline.desk.services.priority import set_priority_rule
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import (
    CategoryFactory,
    ContactFactory,
    DepartmentFactory,
    OrganisationFactory,
    RoutingRuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(db: None) -> Queue:
    return DepartmentFactory.create(name="Цель")


def _open(**kwargs: object) -> Queue:
    values: dict[str, object] = {"actor": None, "subject": "Тема", "channel": Channel.PHONE, **kwargs}
    return open_ticket(**values).queue  # type: ignore[arg-type]


def test_by_channel(line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(channel=Channel.EMAIL, queue=target)
    assert _open(channel=Channel.EMAIL) == target
    assert _open(channel=Channel.PHONE) == line1


def test_by_category_including_subcategories(line1: Queue, target: Queue) -> None:
    utilities = CategoryFactory.create(name="ЖКХ")
    water = CategoryFactory.create(name="Водоснабжение", parent=utilities)
    RoutingRuleFactory.create(category=utilities, queue=target)
    assert _open(category=water) == target
    assert _open(category=CategoryFactory.create(name="Прочее")) == line1


def test_by_keywords_in_subject_or_description_any_case(line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(keywords="счёт, оплата ,квитанц", queue=target)
    assert _open(subject="Не пришла КВИТАНЦИЯ") == target
    assert _open(subject="Вопрос", description="Двойная оплата за май") == target
    assert _open(subject="Течёт кран") == line1


def test_by_organisation(line1: Queue, target: Queue, organisation: Organisation) -> None:
    RoutingRuleFactory.create(organisation=organisation, queue=target)
    assert _open(contact=ContactFactory.create(organisation=organisation)) == target
    assert _open(organisation=organisation) == target
    assert _open(contact=ContactFactory.create(organisation=OrganisationFactory.create())) == line1


def test_by_mailbox(line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(mailbox="buh@hotline.test", queue=target)
    assert _open(channel=Channel.EMAIL, mailbox="BUH@hotline.test") == target
    assert _open(channel=Channel.EMAIL, mailbox="help@hotline.test") == line1


def test_all_conditions_of_a_rule_must_hold(line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(channel=Channel.EMAIL, keywords="пароль", queue=target)
    assert _open(channel=Channel.EMAIL, subject="Сбросить пароль") == target
    assert _open(channel=Channel.PHONE, subject="Сбросить пароль") == line1
    assert _open(channel=Channel.EMAIL, subject="Другое") == line1


def test_the_first_rule_in_order_wins_and_inactive_ones_are_skipped(line1: Queue, target: Queue) -> None:
    second = DepartmentFactory.create(name="Вторая цель")
    RoutingRuleFactory.create(order=10, keywords="принтер", queue=target, is_active=False)
    RoutingRuleFactory.create(order=20, keywords="принтер", queue=second)
    RoutingRuleFactory.create(order=30, keywords="принтер", queue=target)
    assert _open(subject="Принтер") == second


def test_a_rule_to_a_disabled_queue_is_skipped(line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(keywords="принтер", queue=target)
    Queue.objects.filter(pk=target.pk).update(is_active=False)
    assert _open(subject="Принтер") == line1


def test_a_rule_may_set_the_priority_and_is_named_in_the_history(operator: User, line1: Queue, target: Queue) -> None:
    RoutingRuleFactory.create(name="Авария", keywords="авария", queue=target, set_priority=Priority.CRITICAL)
    ticket = open_ticket(actor=operator, subject="Авария на теплотрассе", channel=Channel.PHONE)
    assert (ticket.queue, ticket.priority) == (target, Priority.CRITICAL)
    assert "Авария" in TicketHistory.objects.get(ticket=ticket, action="opened", field="queue").reason


def test_an_explicit_queue_skips_routing(operator: User, line1: Queue, target: Queue, line2: Queue) -> None:
    RoutingRuleFactory.create(keywords="принтер", queue=target)
    assert _open(subject="Принтер", queue=line2) == line2


def test_rules_and_queues_changed_after_tickets_were_routed_apply_to_the_next_ticket(
    line1: Queue, target: Queue, admin_user: User
) -> None:
    """Routing reads a per-process copy of the rules (core.config_cache); every change is seen at once."""
    assert _open(subject="Принтер") == line1
    rule = RoutingRuleFactory.create(keywords="принтер", queue=target)
    assert _open(subject="Принтер") == target
    target.is_active = False
    target.save(update_fields=["is_active"])
    assert _open(subject="Принтер") == line1
    target.is_active = True
    target.save(update_fields=["is_active"])
    rule.delete()
    assert _open(subject="Принтер") == line1
    set_priority_rule(actor=admin_user, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM, priority=Priority.CRITICAL)
    ticket = open_ticket(actor=None, subject="Тема", channel=Channel.PHONE)
    assert ticket.priority == Priority.CRITICAL
    # The ticket got its own copy of the queue: changing it leaves the next ticket's untouched.
    ticket.queue.name = "Изменено"
    assert open_ticket(actor=None, subject="Тема", channel=Channel.PHONE).queue.name == "Первая линия"
