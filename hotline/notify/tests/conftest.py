"""Notify fixtures: a real SMTP server on loopback wired in as the mailer, queues, agents, customers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from hotline.core.models import User
from hotline.core.outbox import deliver_pending
from hotline.core.tests.factories import AdminFactory, CustomerUserFactory, OperatorFactory, SpecialistFactory
from hotline.customers.models import Contact, ContactEmail
from hotline.desk.choices import QueueRole
from hotline.desk.models import Queue
from hotline.desk.tests.factories import ContactFactory, LineQueueFactory, QueueMembershipFactory
from hotline.notify.services.sending import SendReport, send_due_emails
from hotline.notify.tests.loopback import SmtpServer, free_port

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def use_smtp(settings: SettingsWrapper, port: int) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": SMTP_BACKEND, "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}
    }


@pytest.fixture
def smtp(settings: SettingsWrapper) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    use_smtp(settings, server.port)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down(settings: SettingsWrapper) -> int:
    """The mailer points at a port where nothing listens: every connection is refused."""
    port = free_port()
    use_smtp(settings, port)
    return port


def deliver() -> SendReport:
    """What the workers do: run the outbox subscribers, then send the mail they queued."""
    deliver_pending()
    return send_due_emails()


@pytest.fixture
def line1(db: None) -> Queue:
    return LineQueueFactory.create(
        name="Первая линия",
        slug="line-1",
        line_level=1,
        is_default=True,
        email="support@uk-domovoy.ru",
        signature="УК «Домовой», диспетчерская\n+7 495 000-00-00",
    )


@pytest.fixture
def line2(db: None) -> Queue:
    return LineQueueFactory.create(name="Вторая линия", slug="line-2", line_level=2, email="")


@pytest.fixture
def operator(line1: Queue) -> User:
    user = OperatorFactory.create(username="operator", email="operator@uk-domovoy.ru", first_name="Ольга")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def other_operator(line1: Queue) -> User:
    user = OperatorFactory.create(username="petrov", email="petrov@uk-domovoy.ru", language="en")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def specialist(line2: Queue) -> User:
    user = SpecialistFactory.create(username="specialist", email="specialist@uk-domovoy.ru")
    QueueMembershipFactory.create(queue=line2, user=user)
    return user


@pytest.fixture
def lead2(line2: Queue) -> User:
    user = SpecialistFactory.create(username="lead2", email="lead2@uk-domovoy.ru")
    QueueMembershipFactory.create(queue=line2, user=user, role=QueueRole.LEAD)
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return AdminFactory.create(username="admin", email="admin@uk-domovoy.ru")


def make_contact(*, email: str, language: str = "ru", first_name: str = "Иван", **fields: object) -> Contact:
    contact = ContactFactory.create(
        last_name=fields.pop("last_name", "Петров"),
        first_name=first_name,
        middle_name=fields.pop("middle_name", "Сергеевич"),
        full_name=fields.pop("full_name", f"Петров {first_name} Сергеевич"),
        language=language,
        **fields,
    )
    ContactEmail.objects.create(contact=contact, email=email, is_primary=True)
    return contact


@pytest.fixture
def contact(db: None) -> Contact:
    return make_contact(email="ivan.petrov@example.org")


@pytest.fixture
def english_contact(db: None) -> Contact:
    return make_contact(
        email="john.smith@example.com",
        language="en",
        first_name="John",
        last_name="Smith",
        middle_name="",
        full_name="John Smith",
    )


@pytest.fixture
def customer_user(db: None) -> User:
    user = CustomerUserFactory.create(username="anna", email="anna@example.org")
    contact = make_contact(email="anna@example.org", first_name="Анна", full_name="Сидорова Анна")
    contact.user = user
    contact.save(update_fields=["user"])
    return user
