"""Opening a ticket and changing its fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import batching, config_cache, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, IdempotencyKey, User
from hotline.core.prefetch import prime_empty
from hotline.customers.models import Contact, Organisation
from hotline.desk import permissions
from hotline.desk.choices import Channel, Impact, MessageKind, Priority, Status, Urgency
from hotline.desk.events import TicketOpened, TicketUpdated
from hotline.desk.models import Category, Message, Queue, Tag, Ticket
from hotline.desk.services.assignment import AUTO_ASSIGNMENT_REASON, _member_agent, pick_assignee, record_assignment
from hotline.desk.services.attachments import check_files, store_files
from hotline.desk.services.common import (
    actor_id,
    announcing,
    ensure_can_work,
    ensure_not_final,
    lock_ticket,
    log_change,
    save_ticket,
)
from hotline.desk.services.custom_fields import definitions_for, validate_custom_fields
from hotline.desk.services.messages import sanitize_html
from hotline.desk.services.priority import clean_level, priority_for
from hotline.desk.services.routing import route_ticket

SUBJECT_MAX = 255
DESCRIPTION_MAX = 100_000
TAG_MAX = 64
TAGS_PER_TICKET = 30
IDEMPOTENCY_SCOPE = "desk.open_ticket"


def clean_subject(subject: str) -> str:
    """Raises: ValidationFailed — empty or too long (field="subject")."""
    text = " ".join((subject or "").split())
    if not text:
        raise ValidationFailed(_("Укажите тему заявки"), field="subject")
    if len(text) > SUBJECT_MAX:
        raise ValidationFailed(_("Тема не длиннее %(value)s символов") % {"value": SUBJECT_MAX}, field="subject")
    return text


def clean_description(description: str) -> str:
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailed(
            _("Описание не длиннее %(value)s символов") % {"value": DESCRIPTION_MAX}, field="description"
        )
    return text


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Trimmed, lower-cased, without repeats, in the order given.

    Raises:
        ValidationFailed: a tag is too long, or there are too many (field="tags").
    """
    if isinstance(tags, str):
        tags = [tags]
    result: list[str] = []
    for raw in tags:
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if "\x00" in name:
            raise ValidationFailed(_("Метка не может содержать символ NUL"), field="tags")
        if len(name) > TAG_MAX:
            raise ValidationFailed(
                _("Метка «%(value)s…» длиннее %(value2)s символов") % {"value": name[:20], "value2": TAG_MAX},
                field="tags",
            )
        if name not in result:
            result.append(name)
    if len(result) > TAGS_PER_TICKET:
        raise ValidationFailed(_("Не больше %(value)s меток на заявке") % {"value": TAGS_PER_TICKET}, field="tags")
    return result


def _tag_objects(names: Sequence[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[name] for name in names]


def _clean_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise ValidationFailed(
            _("Канал: одно из %(allowed)s") % {"allowed": ", ".join(Channel.values)}, field="channel"
        )
    return channel


def _active_category(category: Category | None) -> Category | None:
    if category is not None and not category.is_active:
        raise ValidationFailed(
            _("Категория «%(category)s» отключена") % {"category": category.name}, field="category_id"
        )
    return category


def _request_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _claim_idempotency_key(*, actor: User, key: str, request_hash: str) -> Ticket | None:
    """Take the key, or return the ticket the first request with it made.

    Two concurrent requests with one key meet at the unique constraint: the second insert waits for
    the first transaction and then fails, and reads the first request's result.

    Raises:
        Conflict: the key was used before with a different request.
    """
    key = key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed(_("Idempotency-Key: от 1 до 200 символов"), field="idempotency_key")
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=actor, scope=IDEMPOTENCY_SCOPE, key=key, request_hash=request_hash)
    except IntegrityError:
        pass
    else:
        return None
    first = IdempotencyKey.objects.get(user=actor, scope=IDEMPOTENCY_SCOPE, key=key)
    if first.request_hash != request_hash:
        raise Conflict(_("Этот ключ идемпотентности уже использован для другого запроса"), field="idempotency_key")
    ticket_id = first.result.get("ticket_id")
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None:
        raise Conflict(_("Первый запрос с этим ключом не создал заявку"), field="idempotency_key")
    return ticket


