"""Mailbox admin saves through the service (checked, audited, password kept); inbound log: raw download, retry."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import AuditLog
from hotline.core.tests.factories import AdminFactory
from hotline.desk.models import Queue, Ticket
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox
from hotline.intake.services import ingest_raw
from hotline.intake.tests.mailgen import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(AdminFactory.create(is_superuser=True))
    return client


def _form(queue: Queue, **overrides: str) -> dict[str, str]:
    data = {
        "name": "Поддержка",
        "address": "Support@Example.ru",
        "kind": "imap",
        "queue": str(queue.pk),
        "is_active": "on",
        "closed_reply": "follow_up",
        "loop_limit": "30",
        "imap_host": "imap.example.ru",
        "imap_port": "",
        "imap_security": "ssl",
        "imap_verify_tls": "on",
        "imap_username": "support",
        "imap_password": "secret",
        "imap_folders": "INBOX",
        "after_import": "seen",
        "move_to_folder": "",
        "use_idle": "on",
        "folder_states-TOTAL_FORMS": "0",
        "folder_states-INITIAL_FORMS": "0",
        "folder_states-MIN_NUM_FORMS": "0",
        "folder_states-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_mailbox_is_created_and_changed_without_revealing_its_password(admin_client: Client, queue: Queue) -> None:
    response = admin_client.post("/admin/intake/mailbox/add/", _form(queue))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "support@example.ru"
    assert mailbox.imap_password == "secret"
    audit = AuditLog.objects.get(object_type="intake.mailbox")
    assert audit.changes["imap_password"] == ["***", "***"]

    page = admin_client.get(f"/admin/intake/mailbox/{mailbox.pk}/change/")
    assert "secret" not in page.content.decode()
    response = admin_client.post(
        f"/admin/intake/mailbox/{mailbox.pk}/change/", _form(queue, imap_password="", name="Поддержка ЖКХ")
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password) == ("Поддержка ЖКХ", "secret")


def test_a_wrong_setting_is_shown_on_the_form(admin_client: Client, queue: Queue) -> None:
    response = admin_client.post("/admin/intake/mailbox/add/", _form(queue, imap_host="", after_import="move"))
    assert response.status_code == 200
    assert "Укажите IMAP-сервер" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_the_raw_message_can_be_downloaded(admin_client: Client, mailbox: Mailbox) -> None:
    raw = mail(subject="Скачать оригинал")
    result = ingest_raw(mailbox=mailbox, raw=raw, source="smtp")
    page = admin_client.get(f"/admin/intake/inboundmessage/{result.inbound_id}/change/")
    assert page.status_code == 200
    response = admin_client.get(f"/admin/intake/inboundmessage/{result.inbound_id}/raw/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == raw  # type: ignore[attr-defined]
    assert admin_client.get("/admin/intake/inboundmessage/999999/raw/").status_code == 404


def test_a_held_back_message_can_be_processed_again(admin_client: Client, mailbox: Mailbox) -> None:
    mailbox.loop_limit = 1
    mailbox.save()
    ingest_raw(mailbox=mailbox, raw=mail(sender="busy@example.com", subject="Первое"), source="smtp")
    held = ingest_raw(mailbox=mailbox, raw=mail(sender="busy@example.com", subject="Второе"), source="smtp")
    assert held.status == InboundStatus.THROTTLED
    response = admin_client.post(
        "/admin/intake/inboundmessage/", {"action": "process_again", "_selected_action": [str(held.inbound_id)]}
    )
    assert response.status_code == 302
    assert InboundMessage.objects.get(pk=held.inbound_id).status == InboundStatus.TICKET
    assert Ticket.objects.count() == 2


def test_the_inbound_log_lists_in_a_fixed_number_of_queries(
    admin_client: Client, mailbox: Mailbox, django_assert_max_num_queries: object
) -> None:
    for n in range(5):
        ingest_raw(mailbox=mailbox, raw=mail(subject=f"Письмо {n}", sender=f"c{n}@example.com"), source="smtp")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert admin_client.get("/admin/intake/inboundmessage/").status_code == 200
