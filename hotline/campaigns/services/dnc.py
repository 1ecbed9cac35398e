"""The do-not-call list: a number on it is never dialled (everywhere, or in one campaign)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.campaigns.choices import DIALABLE_STATUSES, DncSource, LeadStatus
from hotline.campaigns.events import NumberBlocked
from hotline.campaigns.models import Campaign, DoNotCall, Lead
from hotline.campaigns.services.common import actor_id, clean_text, require_manager
from hotline.core import audit
from hotline.core.contact_points import parse_phone
from hotline.core.errors import NotFound
from hotline.core.events import publish
from hotline.core.models import AuditLog, User


def blocked_numbers(phones: list[str], campaign: Campaign) -> dict[str, str]:
    """Of ``phones``, those on a do-not-call list that applies to ``campaign``: phone → "global" or "campaign"."""
    found: dict[str, str] = {}
    rows = DoNotCall.objects.filter(phone__in=phones).filter(Q(campaign__isnull=True) | Q(campaign=campaign))
    for phone, campaign_id in rows.values_list("phone", "campaign_id"):
        if campaign_id is None or phone not in found:
            found[phone] = "global" if campaign_id is None else "campaign"
    return found


def block_in_transaction(
    *, actor: User | None, phone: str, campaign: Campaign | None, source: str, reason: str = ""
) -> DoNotCall:
    """Put an E.164 number on the list inside the caller's transaction; its waiting leads stop at once."""
    entry, created = DoNotCall.objects.get_or_create(
        phone=phone,
        campaign=campaign,
        defaults={"source": source, "reason": reason[:255], "created_by": actor},
    )
    leads = Lead.objects.filter(phone=phone, status__in=list(DIALABLE_STATUSES))
    if campaign is not None:
        leads = leads.filter(campaign=campaign)
    leads.update(status=LeadStatus.DNC, updated_at=timezone.now())
    if created:
        audit.record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=entry,
            summary=f"{phone} {campaign.code if campaign else 'global'}: {reason}"[:255],
        )
        publish(
            NumberBlocked(
                actor_id=actor_id(actor),
                phone=phone,
                campaign_id=campaign.pk if campaign else None,
                source=source,
            )
        )
    return entry


@transaction.atomic
def block_number(
    *,
    actor: User | None,
    phone: str,
    campaign: Campaign | None = None,
    reason: str = "",
    source: str = DncSource.SUPERVISOR,
) -> DoNotCall:
    """Add a number (typed in any common way) to the global or a campaign's do-not-call list.

    Raises:
        Forbidden: the actor is not a supervisor.
        ValidationFailed: not a phone number (field="phone").
    """
    require_manager(actor)
    number = parse_phone(phone, field="phone").e164
    reason = clean_text(reason, field="reason", max_length=255, label=_("Причина"))
    return block_in_transaction(actor=actor, phone=number, campaign=campaign, source=source, reason=reason)


@transaction.atomic
def unblock_number(*, actor: User | None, entry_id: int) -> None:
    """Take a number off a do-not-call list (its leads stay stopped: a supervisor reopens them if needed).

    Raises:
        Forbidden, NotFound.
    """
    require_manager(actor)
    entry = DoNotCall.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("Номер не найден в списке «не звонить»"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=entry,
        summary=f"{entry.phone} {entry.campaign_id or 'global'}",
    )
    entry.delete()
