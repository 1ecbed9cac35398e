"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: signed, retried after failure, replayable."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.outbox import deliver_pending
from hotline.customers.models import Contact
from hotline.desk.models import Queue
from hotline.notify.models import DeliveryStatus, Webhook, WebhookDelivery
from hotline.notify.services import webhooks
from hotline.notify.tests.helpers import open_ticket
from hotline.notify.tests.loopback import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(fail_first=1)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hook(admin_user: User, receiver: WebhookReceiver) -> Webhook:
    return webhooks.save_webhook(
        actor=admin_user,
        name="CRM",
        url=receiver.url,
        event_types=["desk.TicketOpened", "desk.TicketStatusChanged"],
        secret="s3cret-s3cret-s3cret",
    )


def test_failed_delivery_is_retried_and_the_signature_verifies(
    hook: Webhook, receiver: WebhookReceiver, operator: User, contact: Contact, line1: Queue
) -> None:
    ticket = open_ticket(operator, contact, line1)
    deliver_pending()
    [row] = WebhookDelivery.objects.all()
    assert row.event_name == "desk.TicketOpened"

    assert webhooks.send_due_webhooks() == (0, 1)
    row.refresh_from_db()
    assert (row.status, row.response_status, row.last_error) == (DeliveryStatus.FAILED, 503, "HTTP 503")
    assert row.response_body == "busy"
    assert row.next_attempt_at is not None

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert webhooks.send_due_webhooks() == (1, 0)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.SENT, 2, 200)

    first, second = receiver.hits
    assert first.headers["x-hotline-event-id"] == second.headers["x-hotline-event-id"] == str(row.event_id)
    assert second.headers["content-type"] == "application/json; charset=utf-8"
    payload = second.json()
    assert payload["event"] == "desk.TicketOpened"
    assert payload["data"]["ticket_id"] == ticket.pk
    assert payload["ticket"]["number"] == ticket.number
    assert webhooks.verify_signature(
        secret="s3cret-s3cret-s3cret",
        body=second.body,
        timestamp=second.headers["x-hotline-timestamp"],
        signature=second.headers["x-hotline-signature"],
    )


def test_signature_fails_with_another_secret_a_changed_body_or_an_old_timestamp(
    hook: Webhook, receiver: WebhookReceiver, operator: User, contact: Contact, line1: Queue
) -> None:
    receiver.fail_first = 0
    open_ticket(operator, contact, line1)
    deliver_pending()
    webhooks.send_due_webhooks()
    [hit] = receiver.hits
    stamp, signature = hit.headers["x-hotline-timestamp"], hit.headers["x-hotline-signature"]
    assert signature.startswith("sha256=")
    assert not webhooks.verify_signature(
        secret="other-secret-000000", body=hit.body, timestamp=stamp, signature=signature
    )
    tampered = json.dumps({**hit.json(), "event": "desk.TicketRated"}).encode()
    assert not webhooks.verify_signature(
        secret="s3cret-s3cret-s3cret", body=tampered, timestamp=stamp, signature=signature
    )
    old = int(stamp) - 3600
    replayed = webhooks.sign("s3cret-s3cret-s3cret", old, hit.body)
    assert not webhooks.verify_signature(
        secret="s3cret-s3cret-s3cret", body=hit.body, timestamp=str(old), signature=replayed
    )
    assert abs(int(stamp) - time.time()) < 60


def test_replay_sends_the_same_event_again_as_a_new_log_entry(
    hook: Webhook, receiver: WebhookReceiver, admin_user: User, operator: User, contact: Contact, line1: Queue
) -> None:
    receiver.fail_first = 0
    open_ticket(operator, contact, line1)
    deliver_pending()
    webhooks.send_due_webhooks()
    original = WebhookDelivery.objects.get()

    replay = webhooks.replay_webhook(actor=admin_user, row=original)
    webhooks.send_due_webhooks()

    replay.refresh_from_db()
    assert replay.status == DeliveryStatus.SENT
    assert replay.replay_of_id == original.pk
    assert [h.headers["x-hotline-event-id"] for h in receiver.hits] == [str(original.event_id)] * 2
    assert AuditLog.objects.filter(object_type="notify.webhookdelivery", object_id=str(replay.pk)).exists()


def test_events_a_webhook_did_not_choose_are_not_sent(
    hook: Webhook, operator: User, contact: Contact, line1: Queue
) -> None:
    from hotline.desk.services import messages

    ticket = open_ticket(operator, contact, line1)
    messages.add_note(actor=operator, ticket=ticket, body_text="внутреннее")
    deliver_pending()
    assert list(WebhookDelivery.objects.values_list("event_name", flat=True)) == ["desk.TicketOpened"]


def test_inactive_webhook_gets_nothing(
    hook: Webhook, admin_user: User, operator: User, contact: Contact, line1: Queue
) -> None:
    webhooks.save_webhook(
        actor=admin_user, webhook=hook, name=hook.name, url=hook.url, event_types=hook.event_types, is_active=False
    )
    open_ticket(operator, contact, line1)
    deliver_pending()
    assert not WebhookDelivery.objects.exists()
    hook.refresh_from_db()
    assert hook.secret == "s3cret-s3cret-s3cret"  # kept when not given


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"event_types": ["desk.Nope"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"secret": "short"}, "secret"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_webhook_settings_are_refused(admin_user: User, values: dict[str, object], field: str) -> None:
    good: dict[str, object] = {"name": "CRM", "url": "https://crm.example/hook", "event_types": ["desk.TicketOpened"]}
    with pytest.raises(ValidationFailed) as error:
        webhooks.save_webhook(actor=admin_user, **(good | values))  # type: ignore[arg-type]
    assert error.value.field == field


def test_only_an_administrator_registers_webhooks(operator: User) -> None:
    with pytest.raises(Forbidden):
        webhooks.save_webhook(actor=operator, name="x", url="https://x.example", event_types=["desk.TicketOpened"])


def test_a_new_webhook_gets_a_generated_secret_that_is_never_audited(admin_user: User) -> None:
    hook = webhooks.save_webhook(
        actor=admin_user, name="BI", url="https://bi.example/in", event_types=["desk.TicketRated"]
    )
    assert len(hook.secret) >= 32
    entry = AuditLog.objects.get(object_type="notify.webhook", object_id=str(hook.pk))
    assert hook.secret not in json.dumps(entry.changes)
