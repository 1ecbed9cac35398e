"""What an administrator and each person configure: templates, preferences, opt-outs, webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.notify.kinds import Channel, Kind


class NotificationTemplate(models.Model):
    """An administrator's wording of one notification in one language; without a row the shipped default is used."""

    kind = models.CharField(_("уведомление"), max_length=32, choices=Kind.choices)
    language = models.CharField(_("язык"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("тема"), max_length=255, help_text=_("Номер заявки «[HL-000123]» добавляется в начало автоматически")
    )
    body = models.TextField(_("текст"))
    updated_at = models.DateTimeField(_("изменён"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("шаблон уведомления")
        verbose_name_plural = _("шаблоны уведомлений")
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="notify_template_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class NotificationPreference(models.Model):
    """A person's choice for one kind on one channel; without a row ``kinds.default_enabled`` decides."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preferences")
    kind = models.CharField(_("уведомление"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("включено"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("настройка уведомлений")
        verbose_name_plural = _("настройки уведомлений")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notify_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {'on' if self.enabled else 'off'}"


class MailOptOut(models.Model):
    """The customer unsubscribed from non-essential mail (status notices, rating requests)."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="mail_opt_out")
    created_at = models.DateTimeField(_("когда"), default=timezone.now)
    source = models.CharField(_("источник"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("отписка от рассылки")
        verbose_name_plural = _("отписки от рассылки")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.created_at:%Y-%m-%d}"


class Webhook(models.Model):
    """An outside system that receives Hotline's events by HTTPS POST, signed with its secret."""

    name = models.CharField(_("название"), max_length=120)
    url = models.URLField(_("адрес (URL)"), max_length=500)
    secret = models.CharField(
        _("секрет"), max_length=128, help_text=_("Ключ подписи HMAC-SHA256; получатель проверяет им заголовок")
    )
    event_types = models.JSONField(_("события"), default=list, blank=True)
    is_active = models.BooleanField(_("включён"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("вебхук")
        verbose_name_plural = _("вебхуки")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_name: str) -> bool:
        return self.is_active and event_name in self.event_types
