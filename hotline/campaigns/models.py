"""Campaigns, their dispositions and call lists, leads with their attempts and callbacks, and do-not-call."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.campaigns.choices import (
    ADVERTISING_KINDS,
    AttemptState,
    CallbackStatus,
    CallOutcome,
    CampaignKind,
    CampaignStatus,
    DialingMode,
    DncSource,
    ImportStatus,
    LeadStatus,
    ListSource,
    MessageChannel,
    RejectReason,
    SeatState,
)
from hotline.customers.models import Contact
from hotline.telephony.models import PbxSource


class Gateway(models.Model):
    """Where calls are originated when the PBX is not one telephony knows: an HTTP originate endpoint that reports
    call progress back, signed. (A campaign may instead call through one of telephony's PBX sources.)

    The PBX gets ``POST originate_url`` with the number, the agent's extension and ``report_url``; it reports
    ringing/answered/ended to ``report_url`` signed with ``secret`` (HMAC-SHA256 of the body).
    """

    name = models.CharField(_("название"), max_length=120)
    originate_url = models.URLField(_("адрес запуска вызова"), max_length=500)
    report_url = models.URLField(
        _("адрес для событий звонка"),
        max_length=500,
        help_text=_("Куда АТС сообщает о ходе вызова: https://…/campaigns/dialer/<id>/events/"),
    )
    secret = models.CharField(_("секрет подписи (HMAC)"), max_length=255)
    caller_id = models.CharField(_("номер, который видит абонент"), max_length=32, blank=True)
    ring_timeout_s = models.PositiveSmallIntegerField(_("ожидание ответа, с"), default=30)
    is_active = models.BooleanField(_("включён"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("шлюз исходящих вызовов")
        verbose_name_plural = _("шлюзы исходящих вызовов")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("название"), max_length=160)
    # Telephony's call scripts name their campaign by this code (they cannot reference a campaign).
    code = models.SlugField(_("код"), max_length=64, unique=True)
    kind = models.CharField(_("тип"), max_length=16, choices=CampaignKind.choices, default=CampaignKind.INFORMATION)
    description = models.TextField(_("описание"), blank=True)
    script = models.TextField(
        _("скрипт для оператора"),
        blank=True,
        help_text=_("Подстановки: {name}, {phone}, {external_id} и столбцы списка, например {сумма_долга}"),
    )
    status = models.CharField(
        _("состояние"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    dialing_mode = models.CharField(
        _("режим набора"), max_length=12, choices=DialingMode.choices, default=DialingMode.PREVIEW
    )
    gateway = models.ForeignKey(
        Gateway,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("шлюз вызовов"),
        help_text=_("Пусто — оператор набирает номер сам (только предварительный просмотр)"),
    )
    # Or the PBX telephony is connected to (Asterisk AMI, Zadarma, Mango, the generic webhook): its originate.
    pbx_source = models.ForeignKey(
        PbxSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("АТС для вызовов"),
        help_text=_("Звонить через АТС, подключённую к телефонии (вместо шлюза)"),
    )
    caller_id = models.CharField(
        _("номер, который видит абонент"), max_length=32, blank=True, help_text=_("Для вызовов через АТС")
    )
    ring_timeout_s = models.PositiveSmallIntegerField(_("ожидание ответа, с"), default=30)
    max_attempts = models.PositiveSmallIntegerField(_("попыток на номер"), default=3)
    default_retry_minutes = models.PositiveIntegerField(_("интервал повтора по умолчанию, мин"), default=120)
    workday_start = models.TimeField(_("будни: с"), default=time(9))
    workday_end = models.TimeField(_("будни: до"), default=time(21))
    dayoff_start = models.TimeField(_("выходные: с"), null=True, blank=True, default=time(10))
    dayoff_end = models.TimeField(_("выходные: до"), null=True, blank=True, default=time(19))
    callback_grace_minutes = models.PositiveIntegerField(
        _("перезвон ждёт своего оператора, мин"),
        default=60,
        help_text=_("После этого перезвон может взять любой оператор кампании; 0 — только свой"),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="campaigns", verbose_name=_("операторы")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("кампания")
        verbose_name_plural = _("кампании")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_debt(self) -> bool:
        return self.kind == CampaignKind.DEBT

    @property
    def is_advertising(self) -> bool:
        """Its calls advertise: only to contacts with consent to advertising (38-ФЗ art. 18)."""
        return self.kind in ADVERTISING_KINDS

    @property
    def places_calls(self) -> bool:
        """Calls go out through a PBX (a telephony source or a gateway), not dialled by the agent by hand."""
        if self.pbx_source_id is not None:
            return self.pbx_source is not None and self.pbx_source.is_active
        return self.gateway_id is not None and self.gateway is not None and self.gateway.is_active


class Disposition(models.Model):
    """A call result an agent chooses, with the flags that decide what happens to the lead."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="dispositions")
    code = models.SlugField(_("код"), max_length=40)
    name = models.CharField(_("название"), max_length=120)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    human_answered = models.BooleanField(_("ответил человек"), default=False)
    is_contact = models.BooleanField(_("контакт с абонентом"), default=False)
    is_success = models.BooleanField(_("успех"), default=False)
    is_callback = models.BooleanField(_("перезвонить"), default=False)
    is_dnc = models.BooleanField(_("не звонить"), default=False)
    not_interested = models.BooleanField(_("не интересно"), default=False)
    unworkable = models.BooleanField(_("не обрабатывается (неверный номер)"), default=False)
    completes_lead = models.BooleanField(_("завершает работу с номером"), default=False)
    retry_minutes = models.PositiveIntegerField(
        _("повтор через, мин"), null=True, blank=True, help_text=_("Пусто — интервал кампании")
    )
    # Applied by the dialer itself when the PBX reports this outcome (nobody answered, busy).
    auto_outcome = models.CharField(
        _("ставится автоматически при исходе"), max_length=12, choices=CallOutcome.choices, blank=True
    )
    is_active = models.BooleanField(_("используется"), default=True)

    class Meta:
        verbose_name = _("результат звонка")
        verbose_name_plural = _("результаты звонков")
        ordering = ["campaign", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="disposition_code_once")]

    def __str__(self) -> str:
        return self.name