def _nothing_related_yet(ticket: Ticket, *, watched: bool, tagged: bool) -> None:
    """A ticket opened just now has no links and no rating, and tags or watchers only if it was given them: the
    instance says so, so presenting it (the API's answer to POST /api/tickets) needs no queries for them.

    Queries chained on these relations still ask the database; adding through them drops what is primed here.
    """
    prime_empty(ticket, "links_out", "links_in", *(() if watched else ("watchers",)), *(() if tagged else ("tags",)))
    Ticket.rating.related.set_cached_value(ticket, None)


# A bulk import's message is its own savepoint already (batching.attempt): none more here.
@batching.atomic
@config_cache.pinned()  # routing, priority and the SLA subscriber check the configuration's version once
def open_ticket(
    *,
    actor: User | None,
    subject: str,
    description: str = "",
    channel: str,
    contact: Contact | None = None,
    organisation: Organisation | None = None,
    queue: Queue | None = None,
    category: Category | None = None,
    impact: int | None = None,
    urgency: int | None = None,
    tags: Sequence[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
    assignee: User | None = None,
    mailbox: str = "",
    attachments: Sequence[Any] = (),
    idempotency_key: str | None = None,
    body_html: str = "",
    external_id: str = "",
) -> Ticket:
    """Open a ticket: route it, set its priority, store the description as the customer's first message.

    A channel passes the first message's sanitised HTML (``body_html``) and its own id (``external_id``,
    the e-mail Message-ID, which later mail threads by) when it has them.

    Raises:
        Forbidden: the actor is neither an agent nor a customer with a profile.
        ValidationFailed: a bad field (named in ``field``); a customer choosing queue or assignee.
        Conflict: the idempotency key was used for a different request.
    """
    subject = clean_subject(subject)
    description = clean_description(description)
    channel = _clean_channel(channel)
    mailbox = (mailbox or "").strip()[:254]
    is_customer = actor is not None and roles.is_customer(actor)
    if actor is not None and not is_customer and not roles.is_agent(actor):
        raise Forbidden(_("Создавать заявки могут сотрудники и клиенты"))
    if is_customer:
        own = permissions.contact_of(actor)
        if own is None:
            raise Forbidden(_("У вашей учётной записи нет профиля клиента; обратитесь в поддержку"))
        if contact is not None and contact.pk != own.pk:
            raise ValidationFailed(_("Клиент создаёт заявки только от своего имени"), field="contact_id")
        for name, value in (("queue_id", queue), ("assignee_id", assignee)):
            if value is not None:
                raise ValidationFailed(_("Это поле заполняет поддержка"), field=name)
        contact = own
    if contact is not None and contact.merged_into_id is not None:
        # A merged duplicate is kept for history; new work goes to the surviving profile.
        contact = Contact.objects.get(pk=contact.merged_into_id)
    if organisation is None and contact is not None:
        organisation = contact.organisation
    category = _active_category(category)
    impact_value = clean_level(Impact.MEDIUM if impact is None else impact, field="impact", choices=Impact)
    urgency_value = clean_level(Urgency.MEDIUM if urgency is None else urgency, field="urgency", choices=Urgency)
    tag_names = clean_tags(tags)
    fields = validate_custom_fields(category, custom_fields)
    checked_files = check_files(attachments)

    if idempotency_key is not None:
        if actor is None:
            raise ValidationFailed(_("Ключ идемпотентности передаётся от имени пользователя"), field="idempotency_key")
        request_hash = _request_hash(
            {
                "subject": subject,
                "description": description,
                "channel": channel,
                "contact": contact.pk if contact else None,
                "organisation": organisation.pk if organisation else None,
                "queue": queue.pk if queue else None,
                "category": category.pk if category else None,
                "impact": impact_value,
                "urgency": urgency_value,
                "tags": tag_names,
                "custom_fields": fields,
                "assignee": assignee.pk if assignee else None,
                "mailbox": mailbox,
                "attachments": [f.sha256 for f in checked_files],
            }
        )
        first = _claim_idempotency_key(actor=actor, key=idempotency_key, request_hash=request_hash)
        if first is not None:
            return first

    rule = None
    if queue is None:
        route = route_ticket(
            channel=channel,
            category=category,
            organisation=organisation,
            mailbox=mailbox,
            subject=subject,
            description=description,
        )
        queue, rule = route.queue, route.rule
    elif not queue.is_active:
        raise ValidationFailed(_("Очередь «%(queue)s» отключена") % {"queue": queue.name}, field="queue_id")
    if assignee is not None and not _member_agent(queue.pk, assignee):
        raise ValidationFailed(
            _("%(name)s не состоит в очереди «%(queue)s»") % {"name": assignee.display_name, "queue": queue.name},
            field="assignee_id",
        )

    priority = priority_for(impact=impact_value, urgency=urgency_value)
    if rule is not None and rule.set_priority is not None:
        priority = rule.set_priority

    now = timezone.now()
    ticket = Ticket(
        subject=subject,
        description=description,
        channel=channel,
        contact=contact,
        organisation=organisation,
        queue=queue,
        category=category,
        impact=impact_value,
        urgency=urgency_value,
        priority=priority,
        custom_fields=fields,
        mailbox=mailbox,
        status=Status.NEW,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        last_customer_message_at=now if contact is not None else None,
    )
    # The assignee (given, or the queue's automatic choice) goes in with the row: no second write for it.
    ticket.assignee = assignee if assignee is not None else pick_assignee(ticket)
    ticket.assigned_at = now if ticket.assignee is not None else None
    ticket.save(force_insert=True)
    if tag_names:
        ticket.tags.set(_tag_objects(tag_names))
    watched = actor is not None and not is_customer and not permissions.can_view_ticket(actor, ticket)
    if watched and actor is not None:
        # An operator filing straight to another line keeps sight of what they filed.
        ticket.watchers.add(actor)
    _nothing_related_yet(ticket, watched=watched, tagged=bool(tag_names))
    if description or checked_files:
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY,
            is_internal=False,
            # The words are the customer's even when an operator types them in from a call.
            author_contact=contact,
            author_user=None if contact is not None else actor,
            channel=channel,
            body_text=description,
            body_html=sanitize_html(body_html),
            external_id=(external_id or "").strip()[:255],
            created_at=now,
        )
        store_files(message, checked_files)
    log_change(
        ticket=ticket,
        actor=actor,
        action="opened",
        changes={"queue": (None, queue.name), "priority": (None, Priority(priority).label)},
        reason=f"правило маршрутизации «{rule.name}»" if rule is not None else "",
        audit_action=AuditLog.Action.CREATE,
        summary=f"{ticket.number}: {subject}",
    )
    with announcing(ticket):
        publish(
            TicketOpened(
                actor_id=actor_id(actor),
                ticket_id=ticket.pk,
                queue_id=queue.pk,
                channel=channel,
                contact_id=contact.pk if contact else None,
            )
        )
    if ticket.assignee is not None:
        record_assignment(
            actor=actor if assignee is not None else None,
            ticket=ticket,
            previous=None,
            reason="" if assignee is not None else AUTO_ASSIGNMENT_REASON,
        )
    if idempotency_key is not None and actor is not None:
        IdempotencyKey.objects.filter(user=actor, scope=IDEMPOTENCY_SCOPE, key=idempotency_key.strip()).update(
            result={"ticket_id": ticket.pk, "number": ticket.number}
        )
    return ticket


