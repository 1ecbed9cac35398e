"""Replies, internal notes and attachments."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel, MessageKind, ResolutionCode, Status
from hotline.desk.models import Attachment, Message, Ticket
from hotline.desk.selectors import get_attachment_for, list_messages
from hotline.desk.services.messages import add_note, add_reply, html_to_text, sanitize_html
from hotline.desk.services.relations import merge_tickets
from hotline.desk.services.workflow import change_status, close_ticket, resolve_ticket
from hotline.desk.tests.factories import TicketFactory
from hotline.desk.tests.helpers import assert_trail, events_named

pytestmark = pytest.mark.django_db


def test_an_agent_reply_is_public_and_is_the_first_response(operator: User, ticket: Ticket) -> None:
    message = add_reply(actor=operator, ticket=ticket, body_text="Здравствуйте! Проверьте кабель.")
    assert (message.kind, message.is_internal, message.author_user, message.author_contact) == (
        MessageKind.REPLY,
        False,
        operator,
        None,
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == message.created_at
    assert ticket.last_agent_message_at == message.created_at
    assert ticket.status == Status.OPEN  # an agent answered: the ticket is being worked on
    assert_trail(ticket, action="replied", event="desk.MessageAdded")
    assert events_named("desk.MessageAdded")[0]["from_customer"] is False


def test_the_first_response_time_is_not_moved_by_later_replies(operator: User, ticket: Ticket) -> None:
    first = add_reply(actor=operator, ticket=ticket, body_text="Первый")
    add_reply(actor=operator, ticket=ticket, body_text="Второй")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at


def test_a_customer_reply_reopens_a_resolved_ticket(operator: User, customer: User, ticket: Ticket) -> None:
    resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
    message = add_reply(actor=customer, ticket=ticket, body_text="Не помогло, опять не печатает")
    assert message.author_contact == customer.contact
    assert message.is_from_customer
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.last_customer_message_at == message.created_at
    assert_trail(ticket, action="reopened", event="desk.TicketStatusChanged")


def test_a_customer_reply_ends_the_wait_for_the_customer(operator: User, customer: User, ticket: Ticket) -> None:
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    add_reply(actor=customer, ticket=ticket, body_text="Фото приложила")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 0


def test_a_customer_reply_to_a_closed_ticket_is_refused(operator: User, customer: User, ticket: Ticket) -> None:
    resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
    close_ticket(actor=operator, ticket=ticket)
    with pytest.raises(Conflict):
        add_reply(actor=customer, ticket=ticket, body_text="А ещё…")


def test_a_channel_reply_comes_from_the_ticket_contact_and_is_recognised_on_redelivery(
    ticket: Ticket, contact: Contact
) -> None:
    first = add_reply(actor=None, ticket=ticket, body_text="Ответ письмом", channel=Channel.EMAIL, external_id="<m1@x>")
    again = add_reply(actor=None, ticket=ticket, body_text="Ответ письмом", channel=Channel.EMAIL, external_id="<m1@x>")
    assert again.pk == first.pk
    assert first.author_contact == ticket.contact
    assert first.channel == Channel.EMAIL
    cc = add_reply(actor=None, ticket=ticket, body_text="И я", author_contact=contact, external_id="<m2@x>")
    assert cc.author_contact == contact
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_an_operator_logs_what_a_caller_said(operator: User, ticket: Ticket) -> None:
    message = add_reply(
        actor=operator, ticket=ticket, body_text="Звонил, просит ускорить", author_contact=ticket.contact
    )
    assert message.is_from_customer


def test_a_customer_reply_to_a_merged_ticket_lands_in_the_survivor(
    operator: User, customer: User, ticket: Ticket
) -> None:
    target = TicketFactory.create(queue=ticket.queue, contact=customer.contact)
    merge_tickets(actor=operator, source=ticket, target=target)
    message = add_reply(actor=customer, ticket=ticket, body_text="Есть новости?")
    assert message.ticket_id == target.pk


def test_an_empty_message_is_refused(operator: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as err:
        add_reply(actor=operator, ticket=ticket, body_text="  ", body_html="<p> </p>")
    assert err.value.field == "body_text"


def test_html_is_sanitised_and_gives_the_text(operator: User, ticket: Ticket) -> None:
    message = add_reply(
        actor=operator,
        ticket=ticket,
        body_text="",
        body_html='<p onclick="steal()">Добрый день!</p><script>alert(1)</script><p><a href="javascript:x()">тут</a>'
        '<a href="https://example.ru">сайт</a></p>',
    )
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert "javascript:" not in message.body_html
    assert 'href="https://example.ru"' in message.body_html
    assert message.body_text.startswith("Добрый день!")
    assert "alert" not in message.body_text


def test_sanitize_and_text_helpers() -> None:
    assert sanitize_html("") == ""
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\nc\nd"


class TestNotes:
    def test_a_note_is_internal_and_hidden_from_the_customer(
        self, operator: User, customer: User, ticket: Ticket
    ) -> None:
        add_reply(actor=operator, ticket=ticket, body_text="Публичный ответ")
        note = add_note(actor=operator, ticket=ticket, body_text="Клиент звонит третий раз")
        assert (note.kind, note.is_internal) == (MessageKind.NOTE, True)
        assert_trail(ticket, action="note_added", event="desk.MessageAdded")
        assert note in list_messages(operator, ticket)
        customer_view = list_messages(customer, ticket)
        assert note not in customer_view
        assert all(not m.is_internal for m in customer_view)
        ticket.refresh_from_db()
        assert ticket.first_response_at is not None

    def test_a_note_does_not_count_as_a_response(self, operator: User, ticket: Ticket) -> None:
        add_note(actor=operator, ticket=ticket, body_text="Разбираюсь")
        ticket.refresh_from_db()
        assert ticket.first_response_at is None
        assert ticket.status == Status.NEW

    def test_customers_and_strangers_cannot_add_notes(self, customer: User, specialist: User, ticket: Ticket) -> None:
        with pytest.raises(Forbidden):
            add_note(actor=customer, ticket=ticket, body_text="Я тоже хочу")
        with pytest.raises(NotFound):
            add_note(actor=specialist, ticket=ticket, body_text="Чужая")


def test_another_customer_cannot_reply(other_customer: User, ticket: Ticket) -> None:
    with pytest.raises(NotFound):
        add_reply(actor=other_customer, ticket=ticket, body_text="Я тут")


# Attachments ------------------------------------------------------------------------------------------


def _file(name: str, content: bytes = b"%PDF-1.4 hello", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_attachments_are_stored_with_the_original_name_and_hash(operator: User, ticket: Ticket) -> None:
    content = b"%PDF-1.4 " + b"x" * 1000
    message = add_reply(
        actor=operator,
        ticket=ticket,
        body_text="Счёт во вложении",
        attachments=[_file("C:\\Users\\Счёт №5.pdf", content)],
    )
    attachment = Attachment.objects.get(message=message)
    assert attachment.original_name == "Счёт №5.pdf"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.content_type == "application/pdf"
    stored_name = attachment.file.name or ""
    assert attachment.sha256 in stored_name
    assert "Счёт" not in stored_name  # the stored name is ours
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_a_file_alone_is_a_message(customer: User, ticket: Ticket) -> None:
    message = add_reply(actor=customer, ticket=ticket, body_text="", attachments=[_file("photo.jpg", b"\xff\xd8", "")])
    assert message.attachments.get().content_type == "image/jpeg"  # guessed from the name


def test_a_file_over_the_limit_is_refused_before_anything_is_written(
    operator: User, ticket: Ticket, settings: Settings
) -> None:
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as err:
        add_reply(
            actor=operator,
            ticket=ticket,
            body_text="Два файла",
            attachments=[_file("ok.pdf"), _file("big.pdf", b"x" * 1025)],
        )
    assert err.value.field == "attachments.1"
    assert err.value.code == "file_too_large"
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", ["virus.exe", "INVOICE.PDF.EXE", "run.bat", "macro.js "])
def test_blocked_file_types_are_refused(operator: User, ticket: Ticket, name: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        add_reply(actor=operator, ticket=ticket, body_text="Файл", attachments=[_file(name)])
    assert err.value.field == "attachments.0"


def test_an_empty_file_is_refused(operator: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed):
        add_reply(actor=operator, ticket=ticket, body_text="Файл", attachments=[_file("empty.txt", b"")])


def test_customers_do_not_get_files_of_internal_notes(operator: User, customer: User, ticket: Ticket) -> None:
    public = add_reply(actor=operator, ticket=ticket, body_text="Инструкция", attachments=[_file("guide.pdf")])
    note = add_note(actor=operator, ticket=ticket, body_text="Скрин логов", attachments=[_file("logs.txt", b"err")])
    public_file = public.attachments.get()
    internal_file = note.attachments.get()
    assert get_attachment_for(customer, public_file.pk) == public_file
    assert get_attachment_for(operator, internal_file.pk) == internal_file
    with pytest.raises(NotFound):
        get_attachment_for(customer, internal_file.pk)


def test_files_of_other_peoples_tickets_are_not_found(operator: User, other_customer: User, ticket: Ticket) -> None:
    message = add_reply(actor=operator, ticket=ticket, body_text="Файл", attachments=[_file("a.pdf")])
    with pytest.raises(NotFound):
        get_attachment_for(other_customer, message.attachments.get().pk)
    with pytest.raises(NotFound):
        get_attachment_for(operator, 999_999)
