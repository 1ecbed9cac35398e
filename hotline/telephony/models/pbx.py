"""Where call events come from: the configured PBXs, the events they sent, and the requests refused."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.telephony.choices import EventKind, SourceKind


class PbxSource(models.Model):
    """One PBX (or script) that reports calls, and what verifies it.

    ``secret`` is the generic webhook's HMAC key, Zadarma's API secret, Mango's API salt or the AMI password;
    ``api_key`` is Mango's ``vpbx_api_key`` (checked against each request), Zadarma's API key or the AMI user name.
    ``api_url``, ``originate_context`` and ``originate_channel`` are for calls Hotline places through the PBX
    (``services.originations``).
    """

    name = models.CharField(_("название"), max_length=120)
    slug = models.SlugField(_("код в адресе вебхука"), max_length=60, unique=True)
    kind = models.CharField(_("тип"), max_length=16, choices=SourceKind.choices)
    is_active = models.BooleanField(_("включена"), default=True)
    api_key = models.CharField(_("ключ API / логин AMI"), max_length=255, blank=True)
    secret = models.CharField(_("секрет"), max_length=255)
    host = models.CharField(_("адрес AMI"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("порт AMI"), null=True, blank=True)
    time_zone = models.CharField(
        _("часовой пояс АТС"), max_length=64, blank=True, help_text=_("Для времени без пояса (Zadarma)")
    )
    api_url = models.URLField(
        _("адрес API АТС"),
        max_length=500,
        blank=True,
        help_text=_(
            "Для исходящих вызовов. Zadarma: https://api.zadarma.com, Mango: https://app.mango-office.ru "
            "(пусто — эти адреса); универсальный вебхук: адрес, принимающий запрос на вызов"
        ),
    )
    originate_context = models.CharField(
        _("контекст набора (Asterisk)"),
        max_length=80,
        blank=True,
        default="from-internal",
        help_text=_("Контекст диалплана, в котором набирается номер абонента после ответа оператора"),
    )
    originate_channel = models.CharField(
        _("канал оператора (Asterisk)"),
        max_length=120,
        blank=True,
        default="PJSIP/{extension}",
        help_text=_("Куда сначала звонит АТС: PJSIP/{extension}, SIP/{extension} или Local/{extension}@from-internal"),
    )
    recording_url_template = models.CharField(
        _("шаблон ссылки на запись"),
        max_length=500,
        blank=True,
        help_text=_("Asterisk: например https://pbx.example.ru/records/{filename}"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("АТС")
        verbose_name_plural = _("АТС и интеграции")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CallEvent(models.Model):
    """One normalised event as received: stored before it is applied, so a valid event is never lost.

    ``dedupe_key`` (call id, leg, event, sequence) makes a repeated delivery a no-op; ``processed_at`` empty
    means it still has to be applied (a retry job picks it up).
    """

    source = models.ForeignKey(PbxSource, on_delete=models.PROTECT, related_name="events")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    dedupe_key = models.CharField(max_length=255)
    provider_call_id = models.CharField(max_length=255)
    leg = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    sequence = models.BigIntegerField(default=0)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    data: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    raw: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("событие АТС")
        verbose_name_plural = _("события АТС")
        constraints = [models.UniqueConstraint(fields=["source", "dedupe_key"], name="call_event_once")]
        indexes = [
            models.Index(fields=["source", "provider_call_id"], name="call_event_call_idx"),
            models.Index(fields=["received_at"], name="call_event_pending_idx", condition=models.Q(processed_at=None)),
        ]

    def __str__(self) -> str:
        return f"{self.provider_call_id} {self.kind} #{self.sequence}"


class RejectedRequest(models.Model):
    """A webhook request refused (bad signature, malformed): what came, from where and why."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.ForeignKey(PbxSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    path = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=500)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    excerpt = models.TextField(blank=True)

    class Meta:
        verbose_name = _("отклонённый запрос АТС")
        verbose_name_plural = _("отклонённые запросы АТС")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.status} {self.code}"
