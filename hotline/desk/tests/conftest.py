"""Desk fixtures: a 1st/2nd/3rd-line setup, agents of each role, a customer with a login."""

from __future__ import annotations

import pytest

from hotline.core.models import User
from hotline.core.tests.factories import (
    AdminFactory,
    CustomerUserFactory,
    OperatorFactory,
    SpecialistFactory,
    SupervisorFactory,
)
from hotline.customers.models import Contact, Organisation
from hotline.desk.choices import QueueRole
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.tests.factories import (
    CategoryFactory,
    ContactFactory,
    DepartmentFactory,
    LineQueueFactory,
    OrganisationFactory,
    QueueMembershipFactory,
    TicketFactory,
)


@pytest.fixture
def line1(db: None) -> Queue:
    """The default 1st-line queue: routing falls back to it."""
    return LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)


@pytest.fixture
def line2(db: None) -> Queue:
    return LineQueueFactory.create(name="Вторая линия", slug="line-2", line_level=2)


@pytest.fixture
def line3(db: None) -> Queue:
    return LineQueueFactory.create(name="Третья линия", slug="line-3", line_level=3)


@pytest.fixture
def department(db: None) -> Queue:
    return DepartmentFactory.create(name="Бухгалтерия", slug="accounting")


@pytest.fixture
def operator(line1: Queue) -> User:
    """A 1st-line operator, member of ``line1``."""
    user = OperatorFactory.create(username="operator")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def other_operator(line1: Queue) -> User:
    user = OperatorFactory.create(username="operator2")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def specialist(line2: Queue) -> User:
    """A 2nd-line specialist, member of ``line2``."""
    user = SpecialistFactory.create(username="specialist")
    QueueMembershipFactory.create(queue=line2, user=user)
    return user


@pytest.fixture
def specialist3(line3: Queue) -> User:
    user = SpecialistFactory.create(username="specialist3")
    QueueMembershipFactory.create(queue=line3, user=user)
    return user


@pytest.fixture
def supervisor(line1: Queue) -> User:
    """Leads ``line1`` (QueueRole.LEAD)."""
    user = SupervisorFactory.create(username="supervisor")
    QueueMembershipFactory.create(queue=line1, user=user, role=QueueRole.LEAD)
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return AdminFactory.create(username="admin")


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory.create(name="ООО «Ромашка»")


@pytest.fixture
def contact(organisation: Organisation) -> Contact:
    """A contact without a login."""
    return ContactFactory.create(
        last_name="Петров", first_name="Иван", full_name="Петров Иван", organisation=organisation
    )


@pytest.fixture
def customer(organisation: Organisation) -> User:
    """A customer user with a linked Contact (``customer.contact``)."""
    user = CustomerUserFactory.create(username="customer")
    ContactFactory.create(
        last_name="Сидорова", first_name="Анна", full_name="Сидорова Анна", organisation=organisation, user=user
    )
    return user


@pytest.fixture
def other_customer(db: None) -> User:
    user = CustomerUserFactory.create(username="customer2")
    ContactFactory.create(last_name="Смирнов", first_name="Олег", full_name="Смирнов Олег", user=user)
    return user


@pytest.fixture
def category(db: None) -> Category:
    return CategoryFactory.create(name="Оборудование")


@pytest.fixture
def ticket(line1: Queue, customer: User) -> Ticket:
    """A new ticket of ``customer`` in ``line1``, unassigned (made by the factory, not the service)."""
    return TicketFactory.create(queue=line1, contact=customer.contact, organisation=customer.contact.organisation)