class CallList(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(_("название"), max_length=160)
    source = models.CharField(_("источник"), max_length=8, choices=ListSource.choices)
    is_active = models.BooleanField(_("активен"), default=True)
    # The segment a list was built from: {"tags": [...], "organisations": [...]}.
    segment: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("список обзвона")
        verbose_name_plural = _("списки обзвона")
        ordering = ["campaign", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One file (or segment) turned into leads: its column mapping, progress and the rows it refused."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    call_list = models.ForeignKey(CallList, null=True, blank=True, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=8, choices=ListSource.choices)
    file = models.FileField(upload_to="campaigns/imports/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    headers: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    sample: models.JSONField[list[list[str]]] = models.JSONField(default=list, blank=True)
    mapping: models.JSONField[dict[str, str]] = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка списка")
        verbose_name_plural = _("загрузки списков")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or f"#{self.pk}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRejection(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(_("строка"))
    reason = models.CharField(_("причина"), max_length=24, choices=RejectReason.choices)
    message = models.CharField(_("пояснение"), max_length=255)
    raw: models.JSONField[dict[str, str]] = models.JSONField(default=dict)

    class Meta:
        ordering = ["job", "row_number", "id"]


class Lead(models.Model):
    """One number to call in a campaign, with what is known about the callee and where the work stands."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="leads")
    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="leads")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    phone = models.CharField(_("номер (E.164)"), max_length=20)
    name = models.CharField(_("имя"), max_length=320, blank=True)
    external_id = models.CharField(_("внешний номер (лицевой счёт, договор)"), max_length=64, blank=True)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    time_zone = models.CharField(_("часовой пояс"), max_length=64, blank=True)
    # The zones the callee may be in (comma-separated) and how they were found: the calling window's input.
    zones = models.CharField(max_length=600, blank=True)
    zone_source = models.CharField(max_length=16, blank=True)
    # Who the debtor is for 230-ФЗ counters across campaigns: the contact, else the account, else the number.
    debtor_key = models.CharField(max_length=100, db_index=True)
    data: models.JSONField[dict[str, Any]] = models.JSONField(_("данные из списка"), default=dict, blank=True)
    status = models.CharField(_("статус"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    # The rule that stopped the lead (a ``Rule`` value), so that its cause going away can let it be called again;
    # blank for a lead stopped by a person or with its contact erased.
    stopped_for = models.CharField(max_length=24, blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_disposition = models.ForeignKey(
        Disposition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retry_at = models.DateTimeField(null=True, blank=True)
    # Not before this moment (the calling window or a 230-ФЗ period reopens): only spares the picker re-checking.
    hold_until = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reserved_at = models.DateTimeField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("абонент кампании")
        verbose_name_plural = _("абоненты кампании")
        ordering = ["campaign", "-priority", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "phone"], name="lead_phone_once_per_campaign")]
        indexes = [
            models.Index(fields=["campaign", "status", "retry_at"], name="lead_pick_idx"),
            models.Index(fields=["contact"], name="lead_contact_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.phone}"


class Attempt(models.Model):
    """One call to a lead: placed, its progress from the PBX, and the disposition the agent gave it."""

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="attempt_set")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    debtor_key = models.CharField(max_length=100, db_index=True)
    mode = models.CharField(max_length=12, choices=DialingMode.choices)
    state = models.CharField(max_length=8, choices=AttemptState.choices, default=AttemptState.DIALING)
    outcome = models.CharField(max_length=12, choices=CallOutcome.choices, blank=True)
    # The callee (or someone) picked up: for 230-ФЗ this was an interaction.
    connected = models.BooleanField(default=False)
    phone = models.CharField(max_length=20)
    call_ref = models.CharField(_("идентификатор звонка в АТС"), max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    disposition = models.ForeignKey(Disposition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispositioned_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("комментарий"), blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("попытка звонка")
        verbose_name_plural = _("попытки звонков")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["debtor_key", "started_at"], name="attempt_debtor_idx"),
            models.Index(fields=["campaign", "started_at"], name="attempt_campaign_idx"),
            models.Index(fields=["call_ref"], name="attempt_call_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.started_at:%Y-%m-%d %H:%M}"


class Callback(models.Model):
    """A promise to call the lead back at a time, kept for the agent who made it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="callbacks")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(_("когда перезвонить"))
    status = models.CharField(max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PENDING)
    attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("комментарий"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("перезвон")
        verbose_name_plural = _("перезвоны")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status=CallbackStatus.PENDING), name="one_pending_callback_per_lead"
            )
        ]


