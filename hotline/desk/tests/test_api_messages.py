"""Replies, internal notes, attachments and history through the API; what a customer never sees."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.core.models import User
from hotline.desk.choices import Status
from hotline.desk.models import Attachment, Message, Queue, Ticket
from hotline.desk.tests.api_client import Api
from hotline.desk.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def url(ticket: Ticket, tail: str) -> str:
    return f"/api/tickets/{ticket.number}/{tail}"


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_agent_reply_is_public_and_starts_the_work(operator: User, ticket: Ticket) -> None:
    body = created(Api.session(operator).post(url(ticket, "replies"), {"body_text": "Мастер придёт завтра"}))

    assert body["is_internal"] is False
    assert body["kind"] == "reply"
    assert body["author"] == {
        "kind": "agent",
        "name": operator.display_name,
        "user_id": operator.pk,
        "contact_id": None,
    }
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at is not None


def test_html_reply_is_sanitised(operator: User, ticket: Ticket) -> None:
    body = created(
        Api.session(operator).post(url(ticket, "replies"), {"body_html": "<p>Готово</p><script>alert(1)</script>"})
    )

    assert "<script" not in body["body_html"]
    assert "Готово" in body["body_text"]


def test_note_is_internal_and_hidden_from_the_customer(operator: User, customer: User, ticket: Ticket) -> None:
    agent = Api.session(operator)
    created(agent.post(url(ticket, "replies"), {"body_text": "Здравствуйте, уточните адрес"}))
    note = created(agent.post(url(ticket, "notes"), {"body_text": "Клиент звонит третий раз, жалобщик"}))
    assert note["is_internal"] is True

    seen_by_agent = agent.get(url(ticket, "messages")).json()
    seen_by_customer = Api.token(customer).get(url(ticket, "messages")).json()

    assert note["id"] in [m["id"] for m in seen_by_agent]
    assert note["id"] not in [m["id"] for m in seen_by_customer]
    assert all(m["is_internal"] is False for m in seen_by_customer)
    assert "жалобщик" not in str(seen_by_customer)


def test_customer_cannot_write_notes(customer: User, ticket: Ticket) -> None:
    response = Api.token(customer).post(url(ticket, "notes"), {"body_text": "Я тоже хочу"})

    assert response.status_code == 403
    assert not Message.objects.filter(is_internal=True).exists()


def test_customer_reply_reopens_a_resolved_ticket(customer: User, ticket: Ticket) -> None:
    ticket.status = Status.RESOLVED
    ticket.save(update_fields=["status"])

    body = created(Api.token(customer).post(url(ticket, "replies"), {"body_text": "Не помогло"}))

    assert body["author"]["kind"] == "contact"
    assert body["author"]["contact_id"] == customer.contact.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


@pytest.mark.parametrize("tail", ["replies", "notes"])
def test_empty_message_is_422(operator: User, ticket: Ticket, tail: str) -> None:
    response = Api.session(operator).post(url(ticket, tail), {"body_text": "  "})

    assert response.status_code == 422
    assert response.json()["field"] == "body_text"


def test_malformed_json_body_is_422(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)
    response = api.client.post(url(ticket, "replies"), "{oops", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"garbage", "multipart/form-data"),  # no boundary
        (b"hi", "text/plain"),
    ],
)
def test_bodies_that_are_not_an_object_are_422_in_the_error_format(
    operator: User, ticket: Ticket, content: bytes, content_type: str
) -> None:
    response = Api.session(operator).client.post(url(ticket, "replies"), content, content_type=content_type)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_plain_html_form_post_works(operator: User, ticket: Ticket) -> None:
    response = Api.session(operator).client.post(
        url(ticket, "replies"), "body_text=%D0%93%D0%BE%D1%82%D0%BE%D0%B2%D0%BE", "application/x-www-form-urlencoded"
    )

    assert created(response)["body_text"] == "Готово"


def test_wrong_type_in_the_body_names_the_field(operator: User, ticket: Ticket) -> None:
    response = Api.session(operator).post(url(ticket, "replies"), {"body_text": ["список"]})

    assert response.status_code == 422
    assert response.json()["field"] == "body_text"


# ------------------------------------------------------------------ attachments


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_multipart_reply_with_files_and_download_with_the_cyrillic_name(
    operator: User, customer: User, ticket: Ticket
) -> None:
    api = Api.session(operator)
    body = created(
        api.multipart(
            url(ticket, "replies"),
            {
                "body_text": "Квитанция во вложении",
                "attachments": [upload("Квитанция за май.pdf", b"%PDF-1.4 test"), upload("photo.png", b"\x89PNG")],
            },
        )
    )

    names = [a["name"] for a in body["attachments"]]
    assert names == ["Квитанция за май.pdf", "photo.png"]
    attachment = body["attachments"][0]
    assert attachment["size"] == len(b"%PDF-1.4 test")

    # The customer downloads it with their token; the name survives per RFC 5987.
    response = Api.token(customer).get(attachment["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Квитанция за май.pdf')}" in disposition
    assert 'filename="' in disposition  # ASCII fallback for old clients
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_on_a_note_is_staff_only(operator: User, customer: User, ticket: Ticket) -> None:
    body = created(
        Api.session(operator).multipart(
            url(ticket, "notes"), {"body_text": "скан паспорта", "attachments": [upload("паспорт.jpg", b"jpeg")]}
        )
    )
    attachment_url = body["attachments"][0]["url"]

    assert Api.session(operator).get(attachment_url).status_code == 200
    response = Api.token(customer).get(attachment_url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_attachment_of_a_foreign_ticket_is_404(operator: User, specialist: User, ticket: Ticket) -> None:
    body = created(
        Api.session(operator).multipart(
            url(ticket, "replies"), {"body_text": "акт", "attachments": [upload("акт.pdf", b"pdf")]}
        )
    )

    assert Api.session(specialist).get(body["attachments"][0]["url"]).status_code == 404
    assert Api.anonymous().get(body["attachments"][0]["url"]).status_code == 401
    assert Api.session(operator).get("/api/attachments/999999").status_code == 404


def test_blocked_file_type_is_422_and_nothing_is_stored(operator: User, ticket: Ticket) -> None:
    response = Api.session(operator).multipart(
        url(ticket, "replies"),
        {"body_text": "вот программа", "attachments": [upload("setup.exe", b"MZ", "application/octet-stream")]},
    )

    assert response.status_code == 422
    assert response.json()["field"].startswith("attachments")
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()


def test_file_too_large_is_422(operator: User, ticket: Ticket, settings: Any) -> None:
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 10
    response = Api.session(operator).multipart(
        url(ticket, "replies"), {"body_text": "большой", "attachments": [upload("big.pdf", b"x" * 11)]}
    )

    assert response.status_code == 422
    assert response.json()["field"].startswith("attachments")


# ------------------------------------------------------------------ history


def test_history_for_agents_and_the_customer_view(operator: User, customer: User, ticket: Ticket) -> None:
    agent = Api.session(operator)
    agent.post(url(ticket, "take"))
    agent.post(url(ticket, "notes"), {"body_text": "внутреннее"})
    agent.post(url(ticket, "status"), {"status": "pending_customer", "reason": "проверяем должника"})

    full = agent.get(url(ticket, "history")).json()
    public = Api.token(customer).get(url(ticket, "history")).json()

    assert {"taken", "note_added", "status_changed"} <= {entry["action"] for entry in full}
    status_entry = next(e for e in full if e["new_value"] == "pending_customer")
    assert status_entry["actor"]["id"] == operator.pk
    assert status_entry["reason"] == "проверяем должника"
    assert [(e["field"], e["new_value"]) for e in public] == [("status", "open"), ("status", "pending_customer")]
    assert all(e["actor"] is None and e["reason"] == "" for e in public)


def test_messages_list_costs_the_same_queries_for_few_or_many(
    operator: User, ticket: Ticket, django_assert_max_num_queries: Any
) -> None:
    api = Api.session(operator)

    def add(count: int) -> None:
        for i in range(count):
            api.multipart(
                url(ticket, "replies"), {"body_text": f"ответ {i}", "attachments": [upload(f"{i}.pdf", b"1")]}
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(url(ticket, "messages")).json()) == 2
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url(ticket, "messages")).json()) == 12

    assert len(many.captured_queries) == len(few.captured_queries)
    with django_assert_max_num_queries(10):
        api.get(url(ticket, "history"))


def test_tickets_of_a_line_you_do_not_work_are_404_for_messages(specialist: User, line1: Queue) -> None:
    ticket = TicketFactory.create(queue=line1)
    api = Api.session(specialist)

    for tail in ("messages", "history"):
        assert api.get(url(ticket, tail)).status_code == 404