def _publish_updated(actor: User | None, ticket: Ticket, fields: Sequence[str]) -> None:
    publish(TicketUpdated(actor_id=actor_id(actor), ticket_id=ticket.pk, fields=list(fields)))


@transaction.atomic
def update_ticket(
    *, actor: User | None, ticket: Ticket, subject: str | None = None, description: str | None = None
) -> Ticket:
    """Correct the subject or description.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: an empty or too long subject.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    changes: dict[str, tuple[Any, Any]] = {}
    if subject is not None:
        subject = clean_subject(subject)
        if subject != ticket.subject:
            changes["subject"] = (ticket.subject, subject)
            ticket.subject = subject
    if description is not None:
        description = clean_description(description)
        if description != ticket.description:
            changes["description"] = (ticket.description, description)
            ticket.description = description
    if not changes:
        return ticket
    save_ticket(ticket, list(changes))
    log_change(ticket=ticket, actor=actor, action="updated", changes=changes)
    _publish_updated(actor, ticket, list(changes))
    return ticket


@transaction.atomic
def change_priority(
    *, actor: User | None, ticket: Ticket, impact: int, urgency: int, priority: int | None = None, reason: str = ""
) -> Ticket:
    """Set impact and urgency; the priority follows the matrix unless given explicitly.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: a value off its scale.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    impact = clean_level(impact, field="impact", choices=Impact)
    urgency = clean_level(urgency, field="urgency", choices=Urgency)
    if priority is None:
        priority = priority_for(impact=impact, urgency=urgency)
    else:
        priority = clean_level(priority, field="priority", choices=Priority)
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in (("impact", impact), ("urgency", urgency), ("priority", priority)):
        if getattr(ticket, field) != value:
            changes[field] = (getattr(ticket, field), value)
            setattr(ticket, field, value)
    if not changes:
        return ticket
    save_ticket(ticket, list(changes))
    log_change(ticket=ticket, actor=actor, action="priority_changed", changes=changes, reason=(reason or "").strip())
    _publish_updated(actor, ticket, list(changes))
    return ticket


