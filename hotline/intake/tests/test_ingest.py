"""One message in: a ticket, a reply, a note, or recorded noise — exactly once, the raw message always kept."""

from __future__ import annotations

import pytest

from hotline.customers.models import Contact, ContactEmail
from hotline.desk.choices import MessageKind, Status
from hotline.desk.mail_ids import make_message_id
from hotline.desk.models import Attachment, Message, Ticket, TicketLink
from hotline.desk.services.workflow import close_ticket, resolve_ticket
from hotline.intake.models import ClosedTicketReply, InboundMessage, InboundStatus, Mailbox
from hotline.intake.services import ingest_raw
from hotline.intake.tests.mailgen import mail

pytestmark = pytest.mark.django_db


def take(mailbox: Mailbox, raw: bytes, source: str = "smtp") -> InboundMessage:
    result = ingest_raw(mailbox=mailbox, raw=raw, source=source)
    return InboundMessage.objects.get(pk=result.inbound_id)


def ticket_of(inbound: InboundMessage) -> Ticket:
    assert inbound.ticket is not None
    return inbound.ticket


def message_of(inbound: InboundMessage) -> Message:
    assert inbound.ticket_message is not None
    return inbound.ticket_message


def test_a_new_message_opens_a_ticket_for_a_new_contact(mailbox: Mailbox) -> None:
    raw = mail(subject="Не работает принтер", text="Принтер в бухгалтерии не печатает.", message_id="first@example.com")
    inbound = take(mailbox, raw)

    assert inbound.status == InboundStatus.TICKET
    ticket = ticket_of(inbound)
    assert ticket.subject == "Не работает принтер"
    assert ticket.channel == "email"
    assert ticket.queue == mailbox.queue
    assert ticket.mailbox == "support@example.ru"
    assert ticket.contact is not None
    assert ticket.contact.full_name == "Иван Петров"
    assert list(ticket.contact.emails.values_list("email", flat=True)) == ["ivan@example.com"]
    first = ticket.messages.get()
    assert first.author_contact == ticket.contact
    assert first.external_id == "first@example.com"
    assert "Принтер в бухгалтерии не печатает." in first.body_text
    with inbound.raw.open("rb") as handle:
        assert handle.read() == raw


def test_a_known_sender_is_not_created_again(mailbox: Mailbox) -> None:
    take(mailbox, mail(sender="ivan@example.com"))
    take(mailbox, mail(sender="IVAN@Example.com", subject="Другая проблема"))
    assert Contact.objects.count() == 1
    assert Ticket.objects.count() == 2


