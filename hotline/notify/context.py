"""The variables a notification template gets: plain values, in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Ticket
from hotline.notify import labels, links


def language_of(value: str | None) -> str:
    """A language mail can be written in: the person's own if we have it, else the default (Russian)."""
    code = (value or "").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def person_name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def contact_name(contact: Contact | None) -> str:
    if contact is None or contact.erased_at is not None:
        return ""
    if contact.first_name:
        # «Здравствуйте, Иван Петрович!» reads right; the surname alone does not.
        return " ".join(part for part in (contact.first_name, contact.middle_name) if part)
    return contact.full_name


def ticket_context(
    ticket: Ticket, language: str, *, for_customer: bool, recipient_name: str, actor: User | None
) -> dict[str, Any]:
    contact = ticket.contact
    if for_customer:
        url = links.portal_ticket_url(ticket) if contact is not None and contact.user_id else ""
    else:
        url = links.agent_ticket_url(ticket)
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": labels.status_label(ticket.status, language, for_customer=for_customer),
        "queue": ticket.queue.name,
        "priority": labels.priority_label(ticket.priority, language),
        "ticket_url": url,
        "recipient_name": recipient_name,
        "customer_name": contact.full_name if contact is not None and contact.erased_at is None else "",
        "assignee_name": person_name(ticket.assignee),
        "actor_name": person_name(actor),
        "site_url": settings.HOTLINE_PUBLIC_URL,
    }
