"""Telephony fixtures: PBX sources of each kind, agents with extensions, a contact with a phone."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory, SupervisorFactory
from hotline.customers.models import Contact
from hotline.customers.services import create_contact
from hotline.desk.choices import QueueRole
from hotline.desk.models import Queue
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from hotline.telephony import live
from hotline.telephony.choices import SourceKind
from hotline.telephony.models import PbxSource
from hotline.telephony.tests.factories import PbxSourceFactory


@pytest.fixture
def line1(db: None) -> Queue:
    return LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)


@pytest.fixture
def operator(line1: Queue) -> User:
    user = OperatorFactory.create(username="operator", first_name="Ольга", last_name="Орлова", phone_extension="101")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def operator2(line1: Queue) -> User:
    user = OperatorFactory.create(username="operator2", first_name="Павел", last_name="Петров", phone_extension="102")
    QueueMembershipFactory.create(queue=line1, user=user)
    return user


@pytest.fixture
def supervisor(line1: Queue) -> User:
    user = SupervisorFactory.create(username="supervisor", first_name="Борис", last_name="Белов")
    QueueMembershipFactory.create(queue=line1, user=user, role=QueueRole.LEAD)
    return user


@pytest.fixture
def caller(operator: User) -> Contact:
    return create_contact(actor=operator, full_name="Иванова Анна Сергеевна", phones=["+7 912 345-67-89"])


@pytest.fixture
def generic_source(db: None) -> PbxSource:
    return PbxSourceFactory.create(slug="office", kind=SourceKind.GENERIC, secret="generic-secret")


@pytest.fixture
def zadarma_source(db: None) -> PbxSource:
    return PbxSourceFactory.create(
        slug="zadarma", kind=SourceKind.ZADARMA, api_key="zkey", secret="zadarma-secret", time_zone="Europe/Moscow"
    )


@pytest.fixture
def mango_source(db: None) -> PbxSource:
    return PbxSourceFactory.create(slug="mango", kind=SourceKind.MANGO, api_key="mango-key", secret="mango-salt")


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Screen-pop pushes, as they would be broadcast after commit: [{"topic", "call", "state", "ticket"}]."""
    sent: list[dict[str, Any]] = []

    def record(topic: str, payload: dict[str, Any] | None = None) -> None:
        sent.append({"topic": topic, **(payload or {})})

    monkeypatch.setattr(live, "broadcast", record)
    return sent


def states_for(sent: list[dict[str, Any]], user: User) -> list[str]:
    return [p["state"] for p in sent if p["topic"] == f"phone:{user.pk}"]
