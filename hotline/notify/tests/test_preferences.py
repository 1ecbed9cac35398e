"""People choose what they get: staff per kind and channel, customers by unsubscribing from non-essential mail."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.errors import ValidationFailed
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Status
from hotline.desk.models import Queue
from hotline.desk.services import assignment, messages, workflow
from hotline.notify import links
from hotline.notify.kinds import Channel, Kind
from hotline.notify.models import EmailDelivery, MailOptOut, Notification
from hotline.notify.services import preferences
from hotline.notify.tests.conftest import deliver
from hotline.notify.tests.helpers import open_ticket
from hotline.notify.tests.loopback import SmtpServer

pytestmark = pytest.mark.django_db


def test_agent_who_turned_off_assignment_mail_still_sees_it_in_the_app(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    preferences.set_preferences(
        actor=other_operator,
        user=other_operator,
        changes=[preferences.PreferenceChange(Kind.ASSIGNED, Channel.EMAIL, False)],
    )
    ticket = open_ticket(operator, contact, line1)
    assignment.assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    deliver()

    assert not smtp.to("petrov@uk-domovoy.ru")
    assert Notification.objects.filter(user=other_operator, kind=Kind.ASSIGNED).count() == 1


def test_agent_can_turn_off_in_app_too(
    smtp: SmtpServer, operator: User, other_operator: User, contact: Contact, line1: Queue
) -> None:
    preferences.set_preferences(
        actor=other_operator,
        user=other_operator,
        changes=[
            preferences.PreferenceChange(Kind.ASSIGNED, Channel.IN_APP, False),
            preferences.PreferenceChange(Kind.ASSIGNED, Channel.EMAIL, False),
        ],
    )
    ticket = open_ticket(operator, contact, line1)
    assignment.assign_ticket(actor=operator, ticket=ticket, assignee=other_operator)
    deliver()

    assert not Notification.objects.exists()
    assert not smtp.to("petrov@uk-domovoy.ru")


def test_unsubscribed_customer_still_gets_replies_but_no_status_notices(
    smtp: SmtpServer, operator: User, contact: Contact, line1: Queue, client: Client
) -> None:
    url = links.unsubscribe_url(contact.pk).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    assert not MailOptOut.objects.exists()  # looking at the page changes nothing
    assert client.post(url, {"action": "unsubscribe"}).status_code == 200
    assert MailOptOut.objects.filter(contact=contact).exists()

    ticket = open_ticket(operator, contact, line1)
    messages.add_reply(actor=operator, ticket=ticket, body_text="Мастер придёт завтра")
    workflow.change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    workflow.resolve_ticket(actor=operator, ticket=ticket, resolution_code="solved")
    deliver()

    kinds = list(EmailDelivery.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == [Kind.REQUEST_RECEIVED, Kind.REPLY_ADDED]
    assert len(smtp.to("ivan.petrov@example.org")) == 2


def test_one_click_unsubscribe_from_a_mail_client_and_resubscribe(
    contact: Contact, line1: Queue, client: Client
) -> None:
    url = links.unsubscribe_url(contact.pk).removeprefix("http://127.0.0.1:8000")
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert MailOptOut.objects.filter(contact=contact).exists()
    client.post(url, {"action": "resubscribe"})
    assert not MailOptOut.objects.exists()


def test_forged_or_damaged_unsubscribe_link_is_refused(contact: Contact, client: Client) -> None:
    token = links.unsubscribe_token(contact.pk)
    assert client.post(f"/notifications/unsubscribe/{token}x/").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{links.rating_token(1, contact.pk)}/").status_code == 404
    assert not MailOptOut.objects.exists()


def test_essential_customer_mail_cannot_be_turned_off(customer_user: User) -> None:
    with pytest.raises(ValidationFailed) as error:
        preferences.set_preferences(
            actor=customer_user,
            user=customer_user,
            changes=[preferences.PreferenceChange(Kind.REPLY_ADDED, Channel.EMAIL, False)],
        )
    assert error.value.field == "kind"


def test_customer_user_turns_off_status_notices(
    smtp: SmtpServer, operator: User, customer_user: User, line1: Queue
) -> None:
    preferences.set_preferences(
        actor=customer_user,
        user=customer_user,
        changes=[preferences.PreferenceChange(Kind.STATUS_CHANGED, Channel.EMAIL, False)],
    )
    contact = Contact.objects.get(user=customer_user)
    ticket = open_ticket(operator, contact, line1)
    workflow.change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    deliver()

    assert [m["Subject"] for m in smtp.to("anna@example.org")] == [
        f"[{ticket.number}] Ваше обращение принято: Протекает крыша"
    ]


@pytest.mark.parametrize(
    ("kind", "channel"),
    [(Kind.REQUEST_RECEIVED, Channel.EMAIL), (Kind.ASSIGNED, Channel.IN_APP.value + "x")],
)
def test_agent_cannot_choose_what_does_not_exist_for_them(operator: User, kind: str, channel: str) -> None:
    with pytest.raises(ValidationFailed):
        preferences.set_preferences(
            actor=operator, user=operator, changes=[preferences.PreferenceChange(kind, channel, False)]
        )


def test_only_an_administrator_changes_someone_elses_choices(
    operator: User, other_operator: User, admin_user: User
) -> None:
    from hotline.core.errors import Forbidden

    change = [preferences.PreferenceChange(Kind.MENTIONED, Channel.EMAIL, False)]
    with pytest.raises(Forbidden):
        preferences.set_preferences(actor=operator, user=other_operator, changes=change)
    preferences.set_preferences(actor=admin_user, user=other_operator, changes=change)


def test_preferences_page_saves_checkboxes(operator: User, client: Client) -> None:
    client.force_login(operator)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert "Вас упомянули во внутреннем комментарии" in page.content.decode()
    # Everything left unticked except in-app assignments.
    response = client.post("/notifications/preferences/", {"assigned:in_app": "on"})
    assert response.status_code == 200
    from hotline.notify import selectors

    enabled = {(r.kind, r.channel) for r in selectors.preferences_for(operator) if r.enabled}
    assert enabled == {(Kind.ASSIGNED, Channel.IN_APP)}
