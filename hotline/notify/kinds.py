"""What Hotline notifies about, whom, and over which channels.

Customers get mail only; staff get in-app notifications and mail. A customer may turn off every
mail except the *essential* ones: the confirmation that their request was received (it carries the
number they will quote) and the replies of support (the conversation itself). Status notices, the
resolution notice with its rating request are non-essential: an unsubscribed customer still sees them
on the portal and still gets every reply.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # To customers.
    REQUEST_RECEIVED = "request_received", _("Заявка принята")
    REPLY_ADDED = "reply_added", _("Ответ поддержки")
    STATUS_CHANGED = "status_changed", _("Статус заявки изменён")
    RESOLVED = "resolved", _("Заявка решена, просьба оценить")
    # To staff.
    ASSIGNED = "assigned", _("Заявка назначена вам")
    ESCALATED = "escalated", _("Заявка эскалирована или передана в вашу очередь")
    CUSTOMER_REPLIED = "customer_replied", _("Клиент ответил по вашей заявке")
    MENTIONED = "mentioned", _("Вас упомянули во внутреннем комментарии")
    SLA_WARNING = "sla_warning", _("Срок SLA скоро истечёт")
    SLA_BREACHED = "sla_breached", _("Срок SLA нарушен")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    IN_APP = "in_app", _("в приложении")


CUSTOMER_KINDS: tuple[Kind, ...] = (Kind.REQUEST_RECEIVED, Kind.REPLY_ADDED, Kind.STATUS_CHANGED, Kind.RESOLVED)
STAFF_KINDS: tuple[Kind, ...] = (
    Kind.ASSIGNED,
    Kind.ESCALATED,
    Kind.CUSTOMER_REPLIED,
    Kind.MENTIONED,
    Kind.SLA_WARNING,
    Kind.SLA_BREACHED,
)
ESSENTIAL_KINDS = frozenset({Kind.REQUEST_RECEIVED, Kind.REPLY_ADDED})

# Mail that a person wrote (not a machine) carries no Auto-Submitted header, so out-of-office replies answer it.
HUMAN_KINDS = frozenset({Kind.REPLY_ADDED})

CHANNELS_FOR: dict[str, tuple[Channel, ...]] = {
    **dict.fromkeys(CUSTOMER_KINDS, (Channel.EMAIL,)),
    **dict.fromkeys(STAFF_KINDS, (Channel.IN_APP, Channel.EMAIL)),
}

# What a user gets before choosing: every in-app notice; mail for what needs action now.
_EMAIL_OFF_BY_DEFAULT = frozenset({Kind.CUSTOMER_REPLIED})


def default_enabled(kind: str, channel: str) -> bool:
    return not (channel == Channel.EMAIL and kind in _EMAIL_OFF_BY_DEFAULT)


def is_customer_kind(kind: str) -> bool:
    return kind in CUSTOMER_KINDS
