"""Configuration an administrator keeps: queues, skills, categories, custom fields, routing, priorities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Organisation
from hotline.desk.choices import (
    AssignmentMode,
    Channel,
    CustomFieldType,
    Impact,
    Priority,
    QueueRole,
    Urgency,
)


class Skill(models.Model):
    name = models.CharField(_("навык"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("навык")
        verbose_name_plural = _("навыки")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agents")
    level = models.PositiveSmallIntegerField(_("уровень"), default=1)

    class Meta:
        verbose_name = _("навык сотрудника")
        verbose_name_plural = _("навыки сотрудников")
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="agent_skill_once")]


class Queue(models.Model):
    """A queue of a support line (1, 2, 3) or a department's queue (no line level)."""

    name = models.CharField(_("название"), max_length=120, unique=True)
    slug = models.SlugField(_("код"), max_length=60, unique=True)
    line_level = models.PositiveSmallIntegerField(
        _("линия поддержки"),
        null=True,
        blank=True,
        choices=[(1, "1"), (2, "2"), (3, "3")],
        help_text=_("Пусто — очередь отдела"),
    )
    description = models.TextField(_("описание"), blank=True)
    email = models.EmailField(_("адрес очереди"), blank=True)
    signature = models.TextField(_("подпись"), blank=True)
    assignment_mode = models.CharField(
        _("распределение"), max_length=16, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL
    )
    escalation_queue = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("очередь эскалации"),
        help_text=_("Пусто — первая активная очередь следующей линии"),
    )
    is_default = models.BooleanField(_("очередь по умолчанию"), default=False)
    is_active = models.BooleanField(_("активна"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="QueueMembership", related_name="desk_queues", blank=True
    )

    class Meta:
        verbose_name = _("очередь")
        verbose_name_plural = _("очереди")
        ordering = ["line_level", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_department(self) -> bool:
        return self.line_level is None


class QueueMembership(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_memberships")
    role = models.CharField(_("роль"), max_length=8, choices=QueueRole.choices, default=QueueRole.MEMBER)
    # Round-robin hands the next ticket to whoever waited longest.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    accepts_assignments = models.BooleanField(_("получает заявки автоматически"), default=True)

    class Meta:
        verbose_name = _("участник очереди")
        verbose_name_plural = _("участники очереди")
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="queue_member_once")]


class Category(models.Model):
    name = models.CharField(_("название"), max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("родитель")
    )
    # Materialised path ("/3/17/") so a subtree is one prefix filter.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="/")
    required_skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("нужен навык")
    )
    is_active = models.BooleanField(_("активна"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("категория")
        verbose_name_plural = _("категории")
        ordering = ["path", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_name_in_parent")]

    def __str__(self) -> str:
        return self.name


class CustomFieldDefinition(models.Model):
    """A field an agent fills for tickets of a category (and its subcategories)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(_("ключ"), max_length=60)
    label = models.CharField(_("подпись"), max_length=120)
    field_type = models.CharField(
        _("тип"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    required = models.BooleanField(_("обязательное"), default=False)
    choices = models.JSONField(_("варианты"), default=list, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("дополнительное поле")
        verbose_name_plural = _("дополнительные поля")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="custom_field_key_once")]

    def __str__(self) -> str:
        return self.label


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix, overriding the default."""

    impact = models.PositiveSmallIntegerField(_("влияние"), choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(_("срочность"), choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(_("приоритет"), choices=Priority.choices)

    class Meta:
        verbose_name = _("правило приоритета")
        verbose_name_plural = _("матрица приоритетов")
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priority_cell_once")]


class RoutingRule(models.Model):
    """When a ticket opens, the first active rule whose conditions all hold picks its queue."""

    name = models.CharField(_("название"), max_length=120)
    order = models.PositiveIntegerField(_("порядок"), default=100)
    is_active = models.BooleanField(_("активно"), default=True)
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("категория")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("организация"),
    )
    mailbox = models.CharField(_("почтовый ящик"), max_length=254, blank=True)
    keywords = models.CharField(
        _("ключевые слова"), max_length=500, blank=True, help_text=_("Через запятую; достаточно одного")
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+", verbose_name=_("очередь"))
    set_priority = models.PositiveSmallIntegerField(
        _("установить приоритет"), null=True, blank=True, choices=Priority.choices
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("правило маршрутизации")
        verbose_name_plural = _("правила маршрутизации")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name
