"""Tickets and each other: merge, split, links; and the people watching a ticket."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk import permissions
from hotline.desk.choices import LinkKind, ResolutionCode, Status
from hotline.desk.events import TicketMerged, TicketOpened, TicketUpdated
from hotline.desk.models import Message, Ticket, TicketLink
from hotline.desk.services.common import (
    actor_id,
    ensure_can_view,
    ensure_can_work,
    ensure_not_final,
    lock_ticket,
    log_change,
    save_ticket,
    system_message,
)
from hotline.desk.services.tickets import clean_subject
from hotline.desk.services.workflow import apply_status


def _lock_pair(first: Ticket, second: Ticket) -> None:
    """Lock two tickets in id order so two merges of the same pair cannot deadlock."""
    for ticket in sorted((first, second), key=lambda t: t.pk):
        lock_ticket(ticket)


@transaction.atomic
def merge_tickets(*, actor: User | None, source: Ticket, target: Ticket) -> Ticket:
    """Merge ``source`` into ``target``: its messages, watchers and tags move; ``source`` is closed as a duplicate.

    Raises:
        NotFound, Forbidden: the actor may not change both tickets.
        ValidationFailed: a ticket merged into itself.
        Conflict: either ticket is closed, cancelled or already merged.
    """
    if source.pk == target.pk:
        raise ValidationFailed(_("Заявку нельзя объединить саму с собой"), field="target_id")
    _lock_pair(source, target)
    ensure_can_work(actor, source)
    ensure_can_work(actor, target)
    ensure_not_final(source)
    ensure_not_final(target)

    moved = Message.objects.filter(ticket=source).update(ticket=target)
    target.watchers.add(*source.watchers.all())
    target.watcher_contacts.add(*source.watcher_contacts.all())
    if source.contact_id is not None and source.contact_id != target.contact_id:
        # The other requester keeps hearing about the problem they reported.
        target.watcher_contacts.add(source.contact_id)
    target.tags.add(*source.tags.all())
    for field in ("last_customer_message_at", "last_agent_message_at"):
        if getattr(source, field) and (
            getattr(target, field) is None or getattr(source, field) > getattr(target, field)
        ):
            setattr(target, field, getattr(source, field))
    save_ticket(target, ["last_customer_message_at", "last_agent_message_at"])
    TicketLink.objects.get_or_create(
        source=source, target=target, kind=LinkKind.DUPLICATE, defaults={"created_by": actor}
    )

    note = f"объединена с {target.number}"
    if source.status != Status.RESOLVED:
        apply_status(
            actor=actor,
            ticket=source,
            new=Status.RESOLVED,
            reason=note,
            extra_fields={"resolution_code": ResolutionCode.DUPLICATE, "resolution_note": note},
            action="resolved",
        )
    apply_status(actor=actor, ticket=source, new=Status.CLOSED, reason=note, action="merged")
    source.merged_into = target
    save_ticket(source, ["merged_into"])
    log_change(
        ticket=target,
        actor=actor,
        action="merged_from",
        changes={"merged_from": ("", source.number), "messages": ("", moved)},
        audit_action=AuditLog.Action.MERGE,
    )
    system_message(ticket=source, actor=actor, text=f"Объединена с {target.number}")
    system_message(ticket=target, actor=actor, text=f"Присоединена заявка {source.number} ({moved} сообщ.)")
    publish(TicketMerged(actor_id=actor_id(actor), ticket_id=source.pk, into_ticket_id=target.pk))
    return target


@transaction.atomic
def split_ticket(*, actor: User | None, ticket: Ticket, message_ids: Sequence[int], subject: str) -> Ticket:
    """Move some messages of a ticket into a new child ticket (one request turned out to be two).

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: no messages chosen, a message not of this ticket, an empty subject.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    subject = clean_subject(subject)
    wanted = list(dict.fromkeys(int(i) for i in message_ids))
    if not wanted:
        raise ValidationFailed(_("Выберите сообщения для новой заявки"), field="message_ids")
    messages = list(Message.objects.filter(ticket=ticket, pk__in=wanted).order_by("created_at", "pk"))
    if len(messages) != len(wanted):
        raise ValidationFailed(_("Часть сообщений не относится к этой заявке"), field="message_ids")
    now = timezone.now()
    first_public = next((m for m in messages if not m.is_internal), messages[0])
    child = Ticket.objects.create(
        subject=subject,
        description=first_public.body_text,
        channel=ticket.channel,
        contact=ticket.contact,
        organisation=ticket.organisation,
        queue=ticket.queue,
        category=ticket.category,
        impact=ticket.impact,
        urgency=ticket.urgency,
        priority=ticket.priority,
        custom_fields=dict(ticket.custom_fields),
        mailbox=ticket.mailbox,
        parent=ticket,
        status=Status.NEW,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        last_customer_message_at=max((m.created_at for m in messages if m.is_from_customer), default=None),
    )
    child.tags.set(ticket.tags.all())
    child.watchers.set(ticket.watchers.all())
    child.watcher_contacts.set(ticket.watcher_contacts.all())
    Message.objects.filter(pk__in=wanted).update(ticket=child)
    save_ticket(ticket, [])
    log_change(
        ticket=child,
        actor=actor,
        action="opened",
        changes={"parent": ("", ticket.number), "queue": ("", ticket.queue.name)},
        reason=f"выделена из {ticket.number}",
        audit_action=AuditLog.Action.CREATE,
    )
    log_change(
        ticket=ticket,
        actor=actor,
        action="split",
        changes={"child": ("", child.number), "messages": ("", len(wanted))},
    )
    system_message(ticket=ticket, actor=actor, text=f"Выделена заявка {child.number}: {subject}")
    system_message(ticket=child, actor=actor, text=f"Выделена из заявки {ticket.number}")
    publish(
        TicketOpened(
            actor_id=actor_id(actor),
            ticket_id=child.pk,
            queue_id=child.queue_id,
            channel=child.channel,
            contact_id=child.contact_id,
        )
    )
    return child


