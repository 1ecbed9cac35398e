"""Agent states with their history, teams, shift templates, shifts and swaps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.desk.models import Queue


class AgentState(models.TextChoices):
    AVAILABLE = "available", _("готов")
    ON_CALL = "on_call", _("разговор")
    AFTER_CALL = "after_call", _("постобработка")
    BREAK = "break", _("перерыв")
    TRAINING = "training", _("обучение")
    OFFLINE = "offline", _("не в сети")


# Time that counts as handling work, and time logged in at all (for occupancy and utilisation).
HANDLING_STATES = frozenset({AgentState.ON_CALL, AgentState.AFTER_CALL})
PRODUCTIVE_STATES = HANDLING_STATES | {AgentState.AVAILABLE}
LOGGED_IN_STATES = frozenset(AgentState.values) - {AgentState.OFFLINE}


class StateSource(models.TextChoices):
    UI = "ui", _("оператор")
    TELEPHONY = "telephony", _("телефония")
    SUPERVISOR = "supervisor", _("руководитель")
    SYSTEM = "system", _("система")


class AgentStatus(models.Model):
    """An agent's state right now (one row per agent)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status")
    state = models.CharField(_("состояние"), max_length=12, choices=AgentState.choices, default=AgentState.OFFLINE)
    since = models.DateTimeField(_("с"), default=timezone.now)
    source = models.CharField(max_length=12, choices=StateSource.choices, default=StateSource.UI)

    class Meta:
        verbose_name = _("состояние оператора")
        verbose_name_plural = _("состояния операторов")


class StateSpan(models.Model):
    """One stretch of time an agent spent in one state; the open one has no end."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="state_spans")
    state = models.CharField(max_length=12, choices=AgentState.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=StateSource.choices)

    class Meta:
        ordering = ["user", "started_at", "id"]
        indexes = [models.Index(fields=["user", "started_at"], name="state_span_user_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="one_open_state_span"),
        ]


class Team(models.Model):
    """A group rostered together, the queues it serves, and its staffing targets."""

    name = models.CharField(_("название"), max_length=120, unique=True)
    time_zone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")
    queues = models.ManyToManyField(Queue, blank=True, related_name="+", verbose_name=_("очереди"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="workforce_teams", verbose_name=_("сотрудники")
    )
    assign_only_available = models.BooleanField(
        _("распределять заявки только тем, кто на смене и готов"),
        default=True,
        help_text=_("Круговое распределение и «наименее загруженный» в очередях команды"),
    )
    target_service_level = models.FloatField(_("целевой уровень сервиса"), default=0.8)
    answer_seconds = models.PositiveIntegerField(_("за сколько секунд ответить"), default=20)
    shrinkage = models.FloatField(_("потери рабочего времени (доля)"), default=0.3)
    default_aht_seconds = models.PositiveIntegerField(_("среднее время обработки, с"), default=300)
    history_weeks = models.PositiveSmallIntegerField(_("недель истории для прогноза"), default=4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("команда")
        verbose_name_plural = _("команды")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShiftTemplate(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(_("название"), max_length=80)
    start_time = models.TimeField(_("начало (время команды)"))
    duration_minutes = models.PositiveIntegerField(_("длительность, мин"))
    break_minutes = models.PositiveIntegerField(_("перерывы, мин"), default=0)

    class Meta:
        verbose_name = _("шаблон смены")
        verbose_name_plural = _("шаблоны смен")
        ordering = ["team", "start_time", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="shift_template_name_once")]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    template = models.ForeignKey(ShiftTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(_("начало"))
    ends_at = models.DateTimeField(_("конец"))
    break_minutes = models.PositiveIntegerField(default=0)
    note = models.CharField(_("заметка"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("смена")
        verbose_name_plural = _("смены")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="shift_user_idx"),
            models.Index(fields=["team", "starts_at"], name="shift_team_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("ждёт решения")
    APPROVED = "approved", _("одобрен")
    REJECTED = "rejected", _("отклонён")
    CANCELLED = "cancelled", _("отменён")


class ShiftSwap(models.Model):
    """An agent asks to hand a shift to a colleague (or exchange it for theirs); a supervisor decides."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    counterpart = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    counterpart_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.CASCADE, related_name="counter_swaps"
    )
    reason = models.CharField(_("причина"), max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("обмен сменами")
        verbose_name_plural = _("обмены сменами")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status=SwapStatus.PENDING), name="one_pending_swap_per_shift"
            )
        ]
