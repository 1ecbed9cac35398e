"""Every control on the knowledge screens has an accessible name and ids are unique (the desk's check)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.desk.tests.test_views_a11y import unnamed
from hotline.knowledge.services import macros, responses
from hotline.knowledge.tests.helpers import open_ticket, publish

pytestmark = pytest.mark.django_db


def assert_accessible(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    missing, duplicates, _lang = unnamed(response.content.decode())
    assert not missing, f"{url}: controls without a label: {missing}"
    assert not duplicates, f"{url}: duplicate ids: {duplicates}"


def test_agent_and_portal_screens(client, operator, customer, line1, section):
    article = publish(section, "Показания счётчика", "Текст")
    ticket = open_ticket(operator, "Счётчик", contact=customer.contact)
    responses.save_canned_response(actor=operator, name="Привет", body="Здравствуйте", personal=True)
    macros.save_macro(actor=operator, name="Ждать", personal=True, set_status="pending_customer")
    client.force_login(operator)
    for url in (
        reverse("knowledge:home"),
        reverse("knowledge:article", args=[article.pk]),
        reverse("knowledge:edit_article", args=[article.pk]),
        reverse("knowledge:new_article"),
        reverse("knowledge:versions", args=[article.pk]),
        reverse("knowledge:responses"),
        reverse("knowledge:search") + "?q=счётчик",
        reverse("knowledge:ticket_tools", args=[ticket.number]),
    ):
        assert_accessible(client, url)
    client.force_login(customer)
    for url in (
        reverse("kb:home"),
        reverse("kb:home") + "?q=счётчик",
        reverse("kb:article", args=[article.pk]),
        reverse("kb:search") + "?q=счётчик",
    ):
        assert_accessible(client, url)