@transaction.atomic
def link_tickets(*, actor: User | None, source: Ticket, target: Ticket, kind: str = LinkKind.RELATED) -> TicketLink:
    """Link two tickets (related, duplicate, caused by, blocks).

    Raises:
        NotFound, Forbidden: the actor may not change ``source`` or see ``target``.
        ValidationFailed: a ticket linked to itself; an unknown kind.
        Conflict: the link exists already.
    """
    if kind not in LinkKind.values:
        raise ValidationFailed(
            _("Тип связи: одно из %(allowed)s") % {"allowed": ", ".join(LinkKind.values)}, field="kind"
        )
    if source.pk == target.pk:
        raise ValidationFailed(_("Заявку нельзя связать саму с собой"), field="target_id")
    ensure_can_work(actor, source)
    ensure_can_view(actor, target)
    existing = TicketLink.objects.filter(source=source, target=target, kind=kind)
    if kind == LinkKind.RELATED:
        # "Related" has no direction: A–B and B–A are one link.
        existing = TicketLink.objects.filter(
            Q(source=source, target=target) | Q(source=target, target=source), kind=kind
        )
    if existing.exists():
        raise Conflict(
            _("Заявки %(number)s и %(number2)s уже связаны") % {"number": source.number, "number2": target.number},
            field="target_id",
        )
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(source=source, target=target, kind=kind, created_by=actor)
    except IntegrityError as exc:
        raise Conflict(
            _("Заявки %(number)s и %(number2)s уже связаны") % {"number": source.number, "number2": target.number},
            field="target_id",
        ) from exc
    label = LinkKind(kind).label
    log_change(ticket=source, actor=actor, action="linked", changes={"link": ("", f"{label} {target.number}")})
    log_change(ticket=target, actor=actor, action="linked", changes={"link": ("", f"{source.number} {label}")})
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=source.pk, fields=["links"]))
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=target.pk, fields=["links"]))
    return link


@transaction.atomic
def unlink_tickets(*, actor: User | None, link_id: int) -> None:
    """Remove a link between two tickets.

    Raises:
        NotFound: no such link the actor can see.
        Forbidden: the actor sees it but may change neither ticket.
    """
    link = TicketLink.objects.select_related("source", "target").filter(pk=link_id).first()
    if link is None or (
        actor is not None
        and not (permissions.can_view_ticket(actor, link.source) or permissions.can_view_ticket(actor, link.target))
    ):
        raise NotFound(_("Связь не найдена"))
    if actor is not None and not (
        permissions.can_work_on_ticket(actor, link.source) or permissions.can_work_on_ticket(actor, link.target)
    ):
        raise Forbidden(_("Удалить связь могут сотрудники очереди одной из заявок"))
    description = f"{LinkKind(link.kind).label} {link.target.number}"
    link.delete()
    log_change(ticket=link.source, actor=actor, action="unlinked", changes={"link": (description, "")})
    log_change(ticket=link.target, actor=actor, action="unlinked", changes={"link": (f"{link.source.number}", "")})
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=link.source.pk, fields=["links"]))
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=link.target.pk, fields=["links"]))


@transaction.atomic
def add_watcher(*, actor: User | None, ticket: Ticket, user: User) -> None:
    """Let a colleague follow the ticket (they see it and are notified; they do not work on it).

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: the user is not an active agent.
    """
    ensure_can_work(actor, ticket)
    if not (user.is_active and roles.is_agent(user)):
        raise ValidationFailed(_("Наблюдателем может быть только сотрудник"), field="user_id")
    if ticket.watchers.filter(pk=user.pk).exists():
        return
    ticket.watchers.add(user)
    log_change(ticket=ticket, actor=actor, action="watcher_added", changes={"watchers": ("", user.display_name)})
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=ticket.pk, fields=["watchers"]))


@transaction.atomic
def remove_watcher(*, actor: User | None, ticket: Ticket, user: User) -> None:
    """Stop a colleague following the ticket; anyone may stop watching themselves.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket (and is not removing themselves).
    """
    if actor is None or actor.pk != user.pk:
        ensure_can_work(actor, ticket)
    else:
        ensure_can_view(actor, ticket)
    if not ticket.watchers.filter(pk=user.pk).exists():
        return
    ticket.watchers.remove(user)
    log_change(ticket=ticket, actor=actor, action="watcher_removed", changes={"watchers": (user.display_name, "")})
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=ticket.pk, fields=["watchers"]))
