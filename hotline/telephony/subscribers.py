"""What telephony does when the customer base or the desk changes (sync: inside their transaction)."""

from __future__ import annotations

from django.utils import timezone

from hotline.core.events import subscribe
from hotline.customers.events import ContactErased, ContactsMerged
from hotline.desk.events import TicketMerged
from hotline.telephony.choices import CallbackStatus
from hotline.telephony.models import Call, Callback, ScriptRun


def move_merged_contact(event: ContactsMerged) -> None:
    """The duplicate's calls, callbacks and script runs belong to the surviving card now."""
    Call.objects.filter(contact_id=event.duplicate_id).update(contact_id=event.survivor_id)
    Callback.objects.filter(contact_id=event.duplicate_id).update(contact_id=event.survivor_id)
    ScriptRun.objects.filter(contact_id=event.duplicate_id).update(contact_id=event.survivor_id)


def scrub_erased_contact(event: ContactErased) -> None:
    """152-ФЗ erasure: the call log keeps that a call happened, not who called from which number."""
    calls = Call.objects.filter(contact_id=event.contact_id)
    numbers = set(calls.exclude(customer_e164="").values_list("customer_e164", flat=True))
    calls.update(
        caller_number="", called_number="", customer_e164="", caller_name="", recording_url="", recording_ref=""
    )
    # Their callbacks go too: nobody is to call an erased person back (and a blank number cannot be dialled).
    scrubbed = {"number_e164": "", "note": "", "status": CallbackStatus.CANCELLED, "done_at": timezone.now()}
    Callback.objects.filter(contact_id=event.contact_id).update(contact=None, **scrubbed)
    if numbers:
        Callback.objects.filter(number_e164__in=numbers).update(**scrubbed)
    ScriptRun.objects.filter(contact_id=event.contact_id).update(values={}, context={})


def follow_merged_ticket(event: TicketMerged) -> None:
    Call.objects.filter(ticket_id=event.ticket_id).update(ticket_id=event.into_ticket_id)
    Callback.objects.filter(ticket_id=event.ticket_id).update(ticket_id=event.into_ticket_id)


def register() -> None:
    subscribe(ContactsMerged, move_merged_contact, mode="sync")
    subscribe(ContactErased, scrub_erased_contact, mode="sync")
    subscribe(TicketMerged, follow_merged_ticket, mode="sync")
