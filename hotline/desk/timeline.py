"""What the desk contributes to a contact's card: timeline items and the personal-data export."""

from __future__ import annotations

from typing import Any

from hotline.customers.models import Contact
from hotline.customers.registry import TimelineItem
from hotline.desk.choices import Status
from hotline.desk.models import Message, SatisfactionRating, Ticket

EXPORT_MAX_TICKETS = 10_000


def desk_timeline(contact: Contact, limit: int) -> list[TimelineItem]:
    """The contact's tickets and their own messages, newest first."""
    items: list[TimelineItem] = []
    tickets = (
        Ticket.objects.filter(contact_id=contact.pk).select_related("queue").order_by("-created_at", "-pk")[:limit]
    )
    for ticket in tickets:
        items.append(
            TimelineItem(
                at=ticket.created_at,
                kind="ticket",
                title=f"{ticket.number} {ticket.subject}",
                text=str(Status(ticket.status).label),
                object_type="desk.ticket",
                object_id=str(ticket.pk),
                data={"status": ticket.status, "channel": ticket.channel, "queue": ticket.queue.name},
            )
        )
    messages = (
        Message.objects.filter(author_contact_id=contact.pk, is_internal=False)
        .select_related("ticket")
        .order_by("-created_at", "-pk")[:limit]
    )
    for message in messages:
        items.append(
            TimelineItem(
                at=message.created_at,
                kind="message",
                title=f"{message.ticket.number}: сообщение клиента",
                text=message.body_text[:500],
                object_type="desk.message",
                object_id=str(message.pk),
                data={"ticket_id": message.ticket_id, "channel": message.channel},
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def desk_export(contact: Contact) -> dict[str, Any]:
    """The contact's tickets, their own messages and ratings (staff notes are the organisation's, not theirs)."""
    tickets = Ticket.objects.filter(contact_id=contact.pk).order_by("created_at", "pk")[:EXPORT_MAX_TICKETS]
    return {
        "tickets": [
            {
                "number": t.number,
                "subject": t.subject,
                "description": t.description,
                "channel": t.channel,
                "status": t.status,
                "created_at": t.created_at.isoformat(),
                "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
                "custom_fields": t.custom_fields,
            }
            for t in tickets
        ],
        "messages": [
            {
                "ticket": m.ticket.number,
                "at": m.created_at.isoformat(),
                "channel": m.channel,
                "text": m.body_text,
                "attachments": [a.original_name for a in m.attachments.all()],
            }
            for m in Message.objects.filter(author_contact_id=contact.pk, is_internal=False)
            .select_related("ticket")
            .prefetch_related("attachments")
            .order_by("created_at", "pk")
        ],
        "ratings": [
            {"ticket": r.ticket.number, "score": r.score, "comment": r.comment, "at": r.created_at.isoformat()}
            for r in SatisfactionRating.objects.filter(contact_id=contact.pk).select_related("ticket").order_by("pk")
        ],
    }
