"""What telephony services share: who may act, and cleaning of free text."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.errors import Forbidden, ValidationFailed

REASON_MAX = 2000


def actor_id(actor: Any) -> int | None:
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) else None


def require_agent(actor: Any) -> None:
    """Raises: Forbidden — the actor is not an agent (None, the system, may)."""
    if actor is not None and not roles.is_agent(actor):
        raise Forbidden(_("Это доступно только сотрудникам"))


def require_supervisor(actor: Any) -> None:
    """Raises: Forbidden — only supervisors and administrators may."""
    if actor is not None and not roles.is_supervisor(actor):
        raise Forbidden(_("Это доступно руководителям"))


def clean_text(value: str, *, field: str, limit: int, required: bool = False, message: str = "") -> str:
    """Trimmed, NUL-free, bounded text.

    Raises:
        ValidationFailed: empty when required, or too long.
    """
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(message or _("Заполните поле"), field=field)
    if len(text) > limit:
        raise ValidationFailed(_("Не длиннее %(limit)s символов") % {"limit": limit}, field=field)
    return text
