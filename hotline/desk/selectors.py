"""Every read the desk's pages and endpoints need, scoped to the actor.

Fetch-by-id goes through ``get_ticket_for``: a ticket that does not exist and one the actor may not
see are the same ``NotFound``, so ids cannot be probed. List selectors join and prefetch what a
list row shows, so a page costs the same few queries at 5 tickets or 500.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.errors import NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers.models import search_text
from hotline.desk import permissions
from hotline.desk.choices import OPEN_STATUSES, Status
from hotline.desk.models import Attachment, Category, Message, Queue, QueueMembership, Ticket, TicketHistory

# History a customer may follow on the portal: where their request stands, not who handled it how.
CUSTOMER_HISTORY_ACTIONS = ("opened", "status_changed", "resolved", "closed", "reopened", "cancelled", "auto_closed")

# Lines 1→3 first, departments last, the same on every database (SQLite and PostgreSQL sort NULL apart).
QUEUE_ORDER = (F("line_level").asc(nulls_last=True), "name")


def visible_tickets(actor: Any) -> QuerySet[Ticket]:
    """The tickets the actor may see (see ``permissions.can_view_ticket``, which says the same per ticket)."""
    tickets = Ticket.objects.all()
    if roles.is_admin(actor):
        return tickets
    if roles.is_agent(actor):
        my_queues = QueueMembership.objects.filter(user_id=actor.pk).values("queue_id")
        watching = Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk"), user_id=actor.pk)
        return tickets.filter(Q(queue_id__in=my_queues) | Q(assignee_id=actor.pk) | Exists(watching))
    contact = permissions.contact_of(actor)
    if contact is None:
        return tickets.none()
    scope = Q(contact_id=contact.pk)
    if contact.can_view_organisation_tickets and contact.organisation_id is not None:
        scope |= Q(organisation_id=contact.organisation_id)
    cc = Ticket.watcher_contacts.through.objects.filter(ticket_id=OuterRef("pk"), contact_id=contact.pk)
    return tickets.filter(scope | Exists(cc))


def _queue_scope(actor: Any, queue_id: int) -> QuerySet[Ticket]:
    """The actor's visible tickets of one queue (narrowed further by the caller)."""
    if roles.is_agent(actor) and QueueMembership.objects.filter(user_id=actor.pk, queue_id=queue_id).exists():
        # Every ticket of a queue the agent belongs to is visible to them, so the general condition (my queues,
        # assigned to me or watched) adds nothing there — and costs a check per ticket of the queue (~20 ms of
        # the queue page's counts at 1 M tickets).
        return Ticket.objects.all()
    return visible_tickets(actor)


_NUMBER = re.compile(r"^\s*(?:([A-Za-z]+)-)?0*(\d{1,18})\s*$")


