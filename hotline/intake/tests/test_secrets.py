"""Mailbox passwords are encrypted at rest: the database (and a dump of it) holds only a Fernet token.

The key is HOTLINE_SECRETS_KEY (several for rotation) or derived from SECRET_KEY; the admin never shows the
password back; the migration encrypts the passwords stored before and decrypts them again when reversed.
"""

from __future__ import annotations

import importlib

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.state import StateApps
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from hotline.core.tests.factories import AdminFactory
from hotline.desk.models import Queue
from hotline.intake import crypto
from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.services import save_mailbox

pytestmark = pytest.mark.django_db
PASSWORD = "Пароль-от-ящика-42"


def _stored(mailbox: Mailbox) -> str:
    """What the database row holds, read past the model field."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM intake_mailbox WHERE id = %s", [mailbox.pk])
        value: str = cursor.fetchone()[0]
    return value


def _store(mailbox: Mailbox, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_mailbox SET imap_password = %s WHERE id = %s", [value, mailbox.pk])


def _mailbox(queue: Queue, password: str = PASSWORD) -> Mailbox:
    return save_mailbox(
        actor=None,
        mailbox=Mailbox(
            name="Поддержка",
            address="support@example.ru",
            kind=MailboxKind.IMAP,
            queue=queue,
            imap_host="imap.example.ru",
            imap_username="support",
            imap_password=password,
        ),
    )


@pytest.fixture(autouse=True)
def _fresh_keys() -> None:
    crypto._fernet.cache_clear()


def test_the_database_holds_a_token_and_the_model_the_password(queue: Queue) -> None:
    mailbox = _mailbox(queue)
    stored = _stored(mailbox)
    assert stored.startswith("fernet:")
    assert PASSWORD not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == PASSWORD
    assert list(Mailbox.objects.values_list("imap_password", flat=True)) == [PASSWORD]
    # Encrypted afresh each time: two equal passwords do not give away that they are equal.
    mailbox.save(update_fields=["imap_password"])
    assert _stored(mailbox) != stored


def test_the_key_comes_from_hotline_secrets_key(queue: Queue, settings: SettingsWrapper) -> None:
    key = Fernet.generate_key().decode()
    settings.HOTLINE_SECRETS_KEY = key
    mailbox = _mailbox(queue)
    token = _stored(mailbox).removeprefix("fernet:")
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == PASSWORD

    # Without that key (nor the SECRET_KEY it was not made with) nothing reads it: the password is lost, not shown.
    settings.HOTLINE_SECRETS_KEY = Fernet.generate_key().decode()
    crypto._fernet.cache_clear()
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == ""


def test_a_passphrase_works_as_a_key_and_keys_rotate(
    queue: Queue, settings: SettingsWrapper, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.HOTLINE_SECRETS_KEY = "old passphrase from the secrets manager"
    mailbox = _mailbox(queue)
    new = Fernet.generate_key().decode()
    # Rotation: the new key first (it encrypts), the old one after it (it still decrypts).
    settings.HOTLINE_SECRETS_KEY = f"{new},old passphrase from the secrets manager"
    crypto._fernet.cache_clear()
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == PASSWORD

    call_command("mailbox", "reencrypt")
    assert '"reencrypted": 1' in capsys.readouterr().out
    assert Fernet(new.encode()).decrypt(_stored(mailbox).removeprefix("fernet:").encode()).decode() == PASSWORD
    settings.HOTLINE_SECRETS_KEY = new  # the old key can go now
    crypto._fernet.cache_clear()
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == PASSWORD


def test_reencrypting_reports_what_no_key_opens_and_keeps_it(queue: Queue, settings: SettingsWrapper) -> None:
    mailbox = _mailbox(queue)
    stored = _stored(mailbox)
    settings.SECRET_KEY = "a different secret key"
    crypto._fernet.cache_clear()
    with pytest.raises(CommandError, match=r"support@example\.ru"):
        call_command("mailbox", "reencrypt")
    assert _stored(mailbox) == stored  # kept: the old key may yet come back


def test_without_hotline_secrets_key_the_old_secret_keys_still_decrypt(queue: Queue, settings: SettingsWrapper) -> None:
    mailbox = _mailbox(queue)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the new django secret key"
    crypto._fernet.cache_clear()
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == PASSWORD


def test_the_admin_never_shows_the_password_or_its_token(queue: Queue) -> None:
    mailbox = _mailbox(queue)
    client = Client()
    client.force_login(AdminFactory.create(is_superuser=True))
    page = client.get(f"/admin/intake/mailbox/{mailbox.pk}/change/").content.decode()
    assert 'name="imap_password"' in page
    assert PASSWORD not in page
    assert "fernet:" not in page
    assert _stored(mailbox)[7:40] not in page


@pytest.mark.django_db(transaction=True)  # a schema editor outside a transaction, as migrate runs it
def test_the_migration_encrypts_stored_passwords_and_reverses(queue: Queue) -> None:
    migration = importlib.import_module("hotline.intake.migrations.0002_encrypt_mailbox_passwords")
    mailbox = _mailbox(queue)
    _store(mailbox, "plain-before-upgrade")  # as a row written before the upgrade
    other = save_mailbox(
        actor=None,
        mailbox=Mailbox(name="Без пароля", address="noreply@example.ru", kind=MailboxKind.SMTP, queue=queue),
    )
    apps = StateApps([], {})

    with connection.schema_editor() as editor:
        migration.encrypt_passwords(apps, editor)
    assert crypto.decrypt(_stored(mailbox)) == "plain-before-upgrade"
    assert _stored(other) == ""
    once = _stored(mailbox)
    with connection.schema_editor() as editor:
        migration.encrypt_passwords(apps, editor)  # run twice (a retried deploy): not encrypted twice
    assert _stored(mailbox) == once

    with connection.schema_editor() as editor:
        migration.decrypt_passwords(apps, editor)
    assert _stored(mailbox) == "plain-before-upgrade"
    assert _stored(other) == ""
