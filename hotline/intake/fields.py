"""A text field stored encrypted (``crypto``): the model holds the plain value, the database only the token."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from hotline.intake.crypto import SecretUnreadable, decrypt, encrypt

logger = logging.getLogger(__name__)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Encrypted on its way to the database, decrypted on its way back; never usable in a lookup.

    A value no configured key can decrypt (the keys were changed) reads as "": the mailbox then fails to log in,
    the error says so, and an administrator enters the password again.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper) -> str | None:
        if value is None:
            return value
        try:
            return decrypt(value)
        except SecretUnreadable:
            logger.error(
                "%s: a stored secret cannot be decrypted with HOTLINE_SECRETS_KEY / SECRET_KEY; enter it again",
                self.model._meta.label if hasattr(self, "model") else self.name,
            )
            return ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value
