"""What was sent or is waiting to be: mail and webhook deliveries, and in-app notifications.

A delivery is a row before anything leaves: pending → sent, or failed with the error and the time of
the next attempt (``next_attempt_at`` empty once retries are exhausted, until an administrator retries).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.desk.models import Attachment, Ticket
from hotline.notify.kinds import Kind
from hotline.notify.models.config import Webhook


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("ожидает отправки")
    SENT = "sent", _("отправлено")
    FAILED = "failed", _("ошибка")
    CANCELLED = "cancelled", _("отменено")


RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class DeliveryState(models.Model):
    status = models.CharField(
        _("состояние"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("попыток"), default=0)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), null=True, blank=True, default=timezone.now)
    last_attempt_at = models.DateTimeField(_("последняя попытка"), null=True, blank=True)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    # A sender holds a row while it talks to the receiver, so a second sender skips it.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), default=timezone.now)

    class Meta:
        abstract = True

    @property
    def gave_up(self) -> bool:
        return self.status == DeliveryStatus.FAILED and self.next_attempt_at is None


class EmailDelivery(DeliveryState):
    """One mail to one address, rendered when queued; its Message-ID threads the customer's replies."""

    kind = models.CharField(_("уведомление"), max_length=32, choices=Kind.choices)
    # The event and recipient it was made for: the same event never queues the same mail twice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("заявка")
    )
    to_customer = models.BooleanField(_("клиенту"), default=False)
    recipient_email = models.EmailField(_("кому"), max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("язык"), max_length=8)
    from_email = models.CharField(_("от кого"), max_length=320)
    subject = models.CharField(_("тема"), max_length=300)
    body_text = models.TextField(_("текст"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Without angle brackets, as mail parsers return them.
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    extra_headers = models.JSONField(default=dict, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="+", verbose_name=_("вложения"))

    class Meta:
        verbose_name = _("письмо")
        verbose_name_plural = _("журнал писем")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notify_email_due_idx",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["ticket", "created_at"], name="notify_email_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_email}: {self.subject}"


class Notification(models.Model):
    """An in-app notice for a member of staff: the bell in the header and ``/api/notifications``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("уведомление"), max_length=32, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(_("текст"), blank=True)
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление в приложении")
        verbose_name_plural = _("уведомления в приложении")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notify_inapp_user_idx"),
            models.Index(
                fields=["user", "created_at"], name="notify_inapp_unread_idx", condition=models.Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookDelivery(DeliveryState):
    """One event POSTed to one webhook; a replay is a new row pointing at the original."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("вебхук"))
    event_id = models.UUIDField(_("событие"))
    event_name = models.CharField(_("тип события"), max_length=100)
    payload = models.JSONField(default=dict)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays", verbose_name=_("повтор")
    )
    response_status = models.PositiveIntegerField(_("код ответа"), null=True, blank=True)
    response_body = models.TextField(_("ответ"), blank=True)
    duration_ms = models.PositiveIntegerField(_("время, мс"), null=True, blank=True)

    class Meta:
        verbose_name = _("доставка вебхука")
        verbose_name_plural = _("журнал вебхуков")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_id"],
                condition=models.Q(replay_of__isnull=True),
                name="notify_webhook_event_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notify_webhook_due_idx",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.webhook_id}"
