"""An administrator's wording of notifications: save a template (checked by rendering it), or go back to the default."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.core import audit, roles
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.notify.defaults import DEFAULT_TEMPLATES
from hotline.notify.kinds import Kind
from hotline.notify.models import NotificationTemplate
from hotline.notify.rendering import validate_template


def _ensure_admin(actor: User | None) -> None:
    if not roles.is_admin(actor):
        raise Forbidden("Шаблоны уведомлений меняет администратор")


@transaction.atomic
def save_template(*, actor: User | None, kind: str, language: str, subject: str, body: str) -> NotificationTemplate:
    """Store the wording of one notification in one language.

    Raises:
        Forbidden: the actor is not an administrator.
        ValidationFailed: an unknown kind or language; a template that does not render.
    """
    _ensure_admin(actor)
    if kind not in Kind.values:
        raise ValidationFailed("Неизвестное уведомление", field="kind")
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed("Неизвестный язык", field="language")
    validate_template(kind, subject, body)
    row, created = NotificationTemplate.objects.update_or_create(
        kind=kind,
        language=language,
        defaults={"subject": subject, "body": body, "updated_at": timezone.now(), "updated_by": actor},
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=row,
        summary=f"notification template {kind}/{language}",
    )
    return row


@transaction.atomic
def reset_template(*, actor: User | None, row: NotificationTemplate) -> NotificationTemplate:
    """Put the shipped wording back.

    Raises:
        Forbidden: the actor is not an administrator.
    """
    _ensure_admin(actor)
    default = DEFAULT_TEMPLATES.get(row.language, DEFAULT_TEMPLATES["ru"])[row.kind]
    row.subject, row.body = default.subject, default.body
    row.updated_at, row.updated_by = timezone.now(), actor
    row.save(update_fields=["subject", "body", "updated_at", "updated_by"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, summary="notification template reset")
    return row


def install_defaults() -> int:
    """Rows for every (kind, language) that has none, so an administrator sees and edits the wording."""
    existing = set(NotificationTemplate.objects.values_list("kind", "language"))
    rows = [
        NotificationTemplate(kind=kind, language=language, subject=t.subject, body=t.body)
        for language, templates in DEFAULT_TEMPLATES.items()
        for kind, t in templates.items()
        if (kind, language) not in existing
    ]
    NotificationTemplate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
