"""Helpers shared by the customer services: permission guards, text cleaning, row locks."""

from __future__ import annotations

import enum
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.customers.models import Contact


class Unset(enum.Enum):
    """Marks an argument that was not passed, where ``None`` is a meaningful value ("no organisation")."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def actor_id(actor: Any) -> int | None:
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) else None


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def require_agent_or_system(actor: Any) -> None:
    """``None`` is the system (intake, telephony, imports); people must be agents."""
    require(actor is None or roles.is_agent(actor), _("Недостаточно прав для работы с клиентской базой"))


def lock(contact: Contact) -> Contact:
    """Re-read the contact under a row lock so concurrent edits of one card serialise."""
    contact.refresh_from_db(from_queryset=Contact.objects.select_for_update())
    return contact


def ensure_active(contact: Contact) -> None:
    if contact.erased_at is not None:
        raise Conflict(_("Контакт обезличен: его данные удалены по требованию 152-ФЗ"))
    if contact.merged_into_id is not None:
        raise Conflict(
            _("Контакт объединён с контактом #%(id)s: работайте с ним") % {"id": contact.merged_into_id},
            code="contact_merged",
        )


def refuse_nul(value: str, *, field: str) -> None:
    # PostgreSQL text cannot hold U+0000; a clear refusal instead of a database error.
    if "\x00" in (value or ""):
        raise ValidationFailed(_("Недопустимый символ в тексте"), field=field)


def clean_text(value: str, *, field: str, max_length: int, label: str) -> str:
    refuse_nul(value, field=field)
    text = " ".join((value or "").split())
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s: не длиннее %(max)s символов") % {"label": label, "max": max_length}, field=field
        )
    return text


def clean_multiline(value: str, *, field: str, max_length: int, label: str) -> str:
    refuse_nul(value, field=field)
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s: не длиннее %(max)s символов") % {"label": label, "max": max_length}, field=field
        )
    return text


def clean_language(value: str, *, field: str = "language") -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    if value not in codes:
        raise ValidationFailed(_("Язык должен быть одним из: %(codes)s") % {"codes": ", ".join(codes)}, field=field)
    return value


def clean_time_zone(value: str, *, field: str = "time_zone") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(_("Неизвестный часовой пояс «%(tz)s»") % {"tz": value}, field=field) from exc
    return value
