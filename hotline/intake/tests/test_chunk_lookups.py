"""A chunk of messages shares its look-ups (taken keys, contacts, threads): fewer queries, the same outcomes.

What a message learns becomes part of the chunk's look-ups only once it is in; what a failed message learnt is
forgotten. So a reply threads to a request earlier in the same chunk, a second copy of a message in the chunk is
a duplicate, and a contact created by a message that was rolled back is not handed to the next one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.core.models import AuditLog, OutboxEvent
from hotline.customers.models import Contact, ContactEmail
from hotline.desk.events import TicketOpened
from hotline.desk.models import Message, Ticket, TicketHistory
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox
from hotline.intake.sample import generate, write_maildir
from hotline.intake.services import outcomes
from hotline.intake.services.lookups import header_hints
from hotline.intake.services.maildir import ingest_maildir
from hotline.intake.tests.mailgen import mail

pytestmark = pytest.mark.django_db


def _maildir(folder: Path, raws: list[bytes]) -> Path:
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for n, raw in enumerate(raws):
        (folder / "new" / f"{1700000000 + n:010d}.M{n}P1.test").write_bytes(raw)
    return folder


def test_a_reply_and_a_second_copy_in_the_same_chunk_as_their_request(mailbox: Mailbox, tmp_path: Path) -> None:
    request = mail(sender="Анна <anna@example.com>", subject="Нет воды", message_id="req@example.com")
    reply = mail(
        sender="anna@example.com",
        subject="Re: Нет воды",
        text="Воды так и нет.",
        message_id="re@example.com",
        in_reply_to="req@example.com",
        references=["req@example.com"],
    )
    other = mail(sender="Анна <ANNA@example.com>", subject="Ещё вопрос", message_id="other@example.com")
    folder = _maildir(tmp_path / "Maildir", [request, reply, request, other])

    stats = ingest_maildir(folder, mailbox=mailbox, batch_size=10)

    assert stats.total == 4
    assert stats.duplicates == 1
    assert stats.statuses == {InboundStatus.TICKET: 2, InboundStatus.REPLY: 1}
    first = Message.objects.get(external_id="req@example.com")
    assert Message.objects.get(external_id="re@example.com").ticket_id == first.ticket_id
    assert Contact.objects.count() == 1  # the second message found the contact the first one created
    assert set(Ticket.objects.values_list("contact_id", flat=True)) == {first.ticket.contact_id}


def test_a_rolled_back_message_leaves_no_contact_behind_for_the_next(
    mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.desk.services.tickets import open_ticket as real_open_ticket

    def open_ticket_failing_once(**kwargs: Any) -> Ticket:
        if kwargs["subject"] == "Сломается":
            raise RuntimeError("injected failure after the contact was created")
        return real_open_ticket(**kwargs)

    monkeypatch.setattr(outcomes, "open_ticket", open_ticket_failing_once)
    folder = _maildir(
        tmp_path / "Maildir",
        [
            mail(sender="Новый <new@example.com>", subject="Сломается", message_id="fails@example.com"),
            mail(sender="Новый <new@example.com>", subject="Второе письмо", message_id="second@example.com"),
        ],
    )

    stats = ingest_maildir(folder, mailbox=mailbox, batch_size=10)

    # The failed one became a bare ticket (raw message attached), the second a ticket of a real contact.
    assert stats.statuses == {InboundStatus.TICKET: 2}
    assert "RuntimeError" in InboundMessage.objects.get(message_id="fails@example.com").error
    second = InboundMessage.objects.select_related("ticket__contact").get(message_id="second@example.com").ticket
    assert second is not None
    assert second.contact is not None
    assert Contact.objects.filter(pk=second.contact.pk).exists()
    assert list(ContactEmail.objects.values_list("email", flat=True)) == ["new@example.com"]


def test_a_chunk_reads_its_keys_contacts_and_threads_once(mailbox: Mailbox, tmp_path: Path) -> None:
    samples = generate(60, seed=5)
    folder = write_maildir(tmp_path / "Maildir", samples)
    with CaptureQueriesContext(connection) as queries:
        stats = ingest_maildir(folder, mailbox=mailbox, batch_size=30)
    assert stats.total == 60

    def count(table: str, where: str) -> int:
        return sum(1 for q in queries.captured_queries if f'FROM "{table}"' in q["sql"] and where in q["sql"])

    chunks = 2
    assert count("intake_inboundmessage", '"dedupe_key"') == chunks
    # The sender's contact (find_contact's shape; creating a new contact checks its address on its own). On
    # PostgreSQL a new address is probed once more under its advisory lock: another importer may have it now.
    again = Contact.objects.count() if connection.vendor == "postgresql" else 0
    assert count("customers_contactemail", '"merged_into_id" IS NULL') == chunks + again
    assert count("desk_message", '"external_id" IN (') == chunks  # the threads (a reply checks its own id)


def test_header_hints_read_the_sender_and_every_id() -> None:
    raw = (
        b"From: =?utf-8?b?0JDQvdC90LA=?= <Anna@Example.COM>\r\n"
        b"Message-ID: <own@example.com>\r\n"
        b"In-Reply-To: <parent@example.com>\r\n"
        b"References: <root@example.com>\r\n <parent@example.com>\r\n"
        b"Subject: x\r\n\r\nbody\r\nFrom: not-a-header@example.com\r\n"
    )
    hints = header_hints(raw)
    assert hints.sender == "anna@example.com"
    assert set(hints.thread_ids) == {"own@example.com", "parent@example.com", "root@example.com"}


def test_a_chunk_writes_its_trail_once_and_nothing_of_a_message_rolled_back(
    mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.desk.services.tickets import open_ticket as real_open_ticket

    def open_ticket_then_fail(**kwargs: Any) -> Ticket:
        ticket = real_open_ticket(**kwargs)  # its history, audit and events are collected
        if kwargs["subject"] == "Сломается":
            raise RuntimeError("injected failure after the ticket was opened")
        return ticket

    monkeypatch.setattr(outcomes, "open_ticket", open_ticket_then_fail)
    raws = [
        mail(sender=f"client{n}@example.com", subject=f"Вопрос {n}", message_id=f"q{n}@example.com") for n in range(4)
    ]
    raws.insert(2, mail(sender="x@example.com", subject="Сломается", message_id="fails@example.com"))
    folder = _maildir(tmp_path / "Maildir", raws)

    started = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        stats = ingest_maildir(folder, mailbox=mailbox, batch_size=10)

    assert stats.statuses == {InboundStatus.TICKET: 5}  # four tickets and the failed one's bare ticket
    tickets = set(Ticket.objects.filter(created_at__gte=started).values_list("pk", flat=True))
    assert len(tickets) == 5
    # Every row of the trail belongs to a ticket that exists: the failed attempt's rows went with its savepoint.
    assert set(TicketHistory.objects.filter(at__gte=started).values_list("ticket_id", flat=True)) == tickets
    audited = AuditLog.objects.filter(object_type="desk.ticket", at__gte=started).values_list("object_id", flat=True)
    assert {int(pk) for pk in audited} == tickets
    assert not AuditLog.objects.filter(summary__contains="Сломается").exists()
    opened = list(
        OutboxEvent.objects.filter(name=TicketOpened.name, created_at__gte=started).values_list("payload", flat=True)
    )
    assert sorted(payload["ticket_id"] for payload in opened) == sorted(tickets)  # once each, none for the failed
    opened_history = TicketHistory.objects.filter(action="opened", field="queue", at__gte=started)
    assert sorted(opened_history.values_list("ticket_id", flat=True)) == sorted(tickets)

    def inserts(table: str) -> int:
        return sum(1 for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"'))

    for table in ("desk_tickethistory", "core_auditlog", "core_outboxevent"):
        assert inserts(table) == 1, table
