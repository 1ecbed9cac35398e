"""The journeys issue 3 names, in a real browser against the real ASGI app.

A repeat caller phones the 1st line; the operator finds her by the number typed in another
format, sees her open request, opens a new ticket and escalates it; a 2nd-line specialist
resolves it with an internal note and a public reply while a colleague gets the collision
warning; the customer sees the request resolved in the portal and rates it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory, SpecialistFactory, SupervisorFactory
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel, QueueRole, Status
from hotline.desk.models import Queue, SatisfactionRating, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import CategoryFactory, LineQueueFactory, QueueMembershipFactory
from tests.e2e.conftest import Screens, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _world() -> dict[str, Any]:
    line1 = LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    line2 = LineQueueFactory.create(name="Вторая линия (ИТ)", slug="line-2", line_level=2)
    line1.escalation_queue = line2
    line1.save(update_fields=["escalation_queue"])
    operator = OperatorFactory.create(username="operator", first_name="Ольга", last_name="Орлова")
    specialist = SpecialistFactory.create(username="specialist", first_name="Сергей", last_name="Смирнов")
    colleague = SpecialistFactory.create(username="colleague", first_name="Карина", last_name="Ким")
    supervisor = SupervisorFactory.create(username="supervisor", first_name="Борис", last_name="Белов")
    QueueMembershipFactory.create(queue=line1, user=operator)
    QueueMembershipFactory.create(queue=line2, user=specialist)
    QueueMembershipFactory.create(queue=line2, user=colleague)
    QueueMembershipFactory.create(queue=line1, user=supervisor, role=QueueRole.LEAD)
    QueueMembershipFactory.create(queue=line2, user=supervisor, role=QueueRole.LEAD)
    CategoryFactory.create(name="Отопление и горячая вода")
    CategoryFactory.create(name="Интернет и ТВ")
    customer_user = CustomerUserFactory.create(
        username="ivanova@example.ru", email="ivanova@example.ru", first_name="Анна", last_name="Иванова"
    )
    customer = create_contact(
        actor=operator,
        full_name="Иванова Анна Сергеевна",
        phones=["+7 912 345-67-89"],
        emails=["ivanova@example.ru"],
        user=customer_user,
    )
    earlier = open_ticket(
        actor=operator,
        subject="Не работает домофон в подъезде 2",
        description="Домофон не открывает дверь с утра.",
        channel=Channel.PHONE,
        contact=customer,
    )
    for n in range(4):
        other = create_contact(actor=operator, full_name=f"Абонент {n}", phones=[f"+7 912 000-00-0{n}"])
        open_ticket(actor=operator, subject=f"Показания счётчика, кв. {10 + n}", channel=Channel.PHONE, contact=other)
    return {
        "line1": line1,
        "line2": line2,
        "operator": operator,
        "specialist": specialist,
        "colleague": colleague,
        "supervisor": supervisor,
        "customer_user": customer_user,
        "customer": customer,
        "earlier": earlier,
    }


def test_call_escalate_resolve_rate(new_page: Any, screens: Screens) -> None:
    w = _world()
    line2: Queue = w["line2"]

    # --- 1st line: the call -------------------------------------------------------------
    op = new_page()
    op.goto("/login/")
    screens.shot(op, "login")
    login(op, "operator")
    expect(op.get_by_role("heading", name=re.compile("Здравствуйте"))).to_be_visible()
    screens.shot(op, "agent-home")

    op.keyboard.press("n")  # the shortcut for a new request
    expect(op).to_have_url(re.compile("/desk/new/"))
    lookup = op.get_by_label("Телефон, имя или e-mail звонящего")
    expect(lookup).to_be_focused()
    lookup.press_sequentially("8 (912) 345-67-89", delay=15)
    option = op.get_by_role("option", name=re.compile("Иванова Анна"))
    expect(option).to_be_visible()
    expect(option).to_contain_text("1 открытая")
    lookup.press("Enter")
    caller = op.locator("#caller")
    expect(caller).to_contain_text("Иванова Анна Сергеевна")
    expect(caller).to_contain_text("Не работает домофон в подъезде 2")  # the repeat caller's open ticket
    op.get_by_label("Суть обращения").fill("Нет горячей воды в квартире 45")
    op.get_by_label("Подробности").fill("С 8 утра нет горячей воды, соседи тоже жалуются.")
    op.get_by_label("Категория").select_option(label="Отопление и горячая вода")
    op.get_by_label("Срочность").select_option(label="высокая")
    screens.shot(op, "new-request-repeat-caller")
    op.get_by_label("Подробности").press("Control+Enter")
    expect(op).to_have_url(re.compile(r"/desk/t/HL-\d+/"))
    expect(op.locator(".toast")).to_contain_text("создана")
    ticket = Ticket.objects.get(subject="Нет горячей воды в квартире 45")
    assert ticket.contact_id == w["customer"].pk
    assert Ticket.objects.filter(contact=w["customer"]).count() == 2

    # Escalation requires a reason: an empty one is refused beside the field.
    op.get_by_role("button", name="Эскалировать").click()
    dialog = op.locator("#escalate-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Эскалировать").click()
    expect(op.locator("#escalate-dialog .field-error")).to_be_visible()
    dialog = op.locator("#escalate-dialog")
    dialog.get_by_label("Причина эскалации").fill("Нужна проверка стояка, на первой линии не решить")
    screens.shot(op, "escalate-dialog")
    dialog.get_by_role("button", name="Эскалировать").click()
    expect(op.locator(".toast").last).to_contain_text("эскалирована")
    ticket.refresh_from_db()
    assert ticket.queue_id == line2.pk
    assert ticket.escalation_level == 1

    # --- 2nd line: two specialists open the same ticket -------------------------------------
    spec = new_page()
    login(spec, "specialist")
    spec.goto(f"/desk/t/{ticket.number}/")
    expect(spec.get_by_role("heading", name=re.compile("Нет горячей воды"))).to_be_visible()
    mate = new_page()
    login(mate, "colleague")
    mate.goto(f"/desk/t/{ticket.number}/")
    expect(mate.locator("[data-presence]")).to_contain_text("Смирнов", timeout=15_000)
    expect(spec.locator("[data-presence]")).to_contain_text("Ким", timeout=15_000)
    spec.get_by_role("button", name="Взять себе").click()
    expect(spec.locator(".toast").last).to_contain_text("взяли")
    # The colleague's page was not reloaded: it is told the ticket changed under it.
    expect(mate.locator("#stale-notice")).to_contain_text("изменил другой сотрудник", timeout=15_000)

    # The colleague starts typing: the specialist is told.
    mate.keyboard.press("i")
    mate.locator("textarea[name=note]").type("Проверяю по журналу…", delay=10)
    expect(spec.locator("[data-presence]")).to_contain_text("пишет", timeout=15_000)
    screens.shot(spec, "collision-warning")

    # Internal note, then a public reply that resolves the ticket.
    spec.expect_navigation  # noqa: B018 - documents that each submit reloads the page
    spec.get_by_role("tab", name=re.compile("Внутренний комментарий")).click()
    spec.locator("textarea[name=note]").fill("Стояк перекрыт подрядчиком, открыли в 11:40. Акт у мастера.")
    spec.get_by_role("button", name="Добавить комментарий").click()
    expect(spec.locator(".msg-note").last).to_contain_text("Стояк перекрыт")
    spec.get_by_role("tab", name=re.compile("Ответ клиенту")).click()
    spec.locator("textarea[name=body]").fill(
        "Анна Сергеевна, горячую воду дали в 11:40. Если снова пропадёт — ответьте."
    )
    spec.locator("select[name=then_status]").select_option(Status.RESOLVED)
    spec.get_by_role("button", name="Отправить клиенту").click()
    expect(spec.locator(".ticket-meta .badge")).to_contain_text("решена")
    # The colleague's page follows live: the reply appears without a reload.
    expect(mate.locator(".msg-agent").last).to_contain_text("горячую воду дали", timeout=15_000)
    screens.shot(spec, "ticket-resolved-note-and-reply", full_page=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    # --- the customer, on a phone ---------------------------------------------------------
    cust = new_page(width=390, height=844)
    login(cust, "ivanova@example.ru")
    expect(cust).to_have_url(re.compile("/portal/"))
    row = cust.locator(f"[data-ticket='{ticket.number}']")
    expect(row).to_contain_text("Статус изменился")
    expect(row).to_contain_text("решена")
    screens.shot(cust, "portal-my-requests-phone")
    row.click()
    expect(cust.get_by_text("горячую воду дали")).to_be_visible()
    expect(cust.get_by_text("Стояк перекрыт")).to_have_count(0)  # internal notes never reach the customer
    cust.get_by_role("button", name="Отправить оценку").click()
    expect(cust.locator("#rate .field-error")).to_be_visible()  # a score is required
    cust.locator("label[for=score-5]").click()
    cust.get_by_label("Комментарий").fill("Быстро и вежливо, спасибо!")
    screens.shot(cust, "portal-rate-phone", full_page=True)
    cust.get_by_role("button", name="Отправить оценку").click()
    expect(cust.get_by_text("Ваша оценка: 5 из 5")).to_be_visible()
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (5, "Быстро и вежливо, спасибо!")

    # --- back at the desk: the queue and the supervisor's view ---------------------------
    boss = new_page()
    login(boss, "supervisor")
    boss.goto("/desk/tickets/?status=")
    expect(boss.locator("table.table")).to_contain_text(ticket.number)
    screens.shot(boss, "queue")
    boss.locator("input[name=ticket_ids]").nth(1).check()
    boss.locator("input[name=ticket_ids]").nth(2).check()
    expect(boss.locator("[data-bulk-bar]")).to_contain_text("Выбрано: 2")
    screens.shot(boss, "queue-bulk-actions")
    boss.keyboard.press("Escape")
    boss.locator("body").press("/")
    expect(boss.locator("#global-search")).to_be_focused()
    boss.keyboard.type("+7 912 345 67 89", delay=10)
    suggestion = boss.locator("#search-suggest").get_by_role("option", name=re.compile("Иванова Анна"))
    expect(suggestion).to_be_visible()
    screens.shot(boss, "global-search")
    suggestion.click()
    expect(boss.get_by_role("heading", name="Иванова Анна Сергеевна")).to_be_visible()
    expect(boss.locator("main")).to_contain_text("Нет горячей воды в квартире 45")  # the interaction history
    screens.shot(boss, "contact-card")
    boss.goto("/desk/team/")
    expect(boss.locator("#load-table")).to_contain_text("Смирнов")
    screens.shot(boss, "team-load")


def test_portal_sign_up_and_submit(new_page: Any, screens: Screens) -> None:
    LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    CategoryFactory.create(name="Вопрос по счёту")
    page = new_page(width=390, height=844)
    page.goto("/portal/signup/")
    page.get_by_label("Имя и фамилия").fill("Пётр Васильев")
    page.get_by_label("E-mail").fill("petr@example.ru")
    page.get_by_label("Пароль", exact=True).fill("short")
    page.get_by_label("Пароль ещё раз").fill("short")
    page.get_by_label(re.compile("Согласен на обработку")).check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("petr@example.ru")  # nothing typed is lost
    screens.shot(page, "signup-errors-phone", full_page=True)
    page.get_by_label("Пароль", exact=True).fill("Tepl0-Voda-2026")
    page.get_by_label("Пароль ещё раз").fill("Tepl0-Voda-2026")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile("/portal/new/"))
    page.get_by_label("Тема").fill("Двойное начисление за октябрь")
    page.get_by_label("Опишите вопрос").fill("В квитанции за октябрь дважды начислено за вывоз мусора.")
    page.get_by_label("Категория").select_option(label="Вопрос по счёту")
    page.get_by_label("Файлы").set_input_files(
        files=[{"name": "kvitanciya.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 test"}]
    )
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text("kvitanciya.pdf")).to_be_visible()
    user = User.objects.get(email="petr@example.ru")
    ticket = Ticket.objects.get(subject="Двойное начисление за октябрь")
    assert ticket.contact is not None
    assert ticket.contact.user_id == user.pk
    assert ticket.channel == Channel.PORTAL
    screens.shot(page, "portal-request-submitted-phone", full_page=True)


def test_language_switch_and_english(new_page: Any, screens: Screens) -> None:
    _world()
    page = new_page()
    login(page, "operator")
    page.get_by_role("button", name="EN").first.click()
    expect(page.get_by_role("link", name=re.compile("New request"))).to_be_visible()
    assert User.objects.get(username="operator").language == "en"
    page.goto("/desk/tickets/")
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    page.goto("/desk/new/")
    expect(page.get_by_label("Caller's phone, name or e-mail")).to_be_focused()
    page.keyboard.type("Иванова", delay=10)
    expect(page.get_by_role("option", name=re.compile("Иванова Анна"))).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#caller")).to_contain_text("1 open ticket already")
    screens.shot(page, "new-request-english")


def test_queue_updates_live(new_page: Any, screens: Screens) -> None:
    _world()
    boss = new_page()
    login(boss, "supervisor")
    boss.goto("/desk/tickets/?status=open_all")
    open_count = boss.locator("#status-chips a").first
    expect(open_count).to_contain_text("5")
    op = new_page()
    login(op, "operator")
    op.goto("/desk/new/")
    op.get_by_label("Суть обращения").fill("Не горит свет на лестнице")
    op.get_by_role("button", name="Создать заявку").click()
    expect(op).to_have_url(re.compile(r"/desk/t/HL-\d+/"))
    # The supervisor's open queue shows the new ticket and the new count without a reload.
    expect(boss.locator("#status-chips a").first).to_contain_text("6", timeout=15_000)
    expect(boss.locator("#ticket-table")).to_contain_text("Не горит свет на лестнице", timeout=15_000)
    expect(boss.locator("#ticket-count")).to_contain_text("6")
    screens.shot(boss, "queue-live")
