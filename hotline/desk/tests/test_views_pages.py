"""Every desk and portal page renders for the people who may see it, and refuses the others."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.tickets import open_ticket


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_agent_pages_render(client: Client, operator: User, ticket: Ticket, line2: Queue) -> None:
    login(client, operator)
    for url in [
        "/",
        "/desk/",
        "/desk/new/",
        "/desk/tickets/",
        "/desk/tickets/?status=new&sort=-priority",
        f"/desk/t/{ticket.number}/",
        f"/desk/t/{ticket.number}/timeline/",
        "/desk/search/?q=Сидорова",
        "/desk/search/suggest/?q=Сид",
        "/desk/new/lookup/?q=Сидорова",
        f"/desk/new/caller/{ticket.contact_id}/",
        "/desk/nav/queues/",
        "/contacts/",
        f"/contacts/{ticket.contact_id}/",
        "/contacts/new/",
        "/preferences/",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_supervisor_sees_team(client: Client, supervisor: User, operator: User) -> None:
    response = login(client, supervisor).get("/desk/team/")
    assert response.status_code == 200
    assert operator.display_name in response.content.decode()


@pytest.mark.django_db
def test_operator_may_not_open_team(client: Client, operator: User) -> None:
    assert login(client, operator).get("/desk/team/").status_code == 403


@pytest.mark.django_db
def test_customer_pages_render(client: Client, customer: User, ticket: Ticket) -> None:
    login(client, customer)
    for url in ["/", "/portal/", "/portal/?show=all", "/portal/new/", f"/portal/r/{ticket.number}/", "/preferences/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_customer_is_kept_out_of_the_desk(client: Client, customer: User, ticket: Ticket) -> None:
    login(client, customer)
    assert client.get("/desk/").status_code == 403
    assert client.get(f"/desk/t/{ticket.number}/").status_code == 403
    assert client.get("/contacts/").status_code == 403


@pytest.mark.django_db
def test_other_customer_gets_404_for_a_foreign_ticket(client: Client, other_customer: User, ticket: Ticket) -> None:
    response = login(client, other_customer).get(f"/portal/r/{ticket.number}/")
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_ticket_opened_through_the_service_renders_its_timeline(client: Client, operator: User, line1: Queue) -> None:
    caller = create_contact(actor=operator, full_name="Кузнецова Мария", phones=["8 912 345-67-89"])
    ticket = open_ticket(
        actor=operator, subject="Течёт кран", description="На кухне", channel=Channel.PHONE, contact=caller
    )
    page = login(client, operator).get(f"/desk/t/{ticket.number}/").content.decode()
    assert "Течёт кран" in page
    assert "На кухне" in page
    assert "+79123456789" in page
