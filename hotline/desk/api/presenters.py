"""Model → response schema. The only place that decides what an agent or a customer sees.

Builders read related rows the selectors already joined or prefetched; a list page stays a
constant number of queries as long as they only touch those relations.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from hotline.core.models import User
from hotline.customers.models import Contact, Organisation
from hotline.desk import permissions
from hotline.desk.choices import Channel, LinkKind, Priority, Status
from hotline.desk.display import show_message
from hotline.desk.models import (
    Attachment,
    Category,
    Message,
    Queue,
    SatisfactionRating,
    Ticket,
    TicketHistory,
    TicketLink,
    format_ticket_number,
)
from hotline.desk.schemas import (
    AttachmentOut,
    CategoryRef,
    ContactSummary,
    CustomerTicketOut,
    HistoryOut,
    LinkedTicket,
    MessageAuthor,
    MessageOut,
    OrganisationRef,
    QueueOut,
    QueueRef,
    RatingOut,
    TicketDetailOut,
    TicketLinkOut,
    TicketOut,
    TicketRef,
    UserRef,
)


def user_ref(user: User | None) -> UserRef | None:
    return UserRef(id=user.pk, name=user.display_name) if user is not None else None


def _organisation(org: Organisation | None) -> OrganisationRef | None:
    return OrganisationRef(id=org.pk, name=org.name) if org is not None else None


def _contact(contact: Contact | None) -> ContactSummary | None:
    if contact is None:
        return None
    return ContactSummary(id=contact.pk, full_name=contact.full_name)


def _category(category: Category | None) -> CategoryRef | None:
    return CategoryRef(id=category.pk, name=category.name, path=category.path) if category is not None else None


def _queue(queue: Queue) -> QueueRef:
    return QueueRef(id=queue.pk, name=queue.name, line_level=queue.line_level)


def _ticket_ref(ticket_id: int | None) -> TicketRef | None:
    # The number derives from the id, so a reference costs no query.
    return TicketRef(id=ticket_id, number=format_ticket_number(ticket_id)) if ticket_id is not None else None


def _rating(ticket: Ticket) -> RatingOut | None:
    try:
        rating: SatisfactionRating = ticket.rating
    except SatisfactionRating.DoesNotExist:
        return None
    return RatingOut(score=rating.score, comment=rating.comment, created_at=rating.created_at)


def _agent_fields(ticket: Ticket) -> dict[str, object]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "description": ticket.description,
        "channel": ticket.channel,
        "channel_label": str(ticket.get_channel_display()),
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "priority_label": str(ticket.get_priority_display()),
        "queue": _queue(ticket.queue),
        "assignee": user_ref(ticket.assignee),
        "contact": _contact(ticket.contact),
        "organisation": _organisation(ticket.organisation),
        "category": _category(ticket.category),
        # .all() so a prefetch is used; sorted here rather than in SQL for the same reason.
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "custom_fields": ticket.custom_fields or {},
        "escalation_level": ticket.escalation_level,
        "parent": _ticket_ref(ticket.parent_id),
        "merged_into": _ticket_ref(ticket.merged_into_id),
        "resolution_code": ticket.resolution_code,
        "resolution_note": ticket.resolution_note,
        "reopen_count": ticket.reopen_count,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "assigned_at": ticket.assigned_at,
        "first_response_at": ticket.first_response_at,
        "escalated_at": ticket.escalated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "cancelled_at": ticket.cancelled_at,
        "reopened_at": ticket.reopened_at,
    }


def _customer_ticket(ticket: Ticket) -> CustomerTicketOut:
    return CustomerTicketOut(
        id=ticket.pk,
        number=ticket.number,
        subject=ticket.subject,
        description=ticket.description,
        channel=Channel(ticket.channel),
        channel_label=str(ticket.get_channel_display()),
        status=Status(ticket.status),
        status_label=str(ticket.get_status_display()),
        priority=Priority(ticket.priority),
        priority_label=str(ticket.get_priority_display()),
        contact=_contact(ticket.contact),
        category=_category(ticket.category),
        merged_into=_ticket_ref(ticket.merged_into_id),
        resolution_code=ticket.resolution_code,
        resolution_note=ticket.resolution_note,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        cancelled_at=ticket.cancelled_at,
        rating=_rating(ticket),
    )


def ticket_list_item(actor: User, ticket: Ticket) -> TicketOut | CustomerTicketOut:
    if not permissions.can_view_internal(actor):
        return _customer_ticket(ticket)
    return TicketOut.model_validate(_agent_fields(ticket))


def ticket_link(link: TicketLink, *, outgoing: bool) -> TicketLinkOut:
    other = link.target if outgoing else link.source
    return TicketLinkOut(
        id=link.pk,
        kind=LinkKind(link.kind),
        kind_label=str(link.get_kind_display()),
        direction="out" if outgoing else "in",
        ticket=LinkedTicket(id=other.pk, number=other.number, subject=other.subject, status=Status(other.status)),
    )


def _related(ticket: Ticket, name: str, *joined: str) -> list[Any]:
    """The ticket's related rows by id: prefetched ones when the instance has them (a ticket opened just now
    knows it has no links), else one query."""
    manager = getattr(ticket, name)
    if name in getattr(ticket, "_prefetched_objects_cache", {}):
        return sorted(manager.all(), key=lambda row: row.pk)
    return list(manager.select_related(*joined).order_by("id"))


def ticket_detail(actor: User, ticket: Ticket) -> TicketDetailOut | CustomerTicketOut:
    if not permissions.can_view_internal(actor):
        return _customer_ticket(ticket)
    links = [
        *(ticket_link(link, outgoing=True) for link in _related(ticket, "links_out", "target")),
        *(ticket_link(link, outgoing=False) for link in _related(ticket, "links_in", "source")),
    ]
    watchers = [UserRef(id=u.pk, name=u.display_name) for u in _related(ticket, "watchers")]
    return TicketDetailOut.model_validate(
        {**_agent_fields(ticket), "links": links, "watchers": watchers, "rating": _rating(ticket)}
    )


def _attachment_url(attachment: Attachment) -> str:
    return reverse("api:attachment_download", kwargs={"attachment_id": attachment.pk})


def _attachment(attachment: Attachment, *, inline: bool = False) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        url=_attachment_url(attachment),
        content_id=attachment.content_id,
        inline=inline,
    )


def message(msg: Message) -> MessageOut:
    if msg.author_user_id is not None and msg.author_user is not None:
        author = MessageAuthor(kind="agent", name=msg.author_user.display_name, user_id=msg.author_user_id)
        if msg.author_contact_id is not None:
            author.contact_id = msg.author_contact_id
    elif msg.author_contact is not None:
        author = MessageAuthor(kind="contact", name=str(msg.author_contact), contact_id=msg.author_contact_id)
    else:
        author = MessageAuthor(kind="system", name="")
    # As the UI shows it: cid: images point at the attachments' download URLs, remote images are not loaded.
    shown = show_message(msg, _attachment_url)
    inline = {a.pk for a in shown.inline}
    return MessageOut(
        id=msg.pk,
        kind=msg.kind,
        is_internal=msg.is_internal,
        channel=msg.channel,
        author=author,
        body_text=msg.body_text,
        body_html=shown.html,
        attachments=[_attachment(a, inline=a.pk in inline) for a in msg.attachments.all()],
        created_at=msg.created_at,
    )


def history_entry(entry: TicketHistory, *, show_internal: bool) -> HistoryOut:
    return HistoryOut(
        id=entry.pk,
        at=entry.at,
        # A customer sees that the status moved, not who moved it or why.
        actor=user_ref(entry.actor) if show_internal else None,
        action=entry.action,
        field=entry.field,
        old_value=entry.old_value,
        new_value=entry.new_value,
        reason=entry.reason if show_internal else "",
    )


def queue(q: Queue) -> QueueOut:
    return QueueOut(
        id=q.pk,
        name=q.name,
        slug=q.slug,
        line_level=q.line_level,
        is_department=q.is_department,
        is_default=q.is_default,
        assignment_mode=q.assignment_mode,
    )
