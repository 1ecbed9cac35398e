"""What campaigns do when customers change: merged contacts keep their leads, erased ones lose their data, a contact
who withdraws consent (or consent to advertising, for advertising campaigns) is not called again, and calls placed
through telephony report to their attempts."""

from __future__ import annotations

from django.db.models import Case, Value, When
from django.utils import timezone

from hotline.campaigns.choices import ADVERTISING_KINDS, DIALABLE_STATUSES, CampaignStatus, LeadStatus, Rule
from hotline.campaigns.models import Attempt, DebtorMessage, Lead
from hotline.core.events import subscribe
from hotline.customers.events import (
    AdvertisingConsentRecorded,
    AdvertisingConsentWithdrawn,
    ConsentWithdrawn,
    ContactErased,
    ContactsMerged,
)
from hotline.telephony.events import OriginationUpdated


def move_leads(event: ContactsMerged) -> None:
    old_key, new_key = f"contact:{event.duplicate_id}", f"contact:{event.survivor_id}"
    Lead.objects.filter(contact_id=event.duplicate_id).update(contact_id=event.survivor_id)
    # One person, one 230-ФЗ count: the duplicate's calls and messages now count for the survivor.
    Lead.objects.filter(debtor_key=old_key).update(debtor_key=new_key)
    Attempt.objects.filter(debtor_key=old_key).update(debtor_key=new_key)
    DebtorMessage.objects.filter(debtor_key=old_key).update(debtor_key=new_key)


def scrub_leads(event: ContactErased) -> None:
    """The erased person's name, address and list data go; the number stays only as the 230-ФЗ evidence key."""
    Lead.objects.filter(contact_id=event.contact_id).update(
        name="", address="", external_id="", data={}, status=LeadStatus.STOPPED, updated_at=timezone.now()
    )
    DebtorMessage.objects.filter(lead__contact_id=event.contact_id).update(text="")
    Attempt.objects.filter(lead__contact_id=event.contact_id).update(note="")


def stop_leads(event: ConsentWithdrawn) -> None:
    Lead.objects.filter(contact_id=event.contact_id, status__in=list(DIALABLE_STATUSES)).update(
        status=LeadStatus.STOPPED, updated_at=timezone.now()
    )


def stop_advertising(event: AdvertisingConsentWithdrawn) -> None:
    """38-ФЗ art. 18: once consent to advertising is revoked, no advertising campaign calls the contact again
    (a lead on an agent's screen is refused when they press «Позвонить»: the rules are checked again then)."""
    Lead.objects.filter(
        contact_id=event.contact_id, campaign__kind__in=list(ADVERTISING_KINDS), status__in=list(DIALABLE_STATUSES)
    ).update(status=LeadStatus.STOPPED, stopped_for=Rule.NO_AD_CONSENT, updated_at=timezone.now())


def resume_advertising(event: AdvertisingConsentRecorded) -> None:
    """Consent to advertising given (again): the contact's leads stopped only for the want of it may be called
    in campaigns that are not over (every rule is checked again when a lead is picked)."""
    Lead.objects.filter(
        contact_id=event.contact_id,
        status=LeadStatus.STOPPED,
        stopped_for=Rule.NO_AD_CONSENT,
        campaign__kind__in=list(ADVERTISING_KINDS),
    ).exclude(campaign__status=CampaignStatus.FINISHED).update(
        status=Case(When(attempts=0, then=Value(LeadStatus.NEW)), default=Value(LeadStatus.RETRY)),
        stopped_for="",
        hold_until=None,
        updated_at=timezone.now(),
    )


def follow_origination(event: OriginationUpdated) -> None:
    """A call placed through telephony moved on: the attempt it was placed for follows (same transaction)."""
    from hotline.campaigns.services.dialer import apply_origination

    apply_origination(
        correlation_id=event.correlation_id,
        state=event.state,
        result=event.result,
        provider_call_id=event.provider_call_id,
        error=event.error,
        at=event.occurred_at,
    )


def register() -> None:
    subscribe(ContactsMerged, move_leads, mode="sync")
    subscribe(ContactErased, scrub_leads, mode="sync")
    subscribe(ConsentWithdrawn, stop_leads, mode="sync")
    subscribe(AdvertisingConsentWithdrawn, stop_advertising, mode="sync")
    subscribe(AdvertisingConsentRecorded, resume_advertising, mode="sync")
    subscribe(OriginationUpdated, follow_origination, mode="sync")
