"""Messages to debtors (SMS, voice, messenger) recorded against 230-ФЗ's limits: 2 a day, 4 a week, 16 a month."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.campaigns import permissions
from hotline.campaigns.choices import MessageChannel
from hotline.campaigns.eligibility import Context, calling_hours, message_refusals
from hotline.campaigns.events import DebtorMessageRecorded
from hotline.campaigns.models import DebtorMessage, Lead
from hotline.campaigns.rules.windows import check_window
from hotline.campaigns.rules.zones import unpack
from hotline.campaigns.services.common import actor_id, clean_multiline
from hotline.core import audit
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User


@transaction.atomic
def record_debtor_message(*, actor: User, lead: Lead, channel: str, text: str) -> DebtorMessage:
    """Record a message sent to the lead; for a debt campaign refused over the limits or at night.

    Raises:
        Forbidden: not an agent of the campaign.
        ValidationFailed: unknown channel, empty text.
        Conflict: a 230-ФЗ limit or the local-time window holds it back (the message names the rule).
    """
    lead = Lead.objects.select_for_update(of=("self",)).select_related("campaign", "contact").get(pk=lead.pk)
    if not permissions.can_work_campaign(actor, lead.campaign):
        raise Forbidden(_("Вы не работаете в этой кампании"))
    if channel not in MessageChannel.values:
        raise ValidationFailed(_("Выберите канал"), field="channel")
    body = clean_multiline(text, field="text", max_length=2000, label=_("Текст"))
    if not body:
        raise ValidationFailed(_("Напишите текст сообщения"), field="text")
    context = Context.load([lead])
    refusals = message_refusals(lead, context=context)
    if lead.campaign.is_debt:
        window = check_window(unpack(lead.zones), calling_hours(lead.campaign), context.now, context.production)
        if not window.inside:
            raise Conflict(_("230-ФЗ: сообщения должнику ночью не отправляются (по его местному времени)"))
    if refusals:
        raise Conflict("; ".join(r.message for r in refusals), code=f"refused:{refusals[0].rule}")
    message = DebtorMessage.objects.create(
        lead=lead, debtor_key=lead.debtor_key, channel=channel, text=body, sent_by=actor, sent_at=context.now
    )
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=message, summary=f"{lead.phone} {channel}")
    publish(DebtorMessageRecorded(actor_id=actor_id(actor), message_id=message.pk, lead_id=lead.pk))
    return message
