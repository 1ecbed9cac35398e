"""Messages on a ticket (public replies, internal notes, system events) and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.desk.choices import Channel, MessageKind
from hotline.desk.models.tickets import Ticket


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.REPLY)
    is_internal = models.BooleanField(_("внутренний"), default=False)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    body_text = models.TextField(_("текст"), blank=True)
    body_html = models.TextField(_("HTML (очищенный)"), blank=True)
    # Intake keeps the channel's own id (e-mail Message-ID) so a redelivery is recognised.
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("сообщение")
        verbose_name_plural = _("сообщения")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]

    @property
    def is_from_customer(self) -> bool:
        return self.author_contact_id is not None and self.author_user_id is None


def attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    # The stored name is ours; the customer's file name is kept in original_name.
    return f"attachments/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("имя файла"), max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True)  # for inline cid: images
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")

    def __str__(self) -> str:
        return self.original_name
