"""Outbound calls Hotline asked a PBX to place, and how each one went."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.telephony.choices import OriginationResult, OriginationState
from hotline.telephony.models.calls import Call
from hotline.telephony.models.pbx import PbxSource


class Origination(models.Model):
    """One request to a PBX to ring an agent's extension and connect them with a number.

    ``correlation_id`` is the requester's own id of the call (a campaign attempt's reference): it is sent to the
    PBX (AMI ``ChannelId`` and a channel variable, Mango's ``command_id``, the generic webhook's field) and comes
    back on the call's events, which is how the call log's ``call`` and the outcome find their way back. Zadarma's
    callback names no id, so its call is matched by extension and number shortly after the request.
    """

    source = models.ForeignKey(PbxSource, on_delete=models.PROTECT, related_name="originations", verbose_name=_("АТС"))
    correlation_id = models.CharField(_("идентификатор запроса"), max_length=64, unique=True)
    extension = models.CharField(_("внутренний номер"), max_length=32)
    number = models.CharField(_("номер абонента"), max_length=32)
    caller_id = models.CharField(_("номер, который видит абонент"), max_length=32, blank=True)
    state = models.CharField(
        _("состояние"), max_length=10, choices=OriginationState.choices, default=OriginationState.REQUESTED
    )
    result = models.CharField(_("итог"), max_length=10, choices=OriginationResult.choices, blank=True)
    provider_call_id = models.CharField(_("идентификатор в АТС"), max_length=255, blank=True)
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="originations", verbose_name=_("звонок")
    )
    error = models.CharField(_("ошибка"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("запрошен"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("исходящий вызов через АТС")
        verbose_name_plural = _("исходящие вызовы через АТС")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["source", "provider_call_id"], name="origination_provider_idx"),
            models.Index(fields=["source", "extension", "number", "requested_at"], name="origination_match_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.extension} → {self.number} ({self.get_state_display()})"
