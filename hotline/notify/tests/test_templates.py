"""Notification wording: shipped defaults, administrators' overrides, and the sandbox they render in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Queue
from hotline.notify.defaults import DEFAULT_TEMPLATES
from hotline.notify.kinds import Kind
from hotline.notify.models import NotificationTemplate
from hotline.notify.rendering import render, render_source, sample_context
from hotline.notify.services import templates
from hotline.notify.tests.conftest import deliver
from hotline.notify.tests.helpers import open_ticket, text_of
from hotline.notify.tests.loopback import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("kind", list(Kind))
def test_every_default_renders_with_its_variables(kind: Kind, language: str) -> None:
    rendered = render(kind, language, sample_context(kind))
    assert rendered.subject
    assert rendered.body
    assert "{{" not in rendered.body
    assert "{%" not in rendered.body
    assert kind in DEFAULT_TEMPLATES[language]


def test_administrators_wording_is_used(
    smtp: SmtpServer, admin_user: User, operator: User, contact: Contact, line1: Queue
) -> None:
    templates.save_template(
        actor=admin_user,
        kind=Kind.REQUEST_RECEIVED,
        language="ru",
        subject="Обращение {{ number }} зарегистрировано",
        body="{{ recipient_name|upper }}, мы уже работаем.",
    )
    ticket = open_ticket(operator, contact, line1)
    deliver()

    [mail] = smtp.to("ivan.petrov@example.org")
    assert mail["Subject"] == f"[{ticket.number}] Обращение {ticket.number} зарегистрировано"
    assert text_of(mail).startswith("ИВАН СЕРГЕЕВИЧ, мы уже работаем.")


@pytest.mark.parametrize(
    "body",
    [
        "{% load static %}{% static 'x' %}",
        "{% include 'web/base.html' %}",
        "{% extends 'web/base.html' %}",
        "{% debug %}",
        "{% url 'admin:index' %}",
        "{% csrf_token %}",
        "{% if %}",
    ],
)
def test_templates_cannot_reach_outside_their_context(admin_user: User, body: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        templates.save_template(actor=admin_user, kind=Kind.ASSIGNED, language="ru", subject="x", body=body)
    assert error.value.field == "body"
    assert not NotificationTemplate.objects.exists()


def test_only_given_values_are_visible() -> None:
    rendered = render_source(
        "{{ subject }}",
        "[{{ settings.SECRET_KEY }}][{{ request.user }}][{{ ticket.contact.user.password }}]",
        {"subject": "s"},
    )
    assert rendered.body == "[][][]"


def test_a_broken_override_falls_back_to_the_default(operator: User, contact: Contact, line1: Queue) -> None:
    NotificationTemplate.objects.create(kind=Kind.ASSIGNED, language="ru", subject="{% if %}", body="x")
    rendered = render(Kind.ASSIGNED, "ru", sample_context(Kind.ASSIGNED))
    assert rendered.subject.startswith("Вам назначена заявка")


def test_only_an_administrator_edits_templates(operator: User) -> None:
    with pytest.raises(Forbidden):
        templates.save_template(actor=operator, kind=Kind.ASSIGNED, language="ru", subject="x", body="y")


def test_reset_and_install_defaults(admin_user: User) -> None:
    assert templates.install_defaults() == len(Kind) * 2
    assert templates.install_defaults() == 0
    row = NotificationTemplate.objects.get(kind=Kind.RESOLVED, language="en")
    templates.save_template(actor=admin_user, kind=Kind.RESOLVED, language="en", subject="Done", body="Done.")
    templates.reset_template(actor=admin_user, row=row)
    row.refresh_from_db()
    assert row.subject == DEFAULT_TEMPLATES["en"][Kind.RESOLVED].subject


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "root@uk-domovoy.ru", "pass-Word-42")


def test_admin_form_shows_template_errors_next_to_the_field(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        "/admin/notify/notificationtemplate/add/",
        {"kind": "assigned", "language": "ru", "subject": "Назначена {{ number }}", "body": "{% for %}"},
    )
    assert response.status_code == 200
    assert "Ошибка в шаблоне" in response.content.decode()
    assert not NotificationTemplate.objects.exists()

    ok = client.post(
        "/admin/notify/notificationtemplate/add/",
        {"kind": "assigned", "language": "ru", "subject": "Назначена {{ number }}", "body": "{{ ticket_url }}"},
    )
    assert ok.status_code == 302
    assert NotificationTemplate.objects.get().subject == "Назначена {{ number }}"


def test_admin_add_form_starts_from_the_default(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    page = client.get("/admin/notify/notificationtemplate/add/?kind=resolved&language=en")
    assert "Please rate our work from 1 to 5" in page.content.decode()


def test_admin_pages_open(client: Client, superuser: User, django_assert_max_num_queries: Any) -> None:
    client.force_login(superuser)
    for model in (
        "emaildelivery",
        "webhookdelivery",
        "webhook",
        "notification",
        "mailoptout",
        "notificationpreference",
    ):
        assert client.get(f"/admin/notify/{model}/").status_code == 200, model
    assert client.get("/admin/notify/webhook/add/").status_code == 200


def test_admin_replays_a_webhook_delivery_and_retries_a_mail(
    client: Client, superuser: User, operator: User, contact: Contact, line1: Queue
) -> None:
    from hotline.core.outbox import deliver_pending
    from hotline.notify.models import EmailDelivery, WebhookDelivery
    from hotline.notify.services import webhooks

    webhooks.save_webhook(actor=superuser, name="CRM", url="http://127.0.0.1:9/x", event_types=["desk.TicketOpened"])
    open_ticket(operator, contact, line1)
    deliver_pending()
    delivery = WebhookDelivery.objects.get()
    mail = EmailDelivery.objects.get()
    client.force_login(superuser)

    client.post(
        "/admin/notify/webhookdelivery/", {"action": "replay", "_selected_action": [str(delivery.pk)]}, follow=True
    )
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
    EmailDelivery.objects.filter(pk=mail.pk).update(status="failed", next_attempt_at=None)
    client.post("/admin/notify/emaildelivery/", {"action": "retry_now", "_selected_action": [str(mail.pk)]})
    mail.refresh_from_db()
    assert mail.next_attempt_at is not None
