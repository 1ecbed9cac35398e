"""End to end as the embedded product runs: outbox inline after commit, the send task eager in-process;
and the ticket's mail log an agent sees, with its retry button."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from hotline.core.models import User
from hotline.core.outbox import deliver_pending
from hotline.customers.models import Contact
from hotline.desk.models import Queue
from hotline.notify.models import DeliveryStatus, EmailDelivery
from hotline.notify.tests.conftest import use_smtp
from hotline.notify.tests.helpers import open_ticket
from hotline.notify.tests.loopback import SmtpServer, free_port


@pytest.mark.django_db(transaction=True)
def test_mail_leaves_right_after_the_ticket_commits(
    settings: Settings, smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    settings.HOTLINE_OUTBOX_INLINE = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ticket = open_ticket(operator, contact, line1)

    [mail] = smtp.to("ivan.petrov@example.org")
    assert mail["Subject"].startswith(f"[{ticket.number}]")
    assert EmailDelivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_agent_sees_a_failed_mail_on_the_ticket_and_sends_it_again(
    settings: Settings,
    client: Client,
    operator: User,
    contact: Contact,
    line1: Queue,
    django_assert_max_num_queries: Any,
) -> None:
    use_smtp(settings, free_port())
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    from hotline.notify.services.sending import send_due_emails

    send_due_emails()
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        page = client.get(f"/notifications/ticket/{ticket.number}/mail/")
    html = page.content.decode()
    assert "ivan.petrov@example.org" in html
    assert "data-mail-failed" in html
    assert "ConnectionRefusedError" in html

    server = SmtpServer()
    server.start()
    try:
        use_smtp(settings, server.port)
        row = EmailDelivery.objects.get()
        again = client.post(f"/notifications/mail/{row.pk}/retry/")
        assert again.status_code == 200
        assert "data-mail-failed" not in again.content.decode()
        assert len(server.to("ivan.petrov@example.org")) == 1
    finally:
        server.stop()


@pytest.mark.django_db
def test_mail_log_of_a_ticket_one_cannot_see_is_not_found(
    client: Client, operator: User, specialist: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    client.force_login(specialist)
    assert client.get(f"/notifications/ticket/{ticket.number}/mail/").status_code == 404