class DoNotCall(models.Model):
    """A number nobody may call: in every campaign (``campaign`` empty) or in one."""

    phone = models.CharField(_("номер (E.164)"), max_length=20)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="dnc", verbose_name=_("кампания")
    )
    source = models.CharField(_("источник"), max_length=12, choices=DncSource.choices)
    reason = models.CharField(_("причина"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("номер «не звонить»")
        verbose_name_plural = _("список «не звонить»")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=Q(campaign__isnull=True), name="dnc_global_once"),
            models.UniqueConstraint(
                fields=["phone", "campaign"], condition=Q(campaign__isnull=False), name="dnc_campaign_once"
            ),
        ]
        indexes = [models.Index(fields=["phone"], name="dnc_phone_idx")]

    def __str__(self) -> str:
        return self.phone


class DebtorMessage(models.Model):
    """A message sent to a debtor (SMS, voice, messenger): counted against 230-ФЗ's 2/4/16."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="messages")
    debtor_key = models.CharField(max_length=100, db_index=True)
    channel = models.CharField(_("канал"), max_length=10, choices=MessageChannel.choices)
    text = models.TextField(_("текст"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["debtor_key", "sent_at"], name="debtor_message_idx")]


class Seat(models.Model):
    """An agent's place in a campaign's dialing cycle: what they are doing and with which lead."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_seat")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats")
    state = models.CharField(max_length=8, choices=SeatState.choices, default=SeatState.IDLE)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    extension = models.CharField(_("внутренний номер"), max_length=32, blank=True)
    # Why the last pick found nobody to call (shown while waiting).
    waiting_reason = models.CharField(max_length=255, blank=True)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("место оператора в кампании")
        verbose_name_plural = _("места операторов в кампаниях")
