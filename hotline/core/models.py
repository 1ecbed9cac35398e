"""Users, API tokens, the audit log, the outbox and idempotency keys."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.roles import AGENT_ROLES, Role


class User(AbstractUser):
    role = models.CharField(_("роль"), max_length=16, choices=Role.choices, default=Role.OPERATOR, db_index=True)
    language = models.CharField(_("язык"), max_length=8, default="ru")
    time_zone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")
    phone_extension = models.CharField(_("внутренний номер"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    @property
    def is_agent(self) -> bool:
        return self.role in AGENT_ROLES

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A token for integrations; only its hash is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("название"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditLog(models.Model):
    """Who saw or changed what, when and from where (152-ФЗ wants views of personal data too)."""

    class Action(models.TextChoices):
        CREATE = "create", _("создание")
        UPDATE = "update", _("изменение")
        DELETE = "delete", _("удаление")
        VIEW = "view", _("просмотр")
        EXPORT = "export", _("выгрузка")
        ERASE = "erase", _("обезличивание")
        MERGE = "merge", _("объединение")
        LOGIN = "login", _("вход")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("запись аудита")
        verbose_name_plural = _("журнал аудита")
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes; delivered after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("событие")
        verbose_name_plural = _("исходящие события")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_pending_idx", condition=models.Q(processed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class OutboxDelivery(models.Model):
    """Marks that one subscriber handled one event: the unique pair makes delivery idempotent."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_delivery_once")]


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: a retried request returns the first result instead of acting twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    result: models.JSONField[Any] = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_once"),
        ]


class ConfigurationVersion(models.Model):
    """One row whose token changes with every change to configuration that hot paths cache per process.

    See ``hotline.core.config_cache``: a new random token is written in the changing transaction, and readers
    compare it with the token their cached copy was built under (one primary-key read).
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("версия настроек")
        verbose_name_plural = _("версии настроек")

    def __str__(self) -> str:
        return self.token


# Business calendars live in their own subpackage; imported here so Django registers them under "core".
from hotline.core.calendar.models import (  # noqa: E402
    BusinessCalendar,
    CalendarException,
    DayKindChoices,
    ProductionCalendarDay,
)
from hotline.core.periodic import PeriodicRun  # noqa: E402

__all__ = [
    "ApiToken",
    "AuditLog",
    "BusinessCalendar",
    "CalendarException",
    "ConfigurationVersion",
    "DayKindChoices",
    "IdempotencyKey",
    "OutboxDelivery",
    "OutboxEvent",
    "PeriodicRun",
    "ProductionCalendarDay",
    "User",
    "hash_token",
]
