"""open_ticket(idempotency_key=…): a retried request returns the first ticket, never a second one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import Channel
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.tickets import open_ticket


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_ticket(customer: User, line1: Queue) -> None:
    first = open_ticket(actor=customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="k-1")
    again = open_ticket(actor=customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_request_is_a_conflict(customer: User, line1: Queue) -> None:
    open_ticket(actor=customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="k-1")
    with pytest.raises(Conflict) as err:
        open_ticket(actor=customer, subject="Нет воды", channel=Channel.PORTAL, idempotency_key="k-1")
    assert err.value.field == "idempotency_key"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(customer: User, other_customer: User, line1: Queue) -> None:
    mine = open_ticket(actor=customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="k-1")
    theirs = open_ticket(actor=other_customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="k-1")
    assert mine.pk != theirs.pk


@pytest.mark.django_db
def test_a_failed_first_request_does_not_burn_the_key(customer: User, line1: Queue) -> None:
    with pytest.raises(ValidationFailed):
        open_ticket(actor=customer, subject="Свет", channel=Channel.PORTAL, urgency=9, idempotency_key="k-1")
    ticket = open_ticket(actor=customer, subject="Свет", channel=Channel.PORTAL, idempotency_key="k-1")
    assert ticket.pk is not None


@pytest.mark.django_db
def test_the_system_actor_cannot_use_keys(line1: Queue) -> None:
    with pytest.raises(ValidationFailed) as err:
        open_ticket(actor=None, subject="Свет", channel=Channel.API, idempotency_key="k-1")
    assert err.value.field == "idempotency_key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_ticket(customer: User, line1: Queue) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time, so requests cannot overlap; the race needs PostgreSQL")
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            barrier.wait(timeout=10)
            ticket = open_ticket(actor=customer, subject="Нет света", channel=Channel.PORTAL, idempotency_key="race")
            results.append(ticket.pk)
        except BaseException as exc:  # noqa: BLE001 — reported below, in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(results) == 4
    assert len(set(results)) == 1
    assert Ticket.objects.count() == 1
