"""Helpers every campaigns service shares."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hotline.campaigns import permissions
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import User


def actor_id(actor: Any) -> int | None:
    return actor.pk if isinstance(actor, User) else None


def require_manager(actor: Any) -> None:
    """System work (``actor`` None) is allowed; a person must be a supervisor or administrator."""
    if actor is not None and not permissions.can_manage_campaigns(actor):
        raise Forbidden(_("Кампаниями управляет руководитель"))


def clean_text(value: str, *, field: str, max_length: int, label: str, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if "\x00" in text:
        raise ValidationFailed(_("Недопустимый символ в поле «%(label)s»") % {"label": label}, field=field)
    if required and not text:
        raise ValidationFailed(_("Заполните поле «%(label)s»") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("Поле «%(label)s» длиннее %(n)d символов") % {"label": label, "n": max_length}, field=field
        )
    return text


def clean_multiline(value: str, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ValidationFailed(_("Недопустимый символ в поле «%(label)s»") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("Поле «%(label)s» длиннее %(n)d символов") % {"label": label, "n": max_length}, field=field
        )
    return text
