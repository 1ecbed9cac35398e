"""What the desk and portal screens do: each action goes through its service; errors land beside
the field with the input kept; the customer never sees what is internal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.core.models import User
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel, Status
from hotline.desk.models import Attachment, Queue, SatisfactionRating, Ticket
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import resolve_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client: Client, operator: User) -> Client:
    client.force_login(operator)
    return client


def test_lookup_finds_the_caller_by_a_number_in_another_format(agent: Client, operator: User, line1: Queue) -> None:
    caller = create_contact(actor=operator, full_name="Иванова Анна", phones=["+7 912 345-67-89"])
    open_ticket(actor=operator, subject="Домофон", channel=Channel.PHONE, contact=caller)
    page = agent.get("/desk/new/lookup/", {"q": "8 (912) 345-67-89"}).content.decode()
    assert "Иванова Анна" in page
    assert "1 открытая" in page
    panel = agent.get(f"/desk/new/caller/{caller.pk}/").content.decode()
    assert "Домофон" in panel  # the repeat caller's open ticket, before anything is saved


def test_new_ticket_keeps_the_input_on_error_and_opens_on_success(agent: Client, operator: User, line1: Queue) -> None:
    caller = create_contact(actor=operator, full_name="Петров Пётр", phones=["+79120000001"])
    form = {"contact_id": caller.pk, "channel": "phone", "impact": 2, "urgency": 2}
    bad = agent.post("/desk/new/", {**form, "subject": "", "description": "Течёт кран"})
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "Течёт кран" in page
    assert "Петров Пётр" in page  # the picked caller stays picked
    good = agent.post("/desk/new/", {**form, "subject": "Течёт кран", "urgency": 3})
    ticket = Ticket.objects.get(subject="Течёт кран")
    assert good["Location"] == f"/desk/t/{ticket.number}/"
    assert ticket.contact_id == caller.pk
    assert ticket.created_by_id == operator.pk


def test_inline_new_caller_errors_go_back_into_the_dialog(agent: Client) -> None:
    bad = agent.post("/desk/new/caller/", {"nc-full_name": "Сидоров", "nc-phone": "12"})
    assert bad.status_code == 422
    assert bad["HX-Retarget"] == "#new-caller-form"
    assert 'value="Сидоров"' in bad.content.decode()
    good = agent.post("/desk/new/caller/", {"nc-full_name": "Сидоров Иван", "nc-phone": "8 912 111-22-33"})
    assert good.status_code == 200
    assert good["HX-Trigger"] == "closeDialogs"
    assert "+79121112233" in good.content.decode()


def test_reply_resolves_and_note_stays_internal(client: Client, operator: User, customer: User, ticket: Ticket) -> None:
    client.force_login(operator)
    client.post(f"/desk/t/{ticket.number}/note/", {"note": "Подрядчик перекрыл стояк"})
    client.post(f"/desk/t/{ticket.number}/reply/", {"body": "Воду дали", "then_status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    client.force_login(customer)
    portal = client.get(f"/portal/r/{ticket.number}/").content.decode()
    assert "Воду дали" in portal
    assert "Подрядчик перекрыл стояк" not in portal


def test_empty_reply_is_refused_beside_the_editor(agent: Client, ticket: Ticket) -> None:
    response = agent.post(f"/desk/t/{ticket.number}/reply/", {"body": ""})
    assert response.status_code == 422
    assert "field-error" in response.content.decode()


def test_escalation_needs_a_reason(agent: Client, ticket: Ticket, line2: Queue) -> None:
    refused = agent.post(f"/desk/t/{ticket.number}/escalate/", {"reason": ""})
    assert refused.status_code == 422
    assert "data-open-on-load" in refused.content.decode()
    done = agent.post(f"/desk/t/{ticket.number}/escalate/", {"reason": "Нужен специалист"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.queue_id == line2.pk


def test_the_ticket_page_loads_its_dialogs_on_first_use(
    agent: Client, ticket: Ticket, line2: Queue, department: Queue
) -> None:
    page = agent.get(f"/desk/t/{ticket.number}/").content.decode()
    assert f'data-dialogs-src="/desk/t/{ticket.number}/dialogs/"' in page
    assert 'data-open-dialog="escalate-dialog"' in page
    assert 'id="escalate-dialog"' not in page  # not rendered with the page…
    dialogs = agent.get(f"/desk/t/{ticket.number}/dialogs/")
    assert dialogs.status_code == 200
    body = dialogs.content.decode()
    for name in ("escalate", "transfer", "resolve", "priority", "merge", "link", "split", "status"):
        assert f'id="{name}-dialog"' in body, name  # …but on request, each with its form
    assert f'action="/desk/t/{ticket.number}/escalate/"' in body
    assert department.name in body  # the transfer form offers the departments


def test_dialogs_are_for_who_may_change_the_ticket(
    client: Client, ticket: Ticket, customer: User, specialist: User
) -> None:
    url = f"/desk/t/{ticket.number}/dialogs/"
    client.force_login(customer)
    assert client.get(url).status_code == 403
    client.force_login(specialist)  # another line: does not even see the ticket
    assert client.get(url).status_code == 404
    ticket.watchers.add(specialist)  # a watcher reads the ticket but does not change it
    assert client.get(f"/desk/t/{ticket.number}/").status_code == 200
    assert client.get(url).status_code == 403


def test_transfer_to_a_department(agent: Client, ticket: Ticket, department: Queue) -> None:
    agent.post(f"/desk/t/{ticket.number}/transfer/", {"to_queue": department.pk, "reason": "Вопрос по оплате"})
    ticket.refresh_from_db()
    assert ticket.queue_id == department.pk


def test_bulk_assign_status_and_merge(agent: Client, operator: User, customer: User, line1: Queue) -> None:
    tickets = [
        open_ticket(actor=operator, subject=f"Заявка {i}", channel=Channel.PHONE, contact=customer.contact)
        for i in range(3)
    ]
    ids = [t.pk for t in tickets]
    agent.post("/desk/tickets/bulk/", {"ticket_ids": ids, "action": "assign", "assignee": "me"})
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {operator.pk}
    agent.post("/desk/tickets/bulk/", {"ticket_ids": ids[:1], "action": "status", "status": "pending_customer"})
    assert Ticket.objects.get(pk=ids[0]).status == Status.PENDING_CUSTOMER
    agent.post("/desk/tickets/bulk/", {"ticket_ids": ids[1:], "action": "merge", "merge_into": ""})
    assert Ticket.objects.get(pk=ids[2]).merged_into_id == ids[1]


def test_queue_filters_and_saved_filter(agent: Client, operator: User, customer: User, line1: Queue) -> None:
    open_ticket(actor=operator, subject="Нет света в подъезде", channel=Channel.PHONE, contact=customer.contact)
    open_ticket(actor=operator, subject="Счёт за воду", channel=Channel.EMAIL, contact=customer.contact)
    page = agent.get("/desk/tickets/", {"channel": "email", "status": "open_all"}).content.decode()
    assert "Счёт за воду" in page
    assert "Нет света" not in page
    saved = agent.post("/desk/tickets/filters/", {"name": "Почта", "query": "channel=email&status=open_all"})
    assert saved["Location"] == "/desk/tickets/?channel=email&status=open_all"
    assert "Почта" in agent.get("/desk/tickets/").content.decode()


def test_portal_request_with_attachment_reply_and_rating(
    client: Client, customer: User, operator: User, line1: Queue
) -> None:
    client.force_login(customer)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG fake", content_type="image/png")
    response = client.post(
        "/portal/new/", {"subject": "Протечка", "description": "Капает с потолка", "attachments": [upload]}
    )
    ticket = Ticket.objects.get(subject="Протечка")
    assert response["Location"] == f"/portal/r/{ticket.number}/"
    assert ticket.channel == Channel.PORTAL
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert client.get(f"/portal/files/{attachment.pk}/").status_code == 200

    add_reply(actor=operator, ticket=ticket, body_text="Мастер придёт завтра")
    resolve_ticket(actor=operator, ticket=ticket, resolution_code="solved")
    listing = client.get("/portal/").content.decode()
    assert "Статус изменился" in listing
    no_score = client.post(f"/portal/r/{ticket.number}/rate/", {"comment": "Хорошо"})
    assert no_score.status_code == 422
    assert "Хорошо" in no_score.content.decode()
    client.post(f"/portal/r/{ticket.number}/rate/", {"score": 4, "comment": "Хорошо"})
    assert SatisfactionRating.objects.get(ticket=ticket).score == 4
    again = client.post(f"/portal/r/{ticket.number}/rate/", {"score": 1})
    assert again.status_code == 422
    assert SatisfactionRating.objects.get(ticket=ticket).score == 4
    assert "Статус изменился" not in client.get("/portal/").content.decode()  # seen now


def test_customer_cannot_download_internal_files(
    client: Client, customer: User, operator: User, ticket: Ticket
) -> None:
    note = add_note(
        actor=operator,
        ticket=ticket,
        body_text="Скан акта",
        attachments=[SimpleUploadedFile("akt.pdf", b"%PDF-1.4", content_type="application/pdf")],
    )
    attachment = note.attachments.get()
    client.force_login(customer)
    assert client.get(f"/portal/files/{attachment.pk}/").status_code == 404
    client.force_login(operator)
    assert client.get(f"/desk/files/{attachment.pk}/").status_code == 200


def test_portal_sign_up(client: Client, line1: Queue) -> None:
    form = {
        "full_name": "Анна Иванова",
        "email": "Anna@Example.ru",
        "phone": "",
        "password1": "Tepl0-Voda-2026",
        "password2": "Tepl0-Voda-2026",
        "consent": "on",
    }
    response = client.post("/portal/signup/", form)
    assert response["Location"] == "/portal/new/"
    user = User.objects.get(email="anna@example.ru")
    assert user.role == "customer"
    assert user.contact.pd_consent_at is not None
    client.logout()
    again = client.post("/portal/signup/", form)
    assert again.status_code == 422
    assert "уже есть" in again.content.decode()


def test_custom_fields_of_the_category(agent: Client, operator: User, line1: Queue) -> None:
    from hotline.desk.tests.factories import CategoryFactory, CustomFieldDefinitionFactory

    category = CategoryFactory.create(name="Счётчики")
    CustomFieldDefinitionFactory.create(
        category=category, key="flat", label="Квартира", field_type="integer", required=True
    )
    inputs = agent.get("/desk/new/fields/", {"category": category.pk}).content.decode()
    assert 'name="cf_flat"' in inputs
    form = {"subject": "Показания", "channel": "phone", "impact": 2, "urgency": 2, "category": category.pk}
    missing = agent.post("/desk/new/", form)
    assert missing.status_code == 422
    assert "Квартира" in missing.content.decode()
    done = agent.post("/desk/new/", {**form, "cf_flat": "45"})
    assert done.status_code == 302
    ticket = Ticket.objects.get(subject="Показания")
    assert ticket.custom_fields == {"flat": 45}
    refused = agent.post(f"/desk/t/{ticket.number}/fields/", {"cf_flat": "сорок"})
    assert refused.status_code == 422
    assert 'value="сорок"' in refused.content.decode()
    agent.post(f"/desk/t/{ticket.number}/fields/", {"cf_flat": "46"})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"flat": 46}


def test_a_bad_filter_value_drops_only_that_filter(agent: Client, operator: User, customer: User, line1: Queue) -> None:
    open_ticket(actor=operator, subject="Счёт за воду", channel=Channel.EMAIL, contact=customer.contact)
    open_ticket(actor=operator, subject="Нет света", channel=Channel.PHONE, contact=customer.contact)
    page = agent.get("/desk/tickets/", {"channel": "email", "priority": "abc", "created_from": "31.31.2026"})
    assert page.status_code == 200
    assert "Счёт за воду" in page.content.decode()
    assert "Нет света" not in page.content.decode()
