"""Reads the notify app's pages and endpoints need, scoped to the person asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from hotline.core.errors import NotFound
from hotline.core.models import User
from hotline.core.pagination import Page, paginate
from hotline.customers.models import Contact
from hotline.desk import permissions
from hotline.desk.models import Ticket
from hotline.notify.kinds import CHANNELS_FOR, Kind, default_enabled
from hotline.notify.models import EmailDelivery, MailOptOut, Notification, NotificationPreference
from hotline.notify.services.preferences import is_locked, kinds_for


def _own(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk)


def unread_count(user: User) -> int:
    return _own(user).filter(read_at__isnull=True).count()


def list_notifications(
    user: User, *, unread_only: bool = False, cursor: str | None = None, limit: int = 20
) -> Page[Notification]:
    """The person's notifications, newest first.

    Raises:
        ValidationFailed: a bad cursor or limit.
    """
    notices = _own(user).select_related("ticket")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return paginate(notices, order_by="-created_at", cursor=cursor, limit=limit)


def get_notification_for(user: User, notification_id: int) -> Notification:
    """Raises NotFound: no such notification of this person."""
    notice = _own(user).filter(pk=notification_id).first()
    if notice is None:
        raise NotFound("Уведомление не найдено")
    return notice


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    channel: str
    enabled: bool
    locked: bool


def preferences_for(user: User) -> list[PreferenceRow]:
    """Every (kind, channel) the person may choose, with what is in force now."""
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user_id=user.pk).values_list(
            "kind", "channel", "enabled"
        )
    }
    rows: list[PreferenceRow] = []
    for kind in kinds_for(user):
        for channel in CHANNELS_FOR[kind]:
            locked = is_locked(kind)
            enabled = True if locked else chosen.get((kind, channel), default_enabled(kind, channel))
            rows.append(PreferenceRow(kind, str(Kind(kind).label), channel, enabled, locked))
    return rows


def is_unsubscribed(contact: Contact) -> bool:
    return MailOptOut.objects.filter(contact=contact).exists()


def ticket_for_message_ids(message_ids: Iterable[str]) -> int | None:
    """The ticket one of our mails belonged to, from a reply's In-Reply-To/References (latest first)."""
    ids = [mid.strip().strip("<>") for mid in message_ids if mid and mid.strip()]
    if not ids:
        return None
    found = dict(
        EmailDelivery.objects.filter(message_id__in=ids, ticket__isnull=False).values_list("message_id", "ticket_id")
    )
    for mid in reversed(ids):
        if mid in found:
            return int(found[mid])
    return None


def ticket_mail_log(actor: User, ticket: Ticket) -> list[EmailDelivery]:
    """The mail sent (or waiting) about a ticket, for its agents: who, what, and whether it went.

    Raises:
        NotFound: the actor is not staff who may see the ticket.
    """
    if not permissions.can_view_internal(actor) or not permissions.can_view_ticket(actor, ticket):
        raise NotFound("Заявка не найдена")
    return list(EmailDelivery.objects.filter(ticket=ticket).order_by("-created_at", "-id")[:100])
