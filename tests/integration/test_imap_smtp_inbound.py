"""The product's own inbound SMTP/LMTP server on 127.0.0.1: deliver, thread a reply, reject nothing silently."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from django.test import override_settings

from hotline.desk.models import Ticket
from hotline.desk.tests.factories import LineQueueFactory
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox, MailboxKind
from hotline.intake.services.outcomes import forget_our_addresses
from hotline.intake.smtp_server import InboundController
from hotline.intake.tests.mailgen import mail
from tests.integration.dovecot import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the server's worker threads commit for real


@pytest.fixture
def mailbox(transactional_db: None) -> Mailbox:
    forget_our_addresses()
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", is_default=True)
    Mailbox.objects.create(
        name="Отключённый", address="old@example.ru", kind=MailboxKind.SMTP, queue=queue, is_active=False
    )
    return Mailbox.objects.create(name="Поддержка", address="support@example.ru", kind=MailboxKind.SMTP, queue=queue)


def _server(*, lmtp: bool) -> Iterator[int]:
    port = free_port()
    controller = InboundController(host="127.0.0.1", port=port, lmtp=lmtp)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    yield from _server(lmtp=False)


@pytest.fixture
def lmtp_port(mailbox: Mailbox) -> Iterator[int]:
    yield from _server(lmtp=True)


def test_delivered_mail_becomes_a_ticket_and_a_reply_threads(smtp_port: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        refused = client.sendmail("ivan@example.com", ["support@example.ru"], mail(message_id="s1@example.com"))
        assert refused == {}
        client.sendmail(
            "ivan@example.com",
            ["support+billing@example.ru"],
            mail(subject="Re: Не работает принтер", text="Дополняю", in_reply_to="s1@example.com"),
        )
    ticket = Ticket.objects.get()
    assert ticket.messages.filter(kind="reply").count() == 2
    assert list(InboundMessage.objects.values_list("source", flat=True)) == ["smtp", "smtp"]


def test_unknown_and_disabled_recipients_are_refused_with_550(smtp_port: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        for address in ("nobody@example.ru", "old@example.ru"):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("ivan@example.com", [address], mail())
            code, _text = refused.value.recipients[address]
            assert code == 550
        # One good recipient among bad ones: delivered for it, the sender told about the other.
        partly = client.sendmail("ivan@example.com", ["support@example.ru", "nobody@example.ru"], mail())
        assert partly["nobody@example.ru"][0] == 550
    assert Ticket.objects.count() == 1


def test_a_message_over_the_size_limit_is_refused_with_552(mailbox: Mailbox) -> None:
    with override_settings(HOTLINE_MAIL_MAX_BYTES=10_000):
        port = free_port()
        controller = InboundController(host="127.0.0.1", port=port)
        controller.start()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client, pytest.raises(smtplib.SMTPException) as error:
                client.sendmail("ivan@example.com", ["support@example.ru"], mail(text="x" * 50_000))
        finally:
            controller.stop()
    assert "552" in str(error.value)
    assert Ticket.objects.count() == 0


def test_the_database_failing_answers_451_so_the_sender_retries(
    smtp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.intake import smtp_server

    def database_down(**kwargs: object) -> None:
        raise ConnectionError("database is down")

    monkeypatch.setattr(smtp_server, "ingest_raw", database_down)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client, pytest.raises(smtplib.SMTPDataError) as error:
        client.sendmail("ivan@example.com", ["support@example.ru"], mail())
    assert error.value.smtp_code == 451
    assert Ticket.objects.count() == 0


def test_the_same_message_delivered_twice_is_one_ticket(smtp_port: int) -> None:
    raw = mail(message_id="again@example.com")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.sendmail("ivan@example.com", ["support@example.ru"], raw)
        client.sendmail("ivan@example.com", ["support@example.ru"], raw)  # a sender retrying after a lost 250
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_bounce_with_a_null_sender_is_recognised(smtp_port: int) -> None:
    report = mail(sender="MAILER-DAEMON@mx.example.ru", subject="Undelivered Mail Returned to Sender", text="failed")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.sendmail("<>", ["support@example.ru"], report)
    assert InboundMessage.objects.get().status in (InboundStatus.BOUNCE, InboundStatus.AUTO_REPLY)
    assert Ticket.objects.count() == 0


def test_lmtp_answers_for_each_recipient(lmtp_port: int) -> None:
    client = smtplib.LMTP("127.0.0.1", lmtp_port)
    try:
        client.ehlo_or_helo_if_needed()
        refused = client.sendmail("ivan@example.com", ["support@example.ru"], mail(message_id="l1@example.com"))
        assert refused == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("ivan@example.com", ["nobody@example.ru"], mail())
    finally:
        client.quit()
    assert InboundMessage.objects.get().source == "smtp"
    assert Ticket.objects.count() == 1
