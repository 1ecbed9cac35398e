"""SLA policies, the timers they start on tickets, and each timer's history."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.models import BusinessCalendar
from hotline.customers.models import Organisation
from hotline.customers.models import Tag as CustomerTag
from hotline.desk.choices import Priority
from hotline.desk.models import Category, Queue, Ticket


class TimerKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("первый ответ")
    NEXT_RESPONSE = "next_response", _("следующий ответ")
    RESOLUTION = "resolution", _("решение")


class TimerStatus(models.TextChoices):
    RUNNING = "running", _("идёт")
    PAUSED = "paused", _("на паузе")
    STOPPED = "stopped", _("остановлен")
    CANCELLED = "cancelled", _("отменён")


ACTIVE_STATUSES = (TimerStatus.RUNNING, TimerStatus.PAUSED)


class SlaPolicy(models.Model):
    """Conditions → targets in business time. The first active policy (by ``order``) whose conditions hold wins.

    An empty condition matches any ticket; several values in one condition mean "any of them".
    """

    name = models.CharField(_("название"), max_length=150, unique=True)
    description = models.TextField(_("описание"), blank=True)
    is_active = models.BooleanField(_("действует"), default=True)
    order = models.PositiveIntegerField(_("порядок"), default=100, help_text=_("Меньше — проверяется раньше"))
    # Conditions.
    priorities = models.JSONField(_("приоритеты"), default=list, blank=True)
    channels = models.JSONField(_("каналы"), default=list, blank=True)
    queues = models.ManyToManyField(Queue, blank=True, related_name="+", verbose_name=_("очереди"))
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("категории"), help_text=_("С подкатегориями")
    )
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="+", verbose_name=_("организации"))
    customer_tags = models.ManyToManyField(
        CustomerTag,
        blank=True,
        related_name="+",
        verbose_name=_("уровень клиента (метки)"),
        help_text=_("Метка клиента или его организации, например «VIP»"),
    )
    # Targets in business minutes on the calendar; empty = no such target.
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("рабочий календарь"),
        help_text=_("Пусто — календарь по умолчанию"),
    )
    first_response_minutes = models.PositiveIntegerField(_("первый ответ, мин"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("следующий ответ, мин"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("решение, мин"), null=True, blank=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("предупреждать при, %"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    # What happens.
    notify_on_warning = models.BooleanField(_("уведомлять о приближении срока"), default=True)
    notify_on_breach = models.BooleanField(_("уведомлять о нарушении"), default=True)
    raise_priority_to = models.PositiveSmallIntegerField(
        _("при нарушении повысить приоритет до"), choices=Priority.choices, null=True, blank=True
    )
    escalate_on_breach = models.BooleanField(_("при нарушении эскалировать на следующую линию"), default=False)
    created_at = models.DateTimeField(_("создана"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("изменена"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("политика SLA")
        verbose_name_plural = _("политики SLA")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=99), name="sla_warning_percent_1_99"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def target_minutes(self, kind: str) -> int | None:
        value: int | None = getattr(self, f"{kind}_minutes")
        return value


class SlaTimer(models.Model):
    """One clock of one ticket. Business time is counted as ``elapsed_seconds`` (closed stretches) plus the
    stretch running since ``running_since``; ``warn_at``/``due_at`` are the instants the current stretch reaches
    the warning share and the target (unknown, so empty, while paused)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_timers")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="timers", verbose_name=_("политика"))
    kind = models.CharField(_("срок"), max_length=16, choices=TimerKind.choices)
    status = models.CharField(_("состояние"), max_length=10, choices=TimerStatus.choices, default=TimerStatus.RUNNING)
    target_minutes = models.PositiveIntegerField(_("норматив, мин"))
    warning_percent = models.PositiveSmallIntegerField(default=80)
    started_at = models.DateTimeField(_("запущен"), default=timezone.now)
    running_since = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(default=0)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("срок"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("нарушен"), null=True, blank=True)
    # The breach's actions (notify, priority, escalation) ran or were deliberately skipped: at most once.
    breach_handled_at = models.DateTimeField(null=True, blank=True)
    # When the timer was decided (met at its stop, or missed at its breach) and who was responsible then.
    decided_at = models.DateTimeField(null=True, blank=True)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("таймер SLA")
        verbose_name_plural = _("таймеры SLA")
        ordering = ["ticket", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(status__in=["running", "paused"]),
                name="sla_one_active_timer_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="sla_timer_due_idx"),
            models.Index(fields=["status", "warn_at"], name="sla_timer_warn_idx"),
            models.Index(fields=["ticket", "status"], name="sla_timer_ticket_idx"),
            models.Index(fields=["decided_at"], name="sla_timer_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.ticket_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class SlaTimerEvent(models.Model):
    """The history of a timer: started, paused, resumed, warned, breached, the breach actions, stopped."""

    class Action(models.TextChoices):
        STARTED = "started", _("запущен")
        PAUSED = "paused", _("пауза")
        RESUMED = "resumed", _("возобновлён")
        STOPPED = "stopped", _("остановлен")
        CANCELLED = "cancelled", _("отменён")
        RESTARTED = "restarted", _("снова запущен")
        POLICY_CHANGED = "policy_changed", _("сменилась политика")
        RECOMPUTED = "recomputed", _("срок пересчитан")
        WARNED = "warned", _("предупреждение")
        BREACHED = "breached", _("нарушен")
        PRIORITY_RAISED = "priority_raised", _("повышен приоритет")
        ESCALATED = "escalated", _("эскалирована")
        ACTION_FAILED = "action_failed", _("действие не выполнено")

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="events")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    elapsed_seconds = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("событие таймера SLA")
        verbose_name_plural = _("история таймеров SLA")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="sla_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
