"""SLA on the agent's screens: state beside each ticket, the queue sortable by due time, constant queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from time_machine import TimeMachineFixture

from hotline.core.models import BusinessCalendar, User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.sla.models import SlaPolicy
from hotline.sla.tests.factories import SlaPolicyFactory

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)
NUMBER = re.compile(r'class="number" href="[^"]+">(HL-\d+)<')


@pytest.fixture
def policy(round_the_clock: BusinessCalendar) -> SlaPolicy:
    return SlaPolicyFactory.create(
        name="Стандарт", calendar=round_the_clock, first_response_minutes=60, resolution_minutes=480
    )


def _open(operator: User, contact: Contact, queue: Queue, subject: str) -> Ticket:
    return open_ticket(actor=operator, subject=subject, channel=Channel.PHONE, contact=contact, queue=queue)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_queue_shows_sla_state_and_sorts_by_due_time(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    oldest = _open(operator, contact, line1, "Протечка")
    time_machine.move_to(T0 + timedelta(minutes=40), tick=False)
    newest = _open(operator, contact, line1, "Нет света")
    time_machine.move_to(T0 + timedelta(minutes=55), tick=False)  # oldest: 5 min to its first-response target

    page = _client(operator).get("/desk/tickets/?status=open_all&sort=sla").content.decode()
    assert NUMBER.findall(page)[:2] == [oldest.number, newest.number], "most urgent first"
    assert "SLA 5 мин" in page
    assert "badge-warn" in page  # 55 of 60 minutes used: past the warning share
    assert "badge-ok" in page

    page = _client(operator).get("/desk/tickets/?status=open_all&sort=-sla").content.decode()
    assert NUMBER.findall(page)[:2] == [newest.number, oldest.number]

    time_machine.move_to(T0 + timedelta(minutes=70), tick=False)
    ticket_page = _client(operator).get(f"/desk/t/{oldest.number}/").content.decode()
    assert "badge-danger" in ticket_page
    assert "SLA −10 мин" in ticket_page


@pytest.mark.django_db
def test_sla_badges_cost_the_same_queries_for_5_and_30_tickets(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue
) -> None:
    client = _client(operator)

    def queries() -> int:
        client.get("/desk/tickets/?status=open_all&sort=sla")  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/desk/tickets/?status=open_all&sort=sla")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        _open(operator, contact, line1, f"Заявка {i}")
    few = queries()
    for i in range(25):
        _open(operator, contact, line1, f"Ещё заявка {i}")
    assert queries() == few


def _home_watch(page: str) -> list[str]:
    """The ticket numbers in the home page's "close to an SLA breach" card, in order."""
    card = page.split('id="watch-sla_due"', 1)[1].split('<div class="card"', 1)[0]
    return NUMBER.findall(card)


@pytest.mark.django_db
def test_home_lists_the_tickets_closest_to_a_breach_in_my_queues(
    policy: SlaPolicy,
    operator: User,
    specialist: User,
    contact: Contact,
    line1: Queue,
    line2: Queue,
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(T0, tick=False)
    overdue = _open(operator, contact, line1, "Уже просрочена")
    time_machine.move_to(T0 + timedelta(minutes=50), tick=False)
    soon = _open(operator, contact, line1, "Скоро срок")
    elsewhere = _open(specialist, contact, line2, "Чужая очередь")
    time_machine.move_to(T0 + timedelta(minutes=80), tick=False)
    later = _open(operator, contact, line1, "Есть время")
    time_machine.move_to(T0 + timedelta(minutes=90), tick=False)

    page = _client(operator).get("/desk/").content.decode()

    assert "Близко к нарушению SLA" in page
    # By the next deadline: first responses due at +110 and +140, then the overdue one's resolution at +480.
    assert _home_watch(page) == [soon.number, later.number, overdue.number]
    assert elsewhere.number not in page  # another line's ticket is not mine to watch
    assert "SLA 20 мин" in page

    time_machine.move_to(T0 + timedelta(minutes=120), tick=False)  # soon's first response is now overdue too
    page = _client(operator).get("/desk/").content.decode()
    assert _home_watch(page) == [later.number, overdue.number, soon.number]


@pytest.mark.django_db
def test_home_costs_the_same_queries_with_more_tickets(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue
) -> None:
    client = _client(operator)

    def queries() -> int:
        client.get("/desk/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/desk/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        _open(operator, contact, line1, f"Заявка {i}")
    few = queries()
    for i in range(20):
        _open(operator, contact, line1, f"Ещё заявка {i}")
    assert queries() == few
