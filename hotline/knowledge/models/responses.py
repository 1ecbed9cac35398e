"""Canned responses (шаблоны ответов) and macros: a queue's or one agent's ready-made answers and actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.desk.choices import Status
from hotline.desk.models import Category, Queue


class CannedResponse(models.Model):
    """A reply text with placeholders. A queue's responses serve its members; personal ones their owner;
    one with neither is for every agent (only administrators create those)."""

    name = models.CharField(_("название"), max_length=120)
    shortcut = models.SlugField(
        _("сокращение"), max_length=40, allow_unicode=True, help_text=_("Наберите ::сокращение в ответе")
    )
    body = models.TextField(_("текст"))
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("очередь")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        verbose_name=_("личный шаблон сотрудника"),
    )
    is_active = models.BooleanField(_("действует"), default=True)
    use_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("шаблон ответа")
        verbose_name_plural = _("шаблоны ответов")
        ordering = ["shortcut", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(queue__isnull=True) | Q(owner__isnull=True), name="canned_response_one_scope"
            ),
            models.UniqueConstraint(
                fields=["queue", "shortcut"], condition=Q(queue__isnull=False), name="canned_shortcut_per_queue"
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"], condition=Q(owner__isnull=False), name="canned_shortcut_per_owner"
            ),
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=Q(queue__isnull=True, owner__isnull=True),
                name="canned_shortcut_global",
            ),
        ]

    def __str__(self) -> str:
        return f"::{self.shortcut} {self.name}"


class AssignTo(models.TextChoices):
    KEEP = "", _("не менять")
    ME = "me", _("тому, кто применил")
    USER = "user", _("выбранному сотруднику")
    NOBODY = "nobody", _("снять исполнителя")


class Macro(models.Model):
    """Several ticket actions in one click, each done by the desk's own service in one transaction."""

    name = models.CharField(_("название"), max_length=120)
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("очередь")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("личный макрос сотрудника"),
    )
    reply = models.ForeignKey(
        CannedResponse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ответить шаблоном"),
    )
    set_status = models.CharField(_("установить статус"), max_length=20, choices=Status.choices, blank=True)
    set_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("категория")
    )
    assign_to = models.CharField(_("назначить"), max_length=8, choices=AssignTo.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("исполнитель"),
    )
    add_tags = models.JSONField(_("добавить метки"), default=list, blank=True)
    is_active = models.BooleanField(_("действует"), default=True)
    use_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("макрос")
        verbose_name_plural = _("макросы")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(queue__isnull=True) | Q(owner__isnull=True), name="macro_one_scope"),
        ]

    def __str__(self) -> str:
        return self.name
