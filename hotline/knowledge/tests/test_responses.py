"""Canned responses with placeholders, macros applied through the desk's services, and the editor's endpoints."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from hotline.desk.models import Message, TicketHistory
from hotline.knowledge import selectors
from hotline.knowledge.services import macros, responses
from hotline.knowledge.tests.helpers import open_ticket

pytestmark = pytest.mark.django_db

GREETING = (
    "Здравствуйте, {{ contact.first_name | уважаемый клиент }}! По заявке {{ticket.number}} ответит "
    "{{ agent.name }}.\n{{ queue.signature }}"
)


@pytest.fixture
def signed_queue(line1):
    line1.signature = "Служба поддержки «Водоканал»"
    line1.save(update_fields=["signature"])
    return line1


def test_placeholders_are_filled_for_the_ticket(operator, signed_queue, customer):
    operator.first_name, operator.last_name = "Мария", "Иванова"
    operator.save(update_fields=["first_name", "last_name"])
    response = responses.save_canned_response(actor=operator, name="Приветствие", body=GREETING, personal=True)
    assert response.shortcut == "приветствие"
    ticket = open_ticket(operator, "Нет воды", contact=customer.contact)
    text = responses.render_canned_response(actor=operator, response=response, ticket=ticket)
    assert text == (
        f"Здравствуйте, Анна! По заявке {ticket.number} ответит Мария Иванова.\nСлужба поддержки «Водоканал»"
    )
    anonymous = open_ticket(operator, "Звонок без номера")
    assert responses.render_canned_response(actor=operator, response=response, ticket=anonymous).startswith(
        "Здравствуйте, уважаемый клиент!"
    )
    response.refresh_from_db()
    assert response.use_count == 2


def test_unknown_placeholders_are_refused_with_the_list(operator):
    with pytest.raises(ValidationFailed) as exc:
        responses.save_canned_response(actor=operator, name="x", body="{{ contact.passport }}", personal=True)
    assert exc.value.field == "body"
    assert "{{ contact.name }}" in exc.value.message
    with pytest.raises(ValidationFailed):
        responses.save_canned_response(actor=operator, name="x", body="Текст {{ незакрытая", personal=True)


def test_scopes_who_keeps_and_who_uses(operator, other_operator, supervisor, admin_user, specialist, line1, line2):
    personal = responses.save_canned_response(actor=operator, name="Мой", shortcut="::my", body="a", personal=True)
    with pytest.raises(Forbidden):
        responses.save_canned_response(actor=operator, name="Очередь", body="b", queue=line1)
    with pytest.raises(Forbidden):
        responses.save_canned_response(actor=operator, name="Всем", body="c")
    queued = responses.save_canned_response(actor=supervisor, name="Очередь", shortcut="hello", body="b", queue=line1)
    shared = responses.save_canned_response(actor=admin_user, name="Всем", shortcut="bye", body="c")
    with pytest.raises(Conflict):
        responses.save_canned_response(actor=admin_user, name="Ещё", shortcut="bye", body="d")
    assert personal.shortcut == "my"
    assert {r.pk for r in selectors.usable_canned_responses(operator)} == {personal.pk, queued.pk, shared.pk}
    assert {r.pk for r in selectors.usable_canned_responses(other_operator)} == {queued.pk, shared.pk}
    assert {r.pk for r in selectors.usable_canned_responses(specialist)} == {shared.pk}
    ticket = open_ticket(operator, "Вопрос")
    with pytest.raises(NotFound):
        responses.render_canned_response(actor=other_operator, response=personal, ticket=ticket)
    with pytest.raises(Forbidden):
        responses.save_canned_response(actor=other_operator, response=personal, name="Чужой", body="x", personal=True)
    # Typing «::he» offers the queue's «hello» first on a ticket of that queue.
    assert [r.shortcut for r in selectors.usable_canned_responses(operator, ticket=ticket, q="::he")] == ["hello"]


def test_macro_applies_several_desk_actions_in_one_click(operator, line1, customer, category):
    reply = responses.save_canned_response(
        actor=operator, name="Решено", body="{{ contact.first_name }}, всё исправлено.", personal=True
    )
    macro = macros.save_macro(
        actor=operator,
        name="Решено: счётчик",
        personal=True,
        reply=reply,
        set_category=category,
        add_tags=["Счётчики", "повторно"],
        assign_to="me",
        set_status="pending_customer",
    )
    ticket = open_ticket(operator, "Счётчик крутится", contact=customer.contact)
    macros.apply_macro(actor=operator, macro=macro, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    assert ticket.assignee == operator
    assert ticket.category == category
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["повторно", "счётчики"]
    reply_message = Message.objects.filter(ticket=ticket, author_user=operator, is_internal=False).get()
    assert reply_message.body_text == "Анна, всё исправлено."
    # Each step is the desk's own: its history rows are there.
    actions = set(TicketHistory.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert {"replied", "category_changed", "tags_changed", "status_changed"} <= actions
    macro.refresh_from_db()
    assert macro.use_count == 1


def test_a_refused_step_undoes_the_whole_macro(operator, line1, customer):
    macro = macros.save_macro(
        actor=operator,
        name="Закрыть сразу",
        personal=True,
        reply=responses.save_canned_response(actor=operator, name="До свидания", body="До свидания", personal=True),
        set_status="closed",
    )
    ticket = open_ticket(operator, "Вопрос", contact=customer.contact)
    with pytest.raises(InvalidTransition):
        macros.apply_macro(actor=operator, macro=macro, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert not Message.objects.filter(ticket=ticket, author_user=operator).exists()


def test_macro_needs_an_action_and_a_real_assignee(operator, customer):
    with pytest.raises(ValidationFailed):
        macros.save_macro(actor=operator, name="Пусто", personal=True)
    with pytest.raises(ValidationFailed) as exc:
        macros.save_macro(actor=operator, name="Кому?", personal=True, assign_to="user", assignee=customer)
    assert exc.value.field == "assignee_id"


def test_macro_on_a_ticket_the_agent_cannot_work_on(operator, specialist, line2):
    macro = macros.save_macro(actor=specialist, name="В работу", personal=True, set_status="open")
    ticket = open_ticket(operator, "Первая линия")
    with pytest.raises(NotFound):
        macros.apply_macro(actor=specialist, macro=macro, ticket=ticket)


def test_macro_assigns_to_a_chosen_agent_of_the_queue(operator, other_operator, line1):
    macro = macros.save_macro(actor=operator, name="Коллеге", personal=True, assign_to="user", assignee=other_operator)
    ticket = open_ticket(operator, "Вопрос")
    macros.apply_macro(actor=operator, macro=macro, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.assignee == other_operator


# ---------- the reply editor's endpoints ----------


def test_editor_lists_by_shortcut_and_inserts_filled_text(client, operator, line1, customer):
    responses.save_canned_response(actor=operator, name="Приветствие", shortcut="привет", body=GREETING, personal=True)
    responses.save_canned_response(actor=operator, name="Прощание", shortcut="пока", body="До свидания", personal=True)
    ticket = open_ticket(operator, "Нет воды", contact=customer.contact)
    client.force_login(operator)
    listed = client.get(reverse("knowledge:canned_list", args=[ticket.number]), {"q": "прив"}).json()["items"]
    assert [i["shortcut"] for i in listed] == ["привет"]
    rendered = client.get(reverse("knowledge:canned_render", args=[ticket.number, listed[0]["id"]])).json()
    assert rendered["text"].startswith("Здравствуйте, Анна! По заявке " + ticket.number)
    tools = client.get(reverse("knowledge:ticket_tools", args=[ticket.number]))
    assert tools.status_code == 200
    assert "::привет" in tools.content.decode()


def test_editor_endpoints_hide_other_peoples_tickets(client, operator, specialist, line1, line2):
    ticket = open_ticket(operator, "Чужая")
    client.force_login(specialist)
    assert client.get(reverse("knowledge:canned_list", args=[ticket.number])).status_code == 404
    assert client.get(reverse("knowledge:ticket_tools", args=[ticket.number])).status_code == 404


def test_macro_button_applies_and_reports(client, operator, line1, customer):
    macro = macros.save_macro(actor=operator, name="В ожидание", personal=True, set_status="pending_customer")
    ticket = open_ticket(operator, "Вопрос", contact=customer.contact)
    client.force_login(operator)
    response = client.post(reverse("knowledge:apply_macro", args=[ticket.number, macro.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", args=[ticket.number])
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    closing = macros.save_macro(actor=operator, name="Закрыть", personal=True, set_status="closed")
    response = client.post(reverse("knowledge:apply_macro", args=[ticket.number, closing.pk]), follow=True)
    assert "не применён" in response.content.decode()


def test_template_pages_create_and_edit(client, operator, line1):
    client.force_login(operator)
    page = client.get(reverse("knowledge:responses"))
    assert page.status_code == 200
    bad = client.post(
        reverse("knowledge:new_response"),
        {"response-name": "x", "response-body": "{{ nope.nope }}", "response-scope": "personal"},
    )
    assert bad.status_code == 422
    assert "Неизвестная подстановка" in bad.content.decode()
    ok = client.post(
        reverse("knowledge:new_response"),
        {
            "response-name": "Спасибо",
            "response-shortcut": "thx",
            "response-body": "Спасибо!",
            "response-scope": "personal",
            "response-is_active": "on",
        },
    )
    assert ok.status_code == 302
    created = selectors.usable_canned_responses(operator)[0]
    edited = client.post(
        reverse("knowledge:edit_response", args=[created.pk]),
        {
            "response-name": "Спасибо",
            "response-shortcut": "thx",
            "response-body": "Большое спасибо!",
            "response-scope": "personal",
            "response-is_active": "on",
        },
    )
    assert edited.status_code == 302
    created.refresh_from_db()
    assert created.body == "Большое спасибо!"
    macro = client.post(
        reverse("knowledge:new_macro"),
        {"macro-name": "Решить", "macro-scope": "personal", "macro-set_status": "resolved", "macro-is_active": "on"},
    )
    assert macro.status_code == 302
    assert [m.name for m in selectors.usable_macros(operator)] == ["Решить"]