def test_the_same_message_twice_is_one_ticket(mailbox: Mailbox) -> None:
    raw = mail(message_id="twice@example.com")
    first = ingest_raw(mailbox=mailbox, raw=raw, source="imap")
    # The same message again, with another hop's Received line and other line ends (SMTP after IMAP).
    again = ingest_raw(mailbox=mailbox, raw=b"Received: from relay\r\n" + raw.replace(b"\r\n", b"\n"), source="smtp")
    assert again.duplicate
    assert again.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_two_pollers_racing_for_one_message_make_one_ticket(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.intake.services import ingest

    # The second poller looked before the first committed: it processes the message too, and the unique key
    # refuses its row when it commits, taking its ticket back with it.
    monkeypatch.setattr(ingest, "_already_taken", lambda mailbox, keys, lookups: keys)
    raw = mail(message_id="race@example.com")
    first = ingest_raw(mailbox=mailbox, raw=raw, source="imap")
    second = ingest_raw(mailbox=mailbox, raw=raw, source="imap")
    assert second.duplicate
    assert second.inbound_id == first.inbound_id
    assert Ticket.objects.count() == 1
    assert Contact.objects.count() == 1


def test_a_reused_message_id_with_other_content_is_another_message(mailbox: Mailbox) -> None:
    ingest_raw(mailbox=mailbox, raw=mail(message_id="same@broken.example", text="Первое"), source="smtp")
    second = ingest_raw(mailbox=mailbox, raw=mail(message_id="same@broken.example", text="Второе"), source="smtp")
    assert not second.duplicate
    third = ingest_raw(mailbox=mailbox, raw=mail(message_id="same@broken.example", text="Третье"), source="smtp")
    assert not third.duplicate
    assert InboundMessage.objects.count() == 3


def test_messages_without_message_id_are_told_apart_by_content(mailbox: Mailbox) -> None:
    one = mail(message_id="", text="Раз")
    assert ingest_raw(mailbox=mailbox, raw=one, source="smtp").duplicate is False
    assert ingest_raw(mailbox=mailbox, raw=b"Received: by mx\r\n" + one, source="smtp").duplicate is True
    assert ingest_raw(mailbox=mailbox, raw=mail(message_id="", text="Два"), source="smtp").duplicate is False
    assert Ticket.objects.count() == 2


def test_a_reply_threads_by_in_reply_to_of_the_customers_first_mail(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(message_id="q1@example.com"))
    reply = take(mailbox, mail(subject="Re: Не работает принтер", text="Ещё не печатает", in_reply_to="q1@example.com"))
    assert reply.status == InboundStatus.REPLY
    assert reply.ticket_id == opened.ticket_id
    assert Message.objects.filter(ticket=ticket_of(opened), kind=MessageKind.REPLY).count() == 2


def test_a_reply_to_our_mail_threads_by_our_signed_message_id(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail())
    ours = make_message_id(ticket_id=ticket_of(opened).pk, from_email="support@example.ru")
    # A colleague of the customer answers our notification: our id proves they got it.
    reply = take(
        mailbox,
        mail(sender="boss@other.example", subject="Re: ваша заявка", in_reply_to=ours, references=["x@y", ours]),
    )
    assert reply.status == InboundStatus.REPLY
    assert reply.ticket_id == opened.ticket_id


@pytest.mark.parametrize(
    "subject",
    ["Re: [HL-{n:06d}] Не работает принтер", "Ответ: RE[2]: Fwd: [HL-{n:06d}] принтер", "Re:[hl-{n}]", "[HL-{n:06d}]"],
)
def test_the_ticket_number_in_the_subject_threads_the_customers_mail(mailbox: Mailbox, subject: str) -> None:
    opened = take(mailbox, mail())
    reply = take(mailbox, mail(subject=subject.format(n=opened.ticket_id), text="Дополнение"))
    assert reply.status == InboundStatus.REPLY
    assert reply.ticket_id == opened.ticket_id


def test_a_stranger_naming_a_ticket_in_the_subject_gets_a_new_ticket(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail())
    number = ticket_of(opened).number
    other = take(mailbox, mail(sender="stranger@evil.example", subject=f"Re: [{number}] дайте доступ"))
    assert other.status == InboundStatus.TICKET
    assert other.ticket_id != opened.ticket_id
    note = Message.objects.get(ticket=ticket_of(other), kind=MessageKind.NOTE)
    assert number in note.body_text


def test_a_reply_reopens_a_resolved_ticket(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(message_id="r1@example.com"))
    ticket = ticket_of(opened)
    resolve_ticket(actor=None, ticket=ticket, resolution_code="solved")
    take(mailbox, mail(text="Не помогло", in_reply_to="r1@example.com"))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(message_id="c1@example.com"))
    ticket = ticket_of(opened)
    resolve_ticket(actor=None, ticket=ticket, resolution_code="solved")
    close_ticket(actor=None, ticket=ticket)
    reply = take(mailbox, mail(text="Снова сломалось", in_reply_to="c1@example.com"))
    assert reply.status == InboundStatus.TICKET
    assert reply.ticket_id != ticket.pk
    assert TicketLink.objects.filter(source_id=reply.ticket_id, target=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_reply_to_a_closed_ticket_reopens_it_when_the_mailbox_says_so(mailbox: Mailbox) -> None:
    mailbox.closed_reply = ClosedTicketReply.REOPEN
    mailbox.save()
    opened = take(mailbox, mail(message_id="c2@example.com"))
    ticket = ticket_of(opened)
    resolve_ticket(actor=None, ticket=ticket, resolution_code="solved")
    close_ticket(actor=None, ticket=ticket)
    reply = take(mailbox, mail(text="Снова сломалось", in_reply_to="c2@example.com"))
    assert reply.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_cc_addresses_become_watchers(mailbox: Mailbox) -> None:
    inbound = take(
        mailbox,
        mail(to="support@example.ru, Коллега <colleague@example.com>", cc="Начальник <boss@example.com>"),
    )
    ticket = ticket_of(inbound)
    watchers = set(ticket.watcher_contacts.values_list("emails__email", flat=True))
    assert watchers == {"colleague@example.com", "boss@example.com"}


def test_an_auto_reply_joins_its_ticket_as_a_note_and_does_not_reopen_it(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(message_id="a1@example.com"))
    ticket = ticket_of(opened)
    resolve_ticket(actor=None, ticket=ticket, resolution_code="solved")
    auto = take(
        mailbox,
        mail(
            subject="Автоматический ответ: в отпуске",
            in_reply_to="a1@example.com",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    assert auto.status == InboundStatus.NOTE
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    note = message_of(auto)
    assert note.is_internal


def test_an_auto_reply_to_nothing_is_recorded_without_a_ticket(mailbox: Mailbox) -> None:
    auto = take(mailbox, mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    assert auto.status == InboundStatus.AUTO_REPLY
    assert auto.ticket_id is None
    assert Ticket.objects.count() == 0


def test_a_bounce_marks_the_address_failing_and_tells_the_ticket(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(sender="client@gone.example"))
    ours = make_message_id(ticket_id=ticket_of(opened).pk, from_email="support@example.ru")
    report = (
        "From: MAILER-DAEMON@mx.example.ru\r\nTo: support@example.ru\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.example.ru>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ru\r\n\r\n"
        "Final-Recipient: rfc822; client@gone.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{ours}>\r\nSubject: [HL] ok\r\n\r\n--B--\r\n"
    ).encode()
    bounce = take(mailbox, report)
    assert bounce.status == InboundStatus.BOUNCE
    assert bounce.ticket_id == opened.ticket_id
    assert ContactEmail.objects.get(email="client@gone.example").failing
    assert Ticket.objects.count() == 1


def test_our_own_mail_coming_back_is_recognised(mailbox: Mailbox) -> None:
    ours = make_message_id(ticket_id=None, from_email="support@example.ru")
    back = take(mailbox, mail(sender="someone@example.com", message_id=ours))
    assert back.status == InboundStatus.OWN_MAIL
    looped = take(mailbox, mail(sender="Поддержка <support@example.ru>"))
    assert looped.status == InboundStatus.OWN_MAIL
    assert Ticket.objects.count() == 0


def test_a_flooding_sender_is_throttled_and_the_agents_told_once(mailbox: Mailbox) -> None:
    mailbox.loop_limit = 3
    mailbox.save()
    results = [take(mailbox, mail(sender="robot@loop.example", subject=f"Письмо {n}")) for n in range(6)]
    assert [r.status for r in results].count(InboundStatus.TICKET) == 3
    assert [r.status for r in results[3:]] == [InboundStatus.THROTTLED] * 3
    notes = Message.objects.filter(kind=MessageKind.NOTE, body_text__contains="зацикливание")
    assert notes.count() == 1
    assert InboundMessage.objects.filter(raw="").count() == 0


def test_quoted_history_is_kept_but_folded(mailbox: Mailbox) -> None:
    opened = take(mailbox, mail(message_id="f1@example.com"))
    text = 'Спасибо, заработало.\n\n12.03.2025, 10:15, "Поддержка" <support@example.ru>:\n> Перезагрузите принтер.\n'
    reply = take(mailbox, mail(text=text, in_reply_to="f1@example.com"))
    message = message_of(reply)
    assert "Перезагрузите принтер" in message.body_text
    assert "<details>" in message.body_html
    assert message.body_html.index("Спасибо") < message.body_html.index("<details>")
    assert reply.quote_offset == text.index("12.03.2025")
    assert opened.ticket_id == reply.ticket_id


def test_attachments_are_kept_and_a_blocked_one_is_explained(mailbox: Mailbox) -> None:
    inbound = take(
        mailbox,
        mail(
            attachments=[
                ("акт.pdf", "application/pdf", b"%PDF-1.4 test"),
                ("setup.exe", "application/octet-stream", b"MZ"),
            ]
        ),
    )
    names = list(Attachment.objects.filter(message__ticket=ticket_of(inbound)).values_list("original_name", flat=True))
    assert names == ["акт.pdf"]
    note = Message.objects.get(ticket=ticket_of(inbound), kind=MessageKind.NOTE)
    assert "setup.exe" in note.body_text


def test_a_message_that_cannot_be_parsed_is_a_ticket_with_the_raw_attached(mailbox: Mailbox) -> None:
    raw = b"\x00\x01garbage without any headers \xff\xfe" * 10
    inbound = take(mailbox, raw)
    assert inbound.status == InboundStatus.TICKET
    ticket = ticket_of(inbound)
    files = Attachment.objects.filter(message__ticket=ticket)
    assert any(a.original_name.endswith(".eml") for a in files)


def test_when_the_parser_gives_up_the_raw_message_and_its_warning_reach_the_agent(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.intake.mail import ParsedMail
    from hotline.intake.services import outcomes

    monkeypatch.setattr(
        outcomes,
        "parse_message",
        lambda raw: ParsedMail(raw=raw, parsed=False, warnings=["Письмо не удалось разобрать"]),
    )
    inbound = take(mailbox, mail(subject="Что-то"))
    ticket = ticket_of(inbound)
    assert ticket.contact is None
    assert Attachment.objects.filter(message__ticket=ticket, original_name="message.eml").exists()
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert "Письмо не удалось разобрать" in note.body_text


def test_a_processing_failure_still_makes_a_ticket_with_the_raw_message(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.intake.services import outcomes

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(outcomes, "find_thread", broken)
    inbound = take(mailbox, mail(subject="Сломает обработку"))
    assert inbound.status == InboundStatus.TICKET
    assert "boom" in inbound.error
    ticket = ticket_of(inbound)
    assert Attachment.objects.filter(message__ticket=ticket, original_name="message.eml").exists()
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body_text__contains="boom").exists()
