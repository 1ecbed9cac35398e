"""Notifications to staff: in-app and by mail to the loopback SMTP server, in each agent's language."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from django.db import transaction

from hotline.core.events import publish
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Queue
from hotline.desk.services import assignment, escalation, messages
from hotline.notify.kinds import Kind
from hotline.notify.models import EmailDelivery, Notification
from hotline.notify.tests.conftest import deliver
from hotline.notify.tests.helpers import ids, open_ticket, text_of
from hotline.notify.tests.loopback import SmtpServer
from hotline.sla.events import SlaBreached, SlaWarning

pytestmark = pytest.mark.django_db


def test_assigned_to_you_in_english_for_an_english_agent(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    assignment.assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    deliver()

    [mail] = smtp.to("petrov@uk-domovoy.ru")
    assert mail["Subject"] == f"[{ticket.number}] Assigned to you: Протекает крыша"
    assert mail["From"] == "hotline@localhost"  # staff mail comes from the system, not the queue
    body = text_of(mail)
    assert f"{operator.display_name} assigned you ticket {ticket.number}" in body
    assert f"http://127.0.0.1:8000/desk/t/{ticket.number}/" in body
    [notice] = Notification.objects.filter(user=other_operator)
    assert notice.kind == Kind.ASSIGNED
    assert notice.title == f"{ticket.number}: Assigned to you: Протекает крыша"
    assert notice.url == f"/desk/t/{ticket.number}/"
    assert notice.read_at is None
    assert not smtp.to("operator@uk-domovoy.ru")  # the actor is not told what they did


def test_taking_a_ticket_yourself_notifies_nobody(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    assignment.take_ticket(actor=operator, ticket=ticket)
    deliver()

    assert not Notification.objects.exists()
    assert not EmailDelivery.objects.filter(to_customer=False).exists()


def test_escalation_tells_the_members_of_the_new_queue(
    smtp: SmtpServer, operator: User, specialist: User, lead2: User, contact: Contact, line1: Queue, line2: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    escalation.escalate_ticket(actor=operator, ticket=ticket, reason="Нужен сантехник", to_queue=line2)
    deliver()

    for address in ("specialist@uk-domovoy.ru", "lead2@uk-domovoy.ru"):
        [mail] = smtp.to(address)
        assert mail["Subject"] == f"[{ticket.number}] Эскалирована заявка: Протекает крыша"
        assert "из очереди «Первая линия» в «Вторая линия»" in text_of(mail)
        assert "Причина: Нужен сантехник" in text_of(mail)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"specialist", "lead2"}


def test_customer_reply_reaches_the_assignee_in_app_only_by_default(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    assignment.assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    deliver()
    messages.add_reply(actor=None, ticket=ticket, body_text="Вода всё ещё капает", channel="email")
    deliver()

    notice = Notification.objects.get(user=other_operator, kind=Kind.CUSTOMER_REPLIED)
    assert notice.body == "Вода всё ещё капает"
    assert not EmailDelivery.objects.filter(kind=Kind.CUSTOMER_REPLIED).exists()


def test_mention_in_a_note_notifies_who_can_see_the_ticket(
    smtp: SmtpServer, operator: User, other_operator: User, specialist: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    messages.add_note(
        actor=operator, ticket=ticket, body_text="@Petrov, посмотри, пожалуйста. @specialist тоже. @nobody, ivan@x.ru"
    )
    deliver()

    [mail] = smtp.to("petrov@uk-domovoy.ru")
    assert mail["Subject"] == f"[{ticket.number}] You were mentioned: Протекает крыша"
    assert "@Petrov, посмотри, пожалуйста." in text_of(mail)
    # The specialist cannot open a 1st-line ticket: a link they cannot follow is not sent.
    assert not smtp.to("specialist@uk-domovoy.ru")
    assert list(Notification.objects.values_list("user__username", "kind")) == [("petrov", Kind.MENTIONED)]


def test_staff_mail_about_one_ticket_is_threaded(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    assignment.assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    messages.add_note(actor=operator, ticket=ticket, body_text="@petrov срочно")
    deliver()

    first, second = smtp.to("petrov@uk-domovoy.ru")
    assert ids(second["In-Reply-To"]) == ids(first["Message-ID"])


def test_sla_warning_goes_to_the_assignee_with_the_due_time_in_their_zone(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    other_operator.time_zone = "Asia/Vladivostok"
    other_operator.save(update_fields=["time_zone"])
    due = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    with transaction.atomic():
        publish(
            SlaWarning(
                ticket_id=ticket.pk,
                timer_id=1,
                kind="first_response",
                policy_id=1,
                due_at=due.isoformat(),
                queue_id=line1.pk,
                assignee_id=other_operator.pk,
            )
        )
    deliver()

    [mail] = smtp.to("petrov@uk-domovoy.ru")
    assert mail["Subject"] == f"[{ticket.number}] SLA due soon (first response): Протекает крыша"
    assert "is due soon: 2026-03-02 16:30 +10" in text_of(mail)
    assert Notification.objects.filter(user=other_operator, kind=Kind.SLA_WARNING).exists()


def test_sla_breach_goes_to_the_assignee_and_the_queue_leads_unless_the_policy_is_silent(
    smtp: SmtpServer, operator: User, specialist: User, lead2: User, contact: Contact, line2: Queue
) -> None:
    ticket = open_ticket(operator, contact, line2)
    breach = SlaBreached(
        ticket_id=ticket.pk,
        timer_id=7,
        kind="resolution",
        policy_id=1,
        due_at="2026-03-02T06:30:00+00:00",
        queue_id=line2.pk,
        assignee_id=specialist.pk,
    )
    with transaction.atomic():
        publish(breach)
        publish(dataclasses.replace(breach, timer_id=8, notify=False))
    deliver()

    for address in ("specialist@uk-domovoy.ru", "lead2@uk-domovoy.ru"):
        [mail] = smtp.to(address)
        assert mail["Subject"] == f"[{ticket.number}] Нарушен срок (решение): Протекает крыша"
        assert "(истёк 02.03.2026 09:30 MSK)" in text_of(mail)
    assert Notification.objects.filter(kind=Kind.SLA_BREACHED).count() == 2
