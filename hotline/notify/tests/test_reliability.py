"""Nothing is lost when a receiver is down: every delivery is a row, failures are kept and retried."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings

from hotline.core.events import delivering
from hotline.core.models import User
from hotline.core.outbox import deliver_pending
from hotline.customers.models import Contact
from hotline.desk.events import TicketOpened
from hotline.desk.models import Queue
from hotline.notify import subscribers
from hotline.notify.models import DeliveryStatus, EmailDelivery
from hotline.notify.services import delivery, sending
from hotline.notify.tests.conftest import use_smtp
from hotline.notify.tests.helpers import open_ticket
from hotline.notify.tests.loopback import SmtpServer, free_port

pytestmark = pytest.mark.django_db


def test_mail_server_down_then_back(settings: Settings, operator: User, contact: Contact, line1: Queue) -> None:
    use_smtp(settings, free_port())  # nothing listens there
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    report = sending.send_due_emails()

    row = EmailDelivery.objects.get(ticket=ticket)
    assert report.failed == [row.pk]
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > timezone.now()
    # Not due yet: a second run leaves it alone.
    assert sending.send_due_emails().failed == []

    server = SmtpServer()
    server.start()
    try:
        use_smtp(settings, server.port)
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            report = sending.send_due_emails()
        assert report.sent == [row.pk]
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 2, "")
        [mail] = server.to("ivan.petrov@example.org")
        assert mail["Message-ID"] == f"<{row.message_id}>"  # the retry is the same mail
    finally:
        server.stop()


def test_backoff_doubles_and_gives_up_visibly(
    settings: Settings, operator: User, contact: Contact, line1: Queue
) -> None:
    settings.HOTLINE_NOTIFY_MAX_ATTEMPTS = 3
    use_smtp(settings, free_port())
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    row = EmailDelivery.objects.get(ticket=ticket)
    gaps = []
    now = timezone.now()
    for _ in range(3):
        with time_machine.travel(now, tick=False):
            sending.send_due_emails()
        row.refresh_from_db()
        if row.next_attempt_at is not None:
            gaps.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert gaps == [timedelta(minutes=1), timedelta(minutes=2)]
    assert row.status == DeliveryStatus.FAILED
    assert row.next_attempt_at is None
    assert row.gave_up
    # An administrator retries it by hand.
    sending.retry_email(actor=None, row=row)
    row.refresh_from_db()
    assert row.next_attempt_at is not None


def test_refused_recipient_is_a_permanent_failure(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    smtp.handler.refuse["ivan.petrov@example.org"] = "550 5.1.1 No such mailbox"
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    sending.send_due_emails()

    row = EmailDelivery.objects.get(ticket=ticket)
    assert row.status == DeliveryStatus.FAILED
    assert "550" in row.last_error
    assert "No such mailbox" in row.last_error
    assert row.next_attempt_at is None  # retrying cannot help; it stays in the log


def test_one_refused_mail_does_not_stop_the_others(
    smtp: SmtpServer, operator: User, contact: Contact, english_contact: Contact, line1: Queue
) -> None:
    smtp.handler.refuse["ivan.petrov@example.org"] = "450 4.2.1 Mailbox busy"
    open_ticket(operator, contact, line1)
    open_ticket(operator, english_contact, line1)
    deliver_pending()
    report = sending.send_due_emails()

    assert (len(report.sent), len(report.failed)) == (1, 1)
    busy = EmailDelivery.objects.get(recipient_email="ivan.petrov@example.org")
    assert busy.next_attempt_at is not None  # 4xx: try again later
    assert len(smtp.to("john.smith@example.com")) == 1


def test_handling_the_same_event_twice_queues_one_mail(operator: User, contact: Contact, line1: Queue) -> None:
    ticket = open_ticket(operator, contact, line1)
    event = TicketOpened(ticket_id=ticket.pk, queue_id=line1.pk, channel="phone", contact_id=contact.pk)
    event_id = uuid.uuid4()
    for _ in range(2):
        with delivering(event_id):
            subscribers.request_received(event)
    assert EmailDelivery.objects.filter(ticket=ticket).count() == 1


def test_a_claimed_mail_is_not_sent_by_a_second_sender(operator: User, contact: Contact, line1: Queue) -> None:
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    row = EmailDelivery.objects.get(ticket=ticket)
    assert delivery.claim(EmailDelivery, row.pk)
    assert not delivery.claim(EmailDelivery, row.pk)
    assert sending.send_emails([row.pk]).sent == []
    # A sender that died frees the row when its lease runs out.
    with time_machine.travel(timezone.now() + delivery.LEASE + timedelta(seconds=1)):
        assert delivery.claim(EmailDelivery, row.pk)


def test_cancelled_mail_is_never_sent(smtp: SmtpServer, operator: User, contact: Contact, line1: Queue) -> None:
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    row = EmailDelivery.objects.get(ticket=ticket)
    sending.cancel_email(actor=None, row=row)
    assert sending.send_due_emails().sent == []
    assert not smtp.messages


def test_send_command_sends_what_is_due(smtp: SmtpServer, operator: User, contact: Contact, line1: Queue) -> None:
    from io import StringIO

    open_ticket(operator, contact, line1)
    deliver_pending()
    out = StringIO()
    call_command("notify", "send", stdout=out)
    assert "mail: sent 1, failed 0" in out.getvalue()
    assert len(smtp.messages) == 1


def test_periodic_task_sends_due_mail_once_per_slot(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    from hotline.notify.tasks import send_due_notifications_task

    open_ticket(operator, contact, line1)
    deliver_pending()
    with time_machine.travel(timezone.now(), tick=False):
        assert send_due_notifications_task.apply().get().startswith("mail: sent 1")
        assert send_due_notifications_task.apply().get() == "skipped"
    assert len(smtp.messages) == 1
