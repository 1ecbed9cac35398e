"""Mail to customers, delivered to a real SMTP server on 127.0.0.1 and read back from it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Status
from hotline.desk.models import Queue, SatisfactionRating
from hotline.desk.services import messages, workflow
from hotline.notify.models import DeliveryStatus, EmailDelivery
from hotline.notify.tests.conftest import deliver
from hotline.notify.tests.helpers import ids, open_ticket, text_of
from hotline.notify.tests.loopback import SmtpServer

pytestmark = pytest.mark.django_db


def test_request_received_in_russian_from_the_queue_address(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    report = deliver()

    assert len(report.sent) == 1
    [mail] = smtp.to("ivan.petrov@example.org")
    assert mail["From"] == "support@uk-domovoy.ru"
    assert mail["Subject"] == f"[{ticket.number}] Ваше обращение принято: Протекает крыша"
    body = text_of(mail)
    assert f"под номером {ticket.number}" in body
    assert "Здравствуйте, Иван Сергеевич!" in body
    assert body.rstrip().endswith("УК «Домовой», диспетчерская\n+7 495 000-00-00")
    assert mail["Auto-Submitted"] == "auto-generated"
    row = EmailDelivery.objects.get(ticket=ticket)
    assert ids(mail["Message-ID"]) == [row.message_id]
    assert row.message_id.startswith(f"{ticket.number}.")
    assert row.message_id.endswith("@uk-domovoy.ru")
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)


def test_english_contact_gets_english_mail(
    smtp: SmtpServer, operator: User, english_contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, english_contact, line1, subject="Roof leaks")
    deliver()

    [mail] = smtp.to("john.smith@example.com")
    assert mail["Subject"] == f"[{ticket.number}] We have received your request: Roof leaks"
    assert f"registered it as {ticket.number}" in text_of(mail)


def test_reply_threads_after_the_customers_mail_and_ours_with_attachments(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    deliver()
    received = EmailDelivery.objects.get(ticket=ticket).message_id
    # The customer answers by mail (what intake does), then the agent replies with a file.
    messages.add_reply(
        actor=None, ticket=ticket, body_text="Фото прилагаю", channel="email", external_id="CAF1234@mail.example.org"
    )
    photo = SimpleUploadedFile("акт осмотра.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    messages.add_reply(actor=operator, ticket=ticket, body_text="Мастер придёт завтра с 10 до 12.", attachments=[photo])
    deliver()

    mails = smtp.to("ivan.petrov@example.org")
    assert len(mails) == 2
    reply = mails[1]
    assert reply["Subject"] == f"[{ticket.number}] Протекает крыша"
    assert "Мастер придёт завтра с 10 до 12." in text_of(reply)
    # A person wrote it: out-of-office responders may answer, so no Auto-Submitted.
    assert reply["Auto-Submitted"] is None
    assert ids(reply["In-Reply-To"]) == ["CAF1234@mail.example.org"]
    assert ids(reply["References"]) == [received, "CAF1234@mail.example.org"]
    [attachment] = list(reply.iter_attachments())
    assert attachment.get_filename() == "акт осмотра.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    html = reply.get_body(preferencelist=("html",))
    assert html is not None
    assert "Мастер придёт завтра" in str(html.get_content())


def test_internal_note_never_reaches_the_customer(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    messages.add_note(actor=operator, ticket=ticket, body_text="Клиент конфликтный, осторожно")
    deliver()

    assert [m["Subject"] for m in smtp.to("ivan.petrov@example.org")] == [
        f"[{ticket.number}] Ваше обращение принято: Протекает крыша"
    ]


def test_status_change_notice_names_both_statuses_and_offers_unsubscribe(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    workflow.change_status(actor=operator, ticket=ticket, status=Status.OPEN)
    workflow.change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER, reason="нужен доступ")
    deliver()

    mails = smtp.to("ivan.petrov@example.org")
    # new → open is routine and not announced; waiting for the customer is.
    assert len(mails) == 2
    notice = mails[1]
    assert notice["Subject"] == f"[{ticket.number}] Статус заявки: ожидает вашего ответа"
    assert "в работе → ожидает вашего ответа" in text_of(notice)
    assert "нужен доступ" not in text_of(notice)
    unsubscribe = ids(notice["List-Unsubscribe"])
    assert len(unsubscribe) == 1
    assert "/notifications/unsubscribe/" in unsubscribe[0]
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[0] in text_of(notice)
    assert ids(notice["In-Reply-To"]) == [EmailDelivery.objects.filter(ticket=ticket).earliest("created_at").message_id]


def test_resolved_mail_carries_a_rating_link_that_works(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue, client: Client
) -> None:
    ticket = open_ticket(operator, contact, line1)
    workflow.resolve_ticket(
        actor=operator, ticket=ticket, resolution_code="solved", resolution_note="Заменили прокладку стояка"
    )
    deliver()

    mail = smtp.to("ivan.petrov@example.org")[-1]
    assert mail["Subject"] == f"[{ticket.number}] Заявка решена: Протекает крыша"
    body = text_of(mail)
    assert "Решение: Заменили прокладку стояка" in body
    links = re.findall(r"^(\d) — (http\S+)$", body, flags=re.MULTILINE)
    assert [score for score, _url in links] == ["5", "4", "3", "2", "1"]
    five = links[0][1].removeprefix("http://127.0.0.1:8000")

    page = client.get(five)
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    assert not SatisfactionRating.objects.exists()  # opening the link (a mail scanner may) rates nothing
    posted = client.post(five.split("?")[0], {"score": "5", "comment": "Быстро и аккуратно"})
    assert posted.status_code == 200
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment, rating.contact_id) == (5, "Быстро и аккуратно", contact.pk)


def test_watching_contacts_get_replies_too(smtp: SmtpServer, operator: User, contact: Contact, line1: Queue) -> None:
    from hotline.notify.tests.conftest import make_contact

    ticket = open_ticket(operator, contact, line1)
    neighbour = make_contact(email="neighbour@example.org", first_name="Мария")
    ticket.watcher_contacts.add(neighbour)
    messages.add_reply(actor=operator, ticket=ticket, body_text="Отключили воду в стояке")
    deliver()

    assert [m["Subject"] for m in smtp.to("neighbour@example.org")] == [f"[{ticket.number}] Протекает крыша"]
    assert len(smtp.to("ivan.petrov@example.org")) == 2


def test_our_message_ids_lead_back_to_the_ticket(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    from hotline.notify.selectors import ticket_for_message_ids

    ticket = open_ticket(operator, contact, line1)
    deliver()
    [mail] = smtp.to("ivan.petrov@example.org")
    # What intake reads from a customer's answer: References with foreign ids around ours.
    assert ticket_for_message_ids(["<other@mail.example>", *ids(mail["Message-ID"]), "x@y"]) == ticket.pk
    assert ticket_for_message_ids(["<other@mail.example>"]) is None
