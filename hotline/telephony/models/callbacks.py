"""The callback list: missed and abandoned calls someone has to return."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.desk.models import Ticket
from hotline.telephony.choices import CallbackResult, CallbackStatus
from hotline.telephony.models.calls import Line


class Callback(models.Model):
    """One number to call back; repeated missed calls from it while it waits add to the same row."""

    number_e164 = models.CharField(_("номер"), max_length=20)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("клиент")
    )
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("линия")
    )
    status = models.CharField(
        _("состояние"), max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.OPEN
    )
    missed_count = models.PositiveIntegerField(_("пропущено звонков"), default=1)
    first_missed_at = models.DateTimeField(_("первый пропущенный"))
    last_missed_at = models.DateTimeField(_("последний пропущенный"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
        verbose_name=_("кто перезвонит"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(_("результат"), max_length=16, choices=CallbackResult.choices, blank=True)
    note = models.TextField(_("комментарий"), blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("заявка")
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("перезвон")
        verbose_name_plural = _("список перезвонов")
        ordering = ["first_missed_at", "id"]
        constraints = [
            # Two missed calls from one number at once still make one callback.
            models.UniqueConstraint(
                fields=["number_e164"], condition=Q(status=CallbackStatus.OPEN), name="callback_open_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "first_missed_at"], name="callback_status_idx"),
            models.Index(fields=["assignee", "status"], name="callback_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number_e164} ({self.get_status_display()})"
