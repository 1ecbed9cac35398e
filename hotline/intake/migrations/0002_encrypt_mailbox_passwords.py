"""Mailbox passwords encrypted at rest: the column widens to text, then every stored password is encrypted.

Reversible: going back decrypts them (with the keys configured at that moment) before the column narrows again.
Rows are read and written with plain SQL so the field's own encryption does not apply twice.
"""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import hotline.intake.fields
from hotline.intake import crypto


def _rewrite(schema_editor: BaseDatabaseSchemaEditor, change: Any) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name("intake_mailbox")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, imap_password FROM {table} WHERE imap_password <> ''")  # noqa: S608 — our table
        rows = cursor.fetchall()
        for pk, stored in rows:
            new = change(stored)
            if new != stored:
                cursor.execute(f"UPDATE {table} SET imap_password = %s WHERE id = %s", [new, pk])  # noqa: S608


def encrypt_passwords(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rewrite(schema_editor, lambda stored: stored if crypto.is_encrypted(stored) else crypto.encrypt(stored))


def decrypt_passwords(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rewrite(schema_editor, crypto.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="imap_password",
            field=hotline.intake.fields.EncryptedTextField(blank=True, verbose_name="пароль"),
        ),
        migrations.RunPython(encrypt_passwords, decrypt_passwords),
    ]
