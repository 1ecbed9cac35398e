"""Who may see and work on what in the desk: predicates, one question each.

The list selectors (``selectors.visible_tickets``) answer the same questions in SQL; a test keeps
the two in step. Roles: operators and specialists work the queues they belong to, supervisors
also lead queues (``QueueRole.LEAD``), administrators see and change everything, customers see
their own tickets (and their organisation's when the contact is allowed to).
"""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.customers.models import Contact
from hotline.desk.choices import QueueRole
from hotline.desk.models import QueueMembership, Ticket


def contact_of(user: Any) -> Contact | None:
    """The customer profile of a signed-in customer user, if they have one."""
    if not roles.is_customer(user):
        return None
    try:
        contact: Contact = user.contact
    except Contact.DoesNotExist:
        return None
    return contact


def queue_role(user: Any, queue_id: int) -> str | None:
    """The user's role in the queue (member or lead), or None when they do not belong to it."""
    if not roles.is_agent(user):
        return None
    role: str | None = (
        QueueMembership.objects.filter(user_id=user.pk, queue_id=queue_id).values_list("role", flat=True).first()
    )
    return role


def is_queue_member(user: Any, queue_id: int) -> bool:
    return queue_role(user, queue_id) is not None


def leads_queue(user: Any, queue_id: int) -> bool:
    """Supervisors of a queue and administrators manage it: reassign, take from others."""
    if roles.is_admin(user):
        return True
    return roles.is_supervisor(user) and queue_role(user, queue_id) == QueueRole.LEAD


def can_view_internal(user: Any) -> bool:
    """Internal notes, history and assignment are for staff only."""
    return roles.is_agent(user)


def is_ticket_requester(user: Any, ticket: Ticket) -> bool:
    """The customer the ticket is about (not an organisation colleague who may only read it)."""
    contact = contact_of(user)
    return contact is not None and ticket.contact_id == contact.pk


def can_view_ticket(user: Any, ticket: Ticket) -> bool:
    if roles.is_admin(user):
        return True
    if roles.is_agent(user):
        if ticket.assignee_id == user.pk or is_queue_member(user, ticket.queue_id):
            return True
        return ticket.watchers.filter(pk=user.pk).exists()
    contact = contact_of(user)
    if contact is None:
        return False
    if ticket.contact_id == contact.pk:
        return True
    if (
        contact.can_view_organisation_tickets
        and contact.organisation_id is not None
        and ticket.organisation_id == contact.organisation_id
    ):
        return True
    return ticket.watcher_contacts.filter(pk=contact.pk).exists()


def can_work_on_ticket(user: Any, ticket: Ticket) -> bool:
    """Change the ticket: its queue's members, its assignee, administrators. Watchers only read."""
    if roles.is_admin(user):
        return True
    if not roles.is_agent(user):
        return False
    return ticket.assignee_id == user.pk or is_queue_member(user, ticket.queue_id)


def can_manage_assignment(user: Any, ticket: Ticket) -> bool:
    """Take a ticket from another agent or hand it to someone: the queue's lead or an administrator."""
    return leads_queue(user, ticket.queue_id)
