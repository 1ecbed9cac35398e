"""People's choices: which notifications on which channel, and a customer's unsubscribe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from hotline.core import audit, roles
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.notify.kinds import CHANNELS_FOR, CUSTOMER_KINDS, ESSENTIAL_KINDS, STAFF_KINDS, Kind
from hotline.notify.models import MailOptOut, NotificationPreference


@dataclass(frozen=True)
class PreferenceChange:
    kind: str
    channel: str
    enabled: bool


def kinds_for(user: User) -> tuple[Kind, ...]:
    """Staff choose among staff notifications; a customer among the mail they get."""
    if roles.is_agent(user):
        return STAFF_KINDS
    if roles.is_customer(user):
        return CUSTOMER_KINDS
    return ()


def is_locked(kind: str) -> bool:
    """Essential customer mail cannot be turned off (the request number, the replies)."""
    return kind in ESSENTIAL_KINDS


@transaction.atomic
def set_preferences(*, actor: User, user: User, changes: Sequence[PreferenceChange]) -> None:
    """Turn notifications on or off for ``user`` (themselves, or anyone for an administrator).

    Raises:
        Forbidden: changing someone else's choices without being an administrator.
        ValidationFailed: a kind or channel the user does not get, or turning off essential mail.
    """
    if actor.pk != user.pk and not roles.is_admin(actor):
        raise Forbidden("Настройки уведомлений меняет сам пользователь или администратор")
    allowed = kinds_for(user)
    now = timezone.now()
    diff: dict[str, bool] = {}
    for change in changes:
        if change.kind not in allowed:
            raise ValidationFailed(f"Уведомление «{change.kind}» недоступно", field="kind")
        if change.channel not in CHANNELS_FOR[change.kind]:
            raise ValidationFailed(f"Канал «{change.channel}» недоступен для «{change.kind}»", field="channel")
        if is_locked(change.kind) and not change.enabled:
            raise ValidationFailed("Это письмо нельзя отключить: в нём номер заявки или ответ поддержки", field="kind")
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=change.kind,
            channel=change.channel,
            defaults={"enabled": change.enabled, "updated_at": now},
        )
        diff[f"{change.kind}/{change.channel}"] = change.enabled
    if diff:
        audit.record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=user, summary="notification preferences", changes=diff
        )


@transaction.atomic
def unsubscribe_contact(*, actor: User | None, contact: Contact, source: str) -> MailOptOut:
    """The customer stops getting non-essential mail (status notices, rating requests); idempotent."""
    opt_out, created = MailOptOut.objects.get_or_create(contact=contact, defaults={"source": source[:100]})
    if created:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=contact,
            summary="unsubscribed from non-essential mail",
            changes={"source": source[:100]},
        )
    return opt_out


@transaction.atomic
def resubscribe_contact(*, actor: User | None, contact: Contact, source: str) -> None:
    """The customer wants status notices again."""
    deleted, _ = MailOptOut.objects.filter(contact=contact).delete()
    if deleted:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=contact,
            summary="subscribed to non-essential mail again",
            changes={"source": source[:100]},
        )
