"""Normalisation of phones (to E.164) and e-mail addresses, so lookups are exact index matches."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from hotline.core.errors import ValidationFailed

_LEADING_INTERNATIONAL_00 = re.compile(r"^\s*00\s*")


@dataclass(frozen=True)
class NormalizedPhone:
    e164: str
    extension: str = ""

    def __str__(self) -> str:
        return f"{self.e164} доб. {self.extension}" if self.extension else self.e164


def parse_phone(raw: str, *, region: str | None = None, field: str = "phone") -> NormalizedPhone:
    """Parse a phone typed in any common Russian or international way.

    Raises:
        ValidationFailed: the text is not a valid phone number.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed("Укажите номер телефона", field=field)
    # Callers dial abroad with 00; libphonenumber only knows it for some regions, so say it plainly.
    text = _LEADING_INTERNATIONAL_00.sub("+", text)
    try:
        number = phonenumbers.parse(text, region or settings.HOTLINE_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed(f"Не похоже на номер телефона: «{raw}»", field=field) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(f"Номер «{raw}» не существует в плане нумерации", field=field)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return NormalizedPhone(e164=e164, extension=number.extension or "")


def try_parse_phone(raw: str, *, region: str | None = None) -> NormalizedPhone | None:
    """Like ``parse_phone`` but returns None: for search boxes, where the text may be a name."""
    if sum(ch.isdigit() for ch in raw or "") < 5:
        return None
    try:
        return parse_phone(raw, region=region)
    except ValidationFailed:
        return None


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Lower-case and validate an address.

    Raises:
        ValidationFailed: the address is not valid.
    """
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(f"Некорректный адрес e-mail: «{raw}»", field=field) from exc
    return email
