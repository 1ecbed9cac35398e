"""What the desk does when other apps' events happen; registered once from ``DeskConfig.ready``.

- ``customers.ContactsMerged`` (sync): the duplicate's tickets, messages, ratings and watcher entries
  move to the survivor in the merge's own transaction.
- ``customers.ContactErased`` (sync): the person leaves the watcher lists, their rating comments and
  the phone/e-mail custom fields on their tickets are blanked. Tickets stay (with the anonymised contact)
  so the statistics hold.
- ``customers.registry``: the desk's tickets feed the contact's timeline and personal-data export.
"""

from __future__ import annotations

from django.utils import timezone

from hotline.core import audit, events
from hotline.core.models import AuditLog, User
from hotline.customers import registry
from hotline.customers.events import ContactErased, ContactsMerged
from hotline.desk.choices import CustomFieldType
from hotline.desk.models import CustomFieldDefinition, Message, SatisfactionRating, Ticket, TicketHistory
from hotline.desk.timeline import desk_export, desk_timeline


def move_contact_data(event: ContactsMerged) -> None:
    """Everything the desk holds about the duplicate now belongs to the survivor."""
    survivor, duplicate = event.survivor_id, event.duplicate_id
    if survivor == duplicate:
        return
    ticket_ids = list(Ticket.objects.filter(contact_id=duplicate).values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=ticket_ids).update(contact_id=survivor)
    Message.objects.filter(author_contact_id=duplicate).update(author_contact_id=survivor)
    SatisfactionRating.objects.filter(contact_id=duplicate).update(contact_id=survivor)
    watching = Ticket.watcher_contacts.through.objects
    already = watching.filter(contact_id=survivor).values("ticket_id")
    # Where both watched a ticket one entry is enough; elsewhere the entry changes hands.
    watching.filter(contact_id=duplicate, ticket_id__in=already).delete()
    moved_watch = list(watching.filter(contact_id=duplicate).values_list("ticket_id", flat=True))
    watching.filter(contact_id=duplicate).update(contact_id=survivor)
    now = timezone.now()
    TicketHistory.objects.bulk_create(
        TicketHistory(
            ticket_id=ticket_id,
            at=now,
            actor_id=event.actor_id,
            action="contact_merged",
            field="contact",
            old_value=str(duplicate),
            new_value=str(survivor),
        )
        for ticket_id in ticket_ids
    )
    if ticket_ids or moved_watch:
        audit.record(
            actor=None if event.actor_id is None else _user(event.actor_id),
            action=AuditLog.Action.MERGE,
            object_type="customers.contact",
            object_id=survivor,
            summary=f"desk: tickets of contact {duplicate} moved",
            changes={"tickets": ticket_ids, "watching": moved_watch},
        )


def scrub_contact_data(event: ContactErased) -> None:
    """Drop what the desk keeps about an erased person beyond the tickets themselves."""
    contact_id = event.contact_id
    watching = Ticket.watcher_contacts.through.objects.filter(contact_id=contact_id)
    unwatched = list(watching.values_list("ticket_id", flat=True))
    watching.delete()
    comments = SatisfactionRating.objects.filter(contact_id=contact_id).exclude(comment="").update(comment="")
    personal_keys = set(
        CustomFieldDefinition.objects.filter(field_type__in=[CustomFieldType.PHONE, CustomFieldType.EMAIL]).values_list(
            "key", flat=True
        )
    )
    scrubbed: list[int] = []
    if personal_keys:
        for ticket in Ticket.objects.filter(contact_id=contact_id).only("pk", "custom_fields"):
            kept = {k: v for k, v in ticket.custom_fields.items() if k not in personal_keys}
            if kept != ticket.custom_fields:
                ticket.custom_fields = kept
                ticket.save(update_fields=["custom_fields"])
                scrubbed.append(ticket.pk)
    now = timezone.now()
    TicketHistory.objects.bulk_create(
        TicketHistory(ticket_id=ticket_id, at=now, actor_id=event.actor_id, action="contact_erased")
        for ticket_id in sorted(set(unwatched) | set(scrubbed))
    )
    audit.record(
        actor=None if event.actor_id is None else _user(event.actor_id),
        action=AuditLog.Action.ERASE,
        object_type="customers.contact",
        object_id=contact_id,
        summary="desk: watcher entries, rating comments, personal custom fields removed",
        changes={"unwatched": unwatched, "rating_comments": comments, "custom_fields": scrubbed},
    )


def _user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def register_customer_providers() -> None:
    """The contact card's timeline and the 152-ФЗ export include what the desk holds."""
    registry.register_timeline_provider("desk", desk_timeline)
    registry.register_export_provider("desk", desk_export)


def register() -> None:
    events.subscribe(ContactsMerged, move_contact_data, mode="sync")
    events.subscribe(ContactErased, scrub_contact_data, mode="sync")
    register_customer_providers()
