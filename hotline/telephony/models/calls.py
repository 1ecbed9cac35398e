"""The call log: lines, calls with their legs, and transfers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.desk.models import Category, Queue, Ticket
from hotline.telephony.choices import CallStatus, Direction, Outcome, TransferSource
from hotline.telephony.models.pbx import PbxSource


class Line(models.Model):
    """A number customers dial (a DID or a short number): it names the line and where its requests go."""

    number = models.CharField(_("номер"), max_length=64, unique=True)
    name = models.CharField(_("название"), max_length=120)
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("очередь заявок")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("категория")
    )
    is_active = models.BooleanField(_("активна"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("линия")
        verbose_name_plural = _("линии")
        ordering = ["name", "number"]

    def __str__(self) -> str:
        return self.name if self.name == self.number else f"{self.name} ({self.number})"


class Call(models.Model):
    """One call as the PBX reported it, folded from its events, linked to who and what it was about."""

    source = models.ForeignKey(PbxSource, on_delete=models.PROTECT, related_name="calls", verbose_name=_("АТС"))
    provider_call_id = models.CharField(_("идентификатор в АТС"), max_length=255)
    direction = models.CharField(_("направление"), max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    caller_number = models.CharField(_("номер звонящего"), max_length=64, blank=True)
    # E.164 of the customer's side (the caller inbound, the called number outbound): what contacts match on.
    customer_e164 = models.CharField(_("номер клиента (E.164)"), max_length=20, blank=True, db_index=True)
    caller_name = models.CharField(_("имя из АТС"), max_length=120, blank=True)
    called_number = models.CharField(_("набранный номер"), max_length=64, blank=True)
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls", verbose_name=_("линия")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls", verbose_name=_("клиент")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("оператор"),
    )
    extension = models.CharField(_("внутренний номер"), max_length=32, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("заявка")
    )
    callback = models.ForeignKey(
        "telephony.Callback", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    status = models.CharField(_("состояние"), max_length=10, choices=CallStatus.choices, default=CallStatus.RINGING)
    outcome = models.CharField(_("итог"), max_length=12, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(_("начало"))
    answered_at = models.DateTimeField(_("ответ"), null=True, blank=True)
    ended_at = models.DateTimeField(_("конец"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("ожидание, с"), default=0)
    talk_seconds = models.PositiveIntegerField(_("разговор, с"), default=0)
    disconnect_cause = models.CharField(_("причина завершения"), max_length=120, blank=True)
    recording_url = models.URLField(_("запись разговора"), max_length=1000, blank=True)
    recording_ref = models.CharField(_("идентификатор записи"), max_length=255, blank=True)
    disposition = models.CharField(_("результат звонка"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("звонок")
        verbose_name_plural = _("журнал звонков")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "provider_call_id"], name="call_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["started_at", "id"], name="call_started_idx"),
            models.Index(fields=["contact", "started_at"], name="call_contact_idx"),
            models.Index(fields=["agent", "started_at"], name="call_agent_idx"),
            models.Index(fields=["ticket", "started_at"], name="call_ticket_idx"),
            models.Index(fields=["status", "started_at"], name="call_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or '—'} → {self.called_number or '—'} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.status != CallStatus.ENDED

    @property
    def customer_number(self) -> str:
        """The customer's side of the call as the PBX gave it."""
        return self.called_number if self.direction == Direction.OUTBOUND else self.caller_number


class CallLeg(models.Model):
    """One party's part of a call: an extension that rang, answered, hung up (a transfer adds a leg)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="legs")
    leg_id = models.CharField(max_length=255)
    extension = models.CharField(max_length=32, blank=True)
    # Whoever held the extension when it rang: an agent who moves desks later does not take old calls along.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rang_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("плечо звонка")
        verbose_name_plural = _("плечи звонков")
        ordering = ["rang_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "leg_id"], name="call_leg_once")]


class CallTransfer(models.Model):
    """A call (and its ticket) handed to another agent or a department, with the reason."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transfers")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=8, choices=TransferSource.choices)
    from_extension = models.CharField(max_length=32, blank=True)
    to_extension = models.CharField(max_length=32, blank=True)
    from_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    # The PBX's report of the same transfer (after an agent recorded it here), so it is not counted twice.
    pbx_confirmed_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("перевод звонка")
        verbose_name_plural = _("переводы звонков")
        ordering = ["at", "id"]