@transaction.atomic
def change_category(
    *, actor: User | None, ticket: Ticket, category: Category | None, custom_fields: Mapping[str, Any] | None = None
) -> Ticket:
    """Move the ticket to another category; values of fields the new category lacks are dropped.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: the category is disabled; a custom field is missing or wrong (field="custom_fields.<key>").
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    category = _active_category(category)
    keep = definitions_for(category)
    merged = {k: v for k, v in ticket.custom_fields.items() if k in keep}
    merged.update(custom_fields or {})
    fields = validate_custom_fields(category, merged)
    changes: dict[str, tuple[Any, Any]] = {}
    if ticket.category_id != (category.pk if category else None):
        changes["category"] = (ticket.category, category)
    if fields != ticket.custom_fields:
        changes["custom_fields"] = (
            json.dumps(ticket.custom_fields, ensure_ascii=False),
            json.dumps(fields, ensure_ascii=False),
        )
    if not changes:
        return ticket
    ticket.category = category
    ticket.custom_fields = fields
    save_ticket(ticket, ["category", "custom_fields"])
    log_change(ticket=ticket, actor=actor, action="category_changed", changes=changes)
    _publish_updated(actor, ticket, list(changes))
    return ticket


@transaction.atomic
def set_custom_fields(*, actor: User | None, ticket: Ticket, values: Mapping[str, Any]) -> Ticket:
    """Fill or change custom fields (a blank value clears one); the rest keep their values.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: an unknown field, a wrong value, a required field cleared (field="custom_fields.<key>").
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    merged = {**ticket.custom_fields, **dict(values)}
    fields = validate_custom_fields(ticket.category, merged)
    changes = {
        f"custom_fields.{key}": (ticket.custom_fields.get(key), fields.get(key))
        for key in sorted(set(fields) | set(ticket.custom_fields))
        if ticket.custom_fields.get(key) != fields.get(key)
    }
    if not changes:
        return ticket
    ticket.custom_fields = fields
    save_ticket(ticket, ["custom_fields"])
    log_change(ticket=ticket, actor=actor, action="custom_fields_changed", changes=changes)
    _publish_updated(actor, ticket, ["custom_fields"])
    return ticket


@transaction.atomic
def set_tags(*, actor: User | None, ticket: Ticket, tags: Sequence[str]) -> Ticket:
    """Replace the ticket's tags.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: a tag too long or too many tags (field="tags").
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    names = clean_tags(tags)
    before = sorted(ticket.tags.values_list("name", flat=True))
    if before == sorted(names):
        return ticket
    ticket.tags.set(_tag_objects(names))
    save_ticket(ticket, [])
    log_change(
        ticket=ticket, actor=actor, action="tags_changed", changes={"tags": (", ".join(before), ", ".join(names))}
    )
    _publish_updated(actor, ticket, ["tags"])
    return ticket


@transaction.atomic
def set_contact(*, actor: User | None, ticket: Ticket, contact: Contact | None) -> Ticket:
    """Change whom the ticket is for; the organisation follows the contact unless set to another one.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket.
        ValidationFailed: the contact was merged into another or erased.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    if contact is not None and not contact.is_active:
        raise ValidationFailed(_("Этот контакт объединён с другим или обезличен"), field="contact_id")
    if ticket.contact_id == (contact.pk if contact else None):
        return ticket
    changes: dict[str, tuple[Any, Any]] = {"contact": (ticket.contact, contact)}
    old_contact_org = ticket.contact.organisation_id if ticket.contact is not None else None
    if ticket.organisation_id is None or ticket.organisation_id == old_contact_org:
        new_org = contact.organisation if contact is not None else None
        if new_org is not None and ticket.organisation_id != new_org.pk:
            changes["organisation"] = (ticket.organisation, new_org)
            ticket.organisation = new_org
    ticket.contact = contact
    save_ticket(ticket, ["contact", "organisation"])
    log_change(ticket=ticket, actor=actor, action="contact_changed", changes=changes)
    _publish_updated(actor, ticket, list(changes))
    return ticket
