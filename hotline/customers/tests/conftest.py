"""Customer-base fixtures: agents of each role, a customer with a login and their own contact."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.test import Client

from hotline.core import events
from hotline.core.models import OutboxEvent, User
from hotline.core.tests.factories import (
    AdminFactory,
    CustomerUserFactory,
    OperatorFactory,
    SpecialistFactory,
    SupervisorFactory,
)
from hotline.customers import registry
from hotline.customers.models import Contact
from hotline.customers.tests.factories import ContactFactory


@pytest.fixture
def operator(db: None) -> User:
    return OperatorFactory.create(username="operator")


@pytest.fixture
def specialist(db: None) -> User:
    return SpecialistFactory.create(username="specialist")


@pytest.fixture
def supervisor(db: None) -> User:
    return SupervisorFactory.create(username="supervisor")


@pytest.fixture
def admin(db: None) -> User:
    return AdminFactory.create(username="admin")


@pytest.fixture
def customer(db: None) -> User:
    """A portal customer whose own contact is ``customer.contact``."""
    user = CustomerUserFactory.create(username="customer")
    ContactFactory.create(
        user=user, last_name="Смирнова", first_name="Ольга", middle_name="", full_name="Смирнова Ольга"
    )
    return user


@pytest.fixture
def contact(db: None) -> Contact:
    return ContactFactory.create(
        last_name="Иванов", first_name="Иван", middle_name="Петрович", full_name="Иванов Иван Петрович",
        phone__e164="+79123456789",
    )  # fmt: skip


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def published(name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events called ``name`` (e.g. ``customers.ContactCreated``), oldest first."""
    return list(OutboxEvent.objects.filter(name=name).order_by("created_at").values_list("payload", flat=True))


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Providers and sync subscribers a test registers disappear after it."""
    monkeypatch.setattr(registry, "_timeline", dict(registry._timeline))
    monkeypatch.setattr(registry, "_export", dict(registry._export))
    monkeypatch.setattr(events, "_sync", defaultdict(list, {k: list(v) for k, v in events._sync.items()}))
