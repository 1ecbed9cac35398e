"""The customer base's own entries on a contact's timeline: consent given/withdrawn, cards merged in."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.registry import TimelineItem


def customers_timeline(contact: Contact, limit: int) -> list[TimelineItem]:
    items = [
        TimelineItem(
            at=contact.created_at,
            kind="contact",
            title=_("Карточка клиента создана"),
            object_type="customers.contact",
            object_id=str(contact.pk),
            internal=True,
        )
    ]
    for record in ConsentRecord.objects.filter(contact=contact).order_by("-at", "-id")[:limit]:
        granted = record.action == ConsentRecord.Action.GRANTED
        items.append(
            TimelineItem(
                at=record.at,
                kind="consent",
                title=_("Согласие на обработку персональных данных дано")
                if granted
                else _("Согласие на обработку персональных данных отозвано"),
                text=record.source,
                object_type="customers.consentrecord",
                object_id=str(record.pk),
                data={"action": record.action},
            )
        )
    merged = contact.merged_from.filter(merged_at__isnull=False).order_by("-merged_at")[:limit]
    for duplicate in merged:
        assert duplicate.merged_at is not None  # filtered above; for the type checker
        items.append(
            TimelineItem(
                at=duplicate.merged_at,
                kind="merge",
                title=_("Объединён с карточкой #%(id)s «%(name)s»") % {"id": duplicate.pk, "name": duplicate.full_name},
                object_type="customers.contact",
                object_id=str(duplicate.pk),
                internal=True,
            )
        )
    return items
