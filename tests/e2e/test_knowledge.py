"""Knowledge journeys in a real browser: a canned response typed as «::shortcut» in the reply editor, a macro
from the ticket page, the global search box, and the portal suggesting an article while a request is written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel, Status
from hotline.desk.models import Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from hotline.knowledge.models import DeflectionAttempt
from hotline.knowledge.services import articles, macros, responses
from tests.e2e.conftest import Screens, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _world() -> dict[str, Any]:
    line1 = LineQueueFactory.create(
        name="Первая линия", slug="line-1", line_level=1, is_default=True, signature="Служба поддержки «Водоканал»"
    )
    operator = OperatorFactory.create(username="operator", first_name="Ольга", last_name="Орлова")
    QueueMembershipFactory.create(queue=line1, user=operator)
    customer_user = CustomerUserFactory.create(username="ivanova@example.ru", email="ivanova@example.ru")
    customer = create_contact(
        actor=operator, full_name="Иванова Анна", first_name="Анна", emails=["ivanova@example.ru"], user=customer_user
    )
    ticket = open_ticket(actor=operator, subject="Счётчик воды не крутится", channel=Channel.PHONE, contact=customer)
    section = articles.save_category(actor=operator, name="Счётчики")
    articles.create_article(
        actor=operator,
        category=section,
        title="Как передать показания счётчика",
        body="Через личный кабинет с 20 по 25 число.",
        visibility="public",
        status="published",
    )
    responses.save_canned_response(
        actor=operator,
        name="Приветствие",
        shortcut="привет",
        body="Здравствуйте, {{ contact.first_name }}! Заявка {{ ticket.number }}.\n{{ queue.signature }}",
        personal=True,
    )
    macros.save_macro(actor=operator, name="Ждём клиента", personal=True, set_status=Status.PENDING_CUSTOMER)
    return {"ticket": ticket, "operator": operator, "customer_user": customer_user}


def test_canned_response_macro_and_search(new_page: Any, screens: Screens) -> None:
    w = _world()
    ticket: Ticket = w["ticket"]
    page = new_page()
    login(page, "operator")
    page.goto(f"/desk/t/{ticket.number}/")
    reply = page.locator("[data-editor-panel=reply] textarea")
    expect(page.locator("[data-kb-tools]")).to_be_visible()
    reply.click()
    reply.type("::прив", delay=30)
    option = page.locator(".kb-popup").get_by_role("option", name=re.compile("Приветствие"))
    expect(option).to_be_visible()
    screens.shot(page, "shortcut-popup")
    reply.press("Enter")
    expect(reply).to_have_value(
        f"Здравствуйте, Анна! Заявка {ticket.number}.\nСлужба поддержки «Водоканал»", timeout=10_000
    )
    screens.shot(page, "shortcut-inserted")

    page.get_by_text("Макросы").click()
    page.get_by_role("button", name="Ждём клиента").click()
    expect(page.locator("#toasts")).to_contain_text("применён")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_CUSTOMER

    # The macro reloads the page: its flash toast is in the HTML before the page's scripts run, and a "/" typed
    # before them goes nowhere.
    page.wait_for_load_state()
    page.locator("body").press("/")
    page.keyboard.type("показания счётч", delay=20)
    suggestion = page.locator("#search-suggest").get_by_role("option", name=re.compile("передать показания"))
    expect(suggestion).to_be_visible()
    screens.shot(page, "global-search-article")


def test_portal_suggests_an_article_while_writing(new_page: Any, screens: Screens) -> None:
    _world()
    page = new_page()
    login(page, "ivanova@example.ru")
    page.goto("/portal/new/")
    page.get_by_label("Тема").fill("Не получается передать показания")
    hint = page.locator("#kb-portal-suggest")
    expect(hint).to_contain_text("Как передать показания счётчика")
    screens.shot(page, "portal-suggestion")
    assert DeflectionAttempt.objects.count() == 1