def parse_ticket_ref(ref: int | str) -> int | None:
    """A ticket id from ``123``, ``"123"`` or ``"HL-000123"``; None when it is not one."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return ref if ref > 0 else None
    match = _NUMBER.match(str(ref))
    if match is None:
        return None
    prefix = match.group(1)
    if prefix is not None and prefix.upper() != settings.HOTLINE_TICKET_PREFIX.upper():
        return None
    value = int(match.group(2))
    return value if 0 < value < 2**63 else None


def get_ticket_for(actor: Any, ticket_ref: int | str, *, for_update: bool = False) -> Ticket:
    """One ticket the actor may see, by id or number.

    Raises:
        NotFound: no such ticket, or the actor may not see it (one answer for both).
    """
    ticket_id = parse_ticket_ref(ticket_ref)
    if ticket_id is None:
        raise NotFound(_("Заявка не найдена"))
    tickets = visible_tickets(actor).filter(pk=ticket_id)
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    else:
        tickets = tickets.select_related("queue", "assignee", "contact", "organisation", "category", "merged_into")
    ticket = tickets.first()
    if ticket is None:
        raise NotFound(_("Заявка не найдена"))
    return ticket


def list_tickets(
    actor: Any,
    *,
    status: str | list[str] | None = None,
    queue_id: int | None = None,
    assignee_id: int | None = None,
    contact_id: int | None = None,
    priority: int | None = None,
    category_id: int | None = None,
    channel: str | None = None,
    tag: str | None = None,
    created_from: datetime.datetime | datetime.date | None = None,
    created_to: datetime.datetime | datetime.date | None = None,
    q: str | None = None,
    organisation_id: int | None = None,
    unassigned: bool = False,
    open_only: bool = False,
) -> QuerySet[Ticket]:
    """The actor's tickets filtered for a list page, newest first, rows ready to render.

    ``status`` takes one status or several; ``category_id`` takes the subcategories too;
    ``q`` finds a number (HL-000123), words of the subject or the contact's name.

    Raises:
        ValidationFailed: an unknown status.
    """
    tickets = _queue_scope(actor, queue_id) if queue_id is not None else visible_tickets(actor)
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        unknown = [s for s in statuses if s not in Status.values]
        if unknown:
            raise ValidationFailed(_("Неизвестный статус «%(unknown)s»") % {"unknown": unknown[0]}, field="status")
        tickets = tickets.filter(status__in=statuses)
    if open_only:
        tickets = tickets.filter(status__in=list(OPEN_STATUSES))
    if queue_id is not None:
        tickets = tickets.filter(queue_id=queue_id)
    if unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    if contact_id is not None:
        tickets = tickets.filter(contact_id=contact_id)
    if organisation_id is not None:
        tickets = tickets.filter(organisation_id=organisation_id)
    if priority is not None:
        tickets = tickets.filter(priority=priority)
    if category_id is not None:
        tickets = tickets.filter(Q(category_id=category_id) | Q(category__path__contains=f"/{category_id}/"))
    if channel:
        tickets = tickets.filter(channel=channel)
    if tag:
        tickets = tickets.filter(tags__name=" ".join(tag.split()).lower())
    if created_from is not None:
        tickets = tickets.filter(created_at__gte=_moment(created_from))
    if created_to is not None:
        tickets = tickets.filter(created_at__lt=_moment(created_to, end_of_day=True))
    if q and q.strip():
        tickets = tickets.filter(_search(q.strip()))
    return (
        tickets.select_related("queue", "assignee", "contact", "organisation", "category")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")
    )


def _moment(value: datetime.datetime | datetime.date, *, end_of_day: bool = False) -> datetime.datetime:
    """A filter bound as an aware datetime. A date is a whole day in the current time zone:
    "from 1 May to 31 May" includes the tickets opened on 31 May."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    day = value + datetime.timedelta(days=1) if end_of_day else value
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _search(text: str) -> Q:
    ticket_id = parse_ticket_ref(text)
    if ticket_id is not None:
        return Q(pk=ticket_id)
    condition = Q()
    for word in text.split()[:8]:
        # SQLite's LIKE folds only ASCII case; the usual spellings («Принтер», «принтер») are tried.
        word_q = Q(contact__search_name__contains=search_text(word))
        for variant in {word, word.lower(), word.capitalize()}:
            word_q |= Q(subject__icontains=variant)
        condition &= word_q
    return condition


def list_messages(actor: Any, ticket: Ticket) -> list[Message]:
    """The ticket's timeline for the actor: customers never get internal notes or system events.

    Raises:
        NotFound: the actor may not see the ticket.
    """
    if not permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))
    messages = Message.objects.filter(ticket_id=ticket.pk)
    if not permissions.can_view_internal(actor):
        messages = messages.filter(is_internal=False)
    return list(
        messages.select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def get_attachment_for(actor: Any, attachment_id: int) -> Attachment:
    """A file the actor may download (a customer: only files on public messages of their tickets).

    Raises:
        NotFound: no such file, or the actor may not have it.
    """
    attachments = Attachment.objects.select_related("message").filter(
        pk=attachment_id, message__ticket__in=visible_tickets(actor)
    )
    if not permissions.can_view_internal(actor):
        attachments = attachments.filter(message__is_internal=False)
    attachment = attachments.first()
    if attachment is None:
        raise NotFound(_("Файл не найден"))
    return attachment


def list_queues_for(actor: Any) -> QuerySet[Queue]:
    """Queues an agent can see and transfer to (all active ones; admins also the disabled); none for customers."""
    if roles.is_admin(actor):
        return Queue.objects.all().order_by(*QUEUE_ORDER)
    if roles.is_agent(actor):
        return Queue.objects.filter(is_active=True).order_by(*QUEUE_ORDER)
    return Queue.objects.none()


def my_queues(actor: User) -> QuerySet[Queue]:
    """The queues the agent belongs to (their workload), with their role."""
    return Queue.objects.filter(memberships__user_id=actor.pk, is_active=True).order_by(*QUEUE_ORDER)


def list_categories(*, include_inactive: bool = False) -> QuerySet[Category]:
    """The category tree in display order (a parent before its children)."""
    categories = Category.objects.all() if include_inactive else Category.objects.filter(is_active=True)
    return categories.select_related("parent", "required_skill").order_by("path", "sort_order", "name")


def ticket_history(actor: Any, ticket: Ticket) -> QuerySet[TicketHistory]:
    """The ticket's change history; customers get only where their request stands.

    Raises:
        NotFound: the actor may not see the ticket.
    """
    if not permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))
    history = TicketHistory.objects.filter(ticket_id=ticket.pk).select_related("actor").order_by("at", "pk")
    if not permissions.can_view_internal(actor):
        history = history.filter(action__in=CUSTOMER_HISTORY_ACTIONS, field__in=["", "status"])
    return history
