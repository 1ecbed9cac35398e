"""Choices of the desk and the one table of allowed status transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("телефон")
    EMAIL = "email", _("e-mail")
    PORTAL = "portal", _("портал")
    API = "api", _("API")
    MESSENGER = "messenger", _("мессенджер")
    WALK_IN = "walk_in", _("личный визит")


class Status(models.TextChoices):
    NEW = "new", _("новая")
    OPEN = "open", _("в работе")
    PENDING_CUSTOMER = "pending_customer", _("ожидает клиента")
    PENDING_THIRD_PARTY = "pending_third_party", _("ожидает третью сторону")
    RESOLVED = "resolved", _("решена")
    CLOSED = "closed", _("закрыта")
    CANCELLED = "cancelled", _("отменена")


OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY})
PENDING_STATUSES = frozenset({Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY})
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.CANCELLED})

# The whole workflow in one place. Reopening is the move from resolved/closed back to open.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.OPEN: frozenset({Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.RESOLVED, Status.CANCELLED}),
    Status.PENDING_CUSTOMER: frozenset({Status.OPEN, Status.PENDING_THIRD_PARTY, Status.RESOLVED, Status.CANCELLED}),
    Status.PENDING_THIRD_PARTY: frozenset({Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
    Status.CANCELLED: frozenset({Status.OPEN}),
}


class Impact(models.IntegerChoices):
    LOW = 1, _("низкое")
    MEDIUM = 2, _("среднее")
    HIGH = 3, _("высокое")


class Urgency(models.IntegerChoices):
    LOW = 1, _("низкая")
    MEDIUM = 2, _("средняя")
    HIGH = 3, _("высокая")


class Priority(models.IntegerChoices):
    """Lower number, more urgent: P1 is a fire."""

    CRITICAL = 1, _("критический")
    HIGH = 2, _("высокий")
    MEDIUM = 3, _("средний")
    LOW = 4, _("низкий")


# The default matrix; an administrator overrides any cell with a PriorityRule.
DEFAULT_PRIORITY_MATRIX: dict[tuple[int, int], int] = {
    (Impact.HIGH, Urgency.HIGH): Priority.CRITICAL,
    (Impact.HIGH, Urgency.MEDIUM): Priority.HIGH,
    (Impact.MEDIUM, Urgency.HIGH): Priority.HIGH,
    (Impact.HIGH, Urgency.LOW): Priority.MEDIUM,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.MEDIUM,
    (Impact.LOW, Urgency.HIGH): Priority.MEDIUM,
    (Impact.MEDIUM, Urgency.LOW): Priority.LOW,
    (Impact.LOW, Urgency.MEDIUM): Priority.LOW,
    (Impact.LOW, Urgency.LOW): Priority.LOW,
}


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("вручную")
    ROUND_ROBIN = "round_robin", _("по кругу")
    LEAST_LOADED = "least_loaded", _("наименее загруженному")
    SKILLS = "skills", _("по навыкам")


class QueueRole(models.TextChoices):
    MEMBER = "member", _("сотрудник")
    LEAD = "lead", _("руководитель очереди")


class MessageKind(models.TextChoices):
    REPLY = "reply", _("ответ")
    NOTE = "note", _("внутренний комментарий")
    SYSTEM = "system", _("событие")


class LinkKind(models.TextChoices):
    RELATED = "related", _("связана с")
    DUPLICATE = "duplicate", _("дубликат")
    CAUSED_BY = "caused_by", _("вызвана")
    BLOCKS = "blocks", _("блокирует")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("текст")
    INTEGER = "integer", _("целое число")
    DECIMAL = "decimal", _("число")
    DATE = "date", _("дата")
    BOOLEAN = "boolean", _("да/нет")
    CHOICE = "choice", _("выбор из списка")
    PHONE = "phone", _("телефон")
    EMAIL = "email", _("e-mail")


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", _("решено")
    WORKAROUND = "workaround", _("обходное решение")
    CONSULTATION = "consultation", _("консультация")
    DUPLICATE = "duplicate", _("дубликат")
    NOT_REPRODUCED = "not_reproduced", _("не воспроизводится")
    REJECTED = "rejected", _("отклонено")
    NO_RESPONSE = "no_response", _("нет ответа клиента")
