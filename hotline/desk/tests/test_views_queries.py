"""Pages cost the same number of queries at 5 rows as at 30 (no N+1), with a ceiling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import TagFactory

pytestmark = pytest.mark.django_db


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def make_tickets(operator: User, n: int, *, contact: Contact | None = None) -> list[Ticket]:
    tag = TagFactory.create(name="срочно")
    made = []
    for i in range(n):
        caller = contact or create_contact(actor=operator, full_name=f"Абонент {i}", phones=[f"+7912000{i:04d}"])
        ticket = open_ticket(actor=operator, subject=f"Заявка {i}", channel=Channel.PHONE, contact=caller)
        ticket.tags.add(tag)
        made.append(ticket)
    return made


def test_queue_page_is_constant(client: Client, operator: User, line1: Queue) -> None:
    client.force_login(operator)
    counts = []
    for n in (5, 25):
        make_tickets(operator, n)
        counts.append(count_queries(client, "/desk/tickets/?status="))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20


def test_ticket_page_is_constant(client: Client, operator: User, line1: Queue) -> None:
    client.force_login(operator)
    caller = create_contact(actor=operator, full_name="Иванова Анна", phones=["+79123456789"])
    ticket = open_ticket(actor=operator, subject="Нет воды", channel=Channel.PHONE, contact=caller)
    url = f"/desk/t/{ticket.number}/"
    counts = []
    for n in (5, 30):
        while ticket.messages.count() < n:
            add_reply(actor=operator, ticket=ticket, body_text="Ответ")
            add_note(actor=operator, ticket=ticket, body_text="Заметка")
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 45


def test_home_and_portal_are_constant(client: Client, operator: User, customer: User, line1: Queue) -> None:
    counts_home, counts_portal = [], []
    for n in (5, 25):
        make_tickets(operator, n, contact=customer.contact)
        client.force_login(operator)
        counts_home.append(count_queries(client, "/desk/"))
        client.force_login(customer)
        counts_portal.append(count_queries(client, "/portal/?show=all"))
    assert counts_home[0] == counts_home[1], counts_home
    assert counts_portal[0] == counts_portal[1], counts_portal


def test_contacts_directory_is_constant(client: Client, operator: User, line1: Queue) -> None:
    client.force_login(operator)
    counts = []
    for n in (5, 25):
        for i in range(n):
            create_contact(actor=operator, full_name=f"Петров {n}-{i}", phones=[f"+7913{n:03d}{i:04d}"])
        counts.append(count_queries(client, "/contacts/"))
    assert counts[0] == counts[1], counts


def test_contact_card_and_portal_request_are_constant(
    client: Client, operator: User, customer: User, line1: Queue
) -> None:
    contact = customer.contact
    ticket = open_ticket(actor=customer, subject="Протечка", channel=Channel.PORTAL)
    client.force_login(customer)
    client.get(f"/portal/r/{ticket.number}/")  # the first visit also creates the "seen" marker
    card, portal = [], []
    for n in (5, 25):
        make_tickets(operator, n, contact=contact)
        while ticket.messages.count() < n:
            add_reply(actor=operator, ticket=ticket, body_text="Ответ")
        client.force_login(operator)
        card.append(count_queries(client, f"/contacts/{contact.pk}/"))
        client.force_login(customer)
        portal.append(count_queries(client, f"/portal/r/{ticket.number}/"))
    assert card[0] == card[1], card
    assert portal[0] == portal[1], portal
