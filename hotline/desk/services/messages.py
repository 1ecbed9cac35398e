"""Messages on a ticket: public replies (agents and customers) and internal notes."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import nh3
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import batching, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.desk import permissions
from hotline.desk.choices import Channel, MessageKind, Status
from hotline.desk.events import MessageAdded
from hotline.desk.models import Message, Ticket
from hotline.desk.services.attachments import check_files, store_files
from hotline.desk.services.common import (
    actor_id,
    announcing,
    ensure_can_view,
    ensure_can_work,
    ensure_not_final,
    lock_ticket,
    log_change,
    save_ticket,
)
from hotline.desk.services.workflow import apply_status

BODY_MAX = 200_000
EXTERNAL_ID_MAX = 255
_BLOCK_END = re.compile(r"(?i)</(p|div|li|tr|h[1-6]|blockquote)>|<br\s*/?>")
_BLANK_LINES = re.compile(r"\n{3,}")


# ``cid:`` is kept so a mail's inline images can be shown in place; ``desk.display`` decides every image source.
_URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}


def sanitize_html(raw: str) -> str:
    """Only harmless markup survives: no scripts, handlers, styles or javascript: links."""
    if not raw or not raw.strip():
        return ""
    return nh3.clean(raw, link_rel="noopener noreferrer nofollow", url_schemes=_URL_SCHEMES).strip()


def html_to_text(raw: str) -> str:
    """Plain text of an HTML body, for search, notifications and text-only channels."""
    with_breaks = _BLOCK_END.sub(lambda m: m.group(0) + "\n", raw)
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _bodies(body_text: str, body_html: str) -> tuple[str, str]:
    clean_html = sanitize_html(body_html or "")
    text = (body_text or "").strip() or (html_to_text(clean_html) if clean_html else "")
    if len(text) > BODY_MAX or len(clean_html) > BODY_MAX:
        raise ValidationFailed(_("Сообщение не длиннее %(value)s символов") % {"value": BODY_MAX}, field="body_text")
    return text, clean_html


def _publish(actor: User | None, ticket: Ticket, message: Message) -> None:
    with announcing(ticket):
        publish(
            MessageAdded(
                actor_id=actor_id(actor),
                ticket_id=ticket.pk,
                message_id=message.pk,
                kind=message.kind,
                is_internal=message.is_internal,
                from_customer=message.is_from_customer,
            )
        )


def _follow_merges(ticket: Ticket) -> Ticket:
    """A customer answering an old thread of a merged ticket is heard in the ticket it went into."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _customer_author(actor: User | None, ticket: Ticket, author_contact: Contact | None) -> Contact | None:
    """The contact writing, when this reply is the customer's; None when it is an agent's."""
    if actor is not None and roles.is_customer(actor):
        ensure_can_view(actor, ticket)
        own = permissions.contact_of(actor)
        if own is None:
            raise Forbidden(_("У вашей учётной записи нет профиля клиента"))
        return own
    if actor is not None:
        # An agent may log what a customer said (a call, a letter on paper): then it is theirs.
        return author_contact
    contact = author_contact or ticket.contact
    if contact is None:
        raise ValidationFailed(_("Укажите автора сообщения"), field="author_contact_id")
    return contact


@batching.atomic  # a bulk import's message is its own savepoint already
def add_reply(
    *,
    actor: User | None,
    ticket: Ticket,
    body_text: str,
    body_html: str = "",
    attachments: Sequence[Any] = (),
    author_contact: Contact | None = None,
    channel: str | None = None,
    external_id: str = "",
) -> Message:
    """A public message: an agent's answer, or the customer's words (which reopen a resolved ticket).

    With ``actor=None`` the message comes from a channel (intake) on behalf of ``author_contact``
    (or the ticket's contact); a repeated ``external_id`` returns the message already stored.

    Raises:
        NotFound, Forbidden: the actor may not write on the ticket.
        ValidationFailed: an empty message, a file too large or of a blocked type.
        Conflict: the ticket is closed or cancelled (the customer should open a new one).
    """
    if channel is not None and channel not in Channel.values:
        raise ValidationFailed(
            _("Канал: одно из %(allowed)s") % {"allowed": ", ".join(Channel.values)}, field="channel"
        )
    external_id = (external_id or "").strip()[:EXTERNAL_ID_MAX]
    customer = _customer_author(actor, ticket, author_contact)
    if customer is not None:
        ticket = _follow_merges(ticket)
    lock_ticket(ticket)
    if actor is not None and not roles.is_customer(actor):
        ensure_can_work(actor, ticket)
    if external_id:
        seen = Message.objects.filter(ticket=ticket, external_id=external_id).first()
        if seen is not None:
            return seen
    text, clean_html = _bodies(body_text, body_html)
    files = check_files(attachments)
    if not text and not files:
        raise ValidationFailed(_("Напишите сообщение или приложите файл"), field="body_text")
    if customer is not None and ticket.status in (Status.CLOSED, Status.CANCELLED):
        raise Conflict(
            _("Заявка %(number)s закрыта; создайте новую заявку") % {"number": ticket.number}, field="ticket_id"
        )
    if customer is None:
        ensure_not_final(ticket)

    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        is_internal=False,
        author_user=None if customer is not None else actor,
        author_contact=customer,
        channel=channel or (ticket.channel if customer is not None else ""),
        body_text=text,
        body_html=clean_html,
        external_id=external_id,
        created_at=now,
    )
    store_files(message, files)
    if customer is not None:
        ticket.last_customer_message_at = now
        save_ticket(ticket, ["last_customer_message_at"])
    else:
        fields = ["last_agent_message_at"]
        ticket.last_agent_message_at = now
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        save_ticket(ticket, fields)
    log_change(
        ticket=ticket,
        actor=actor,
        action="customer_replied" if customer is not None else "replied",
        changes={"message": ("", message.pk)},
        audit_action=AuditLog.Action.CREATE,
    )
    _publish(actor, ticket, message)
    if customer is not None and ticket.status in (Status.RESOLVED, Status.PENDING_CUSTOMER):
        # The customer answered: a solution that did not help, or the information we waited for.
        reason = "ответ клиента" if ticket.status == Status.PENDING_CUSTOMER else "клиент ответил на решённую заявку"
        apply_status(actor=actor, ticket=ticket, new=Status.OPEN, reason=reason)
    elif customer is None and ticket.status == Status.NEW:
        apply_status(actor=actor, ticket=ticket, new=Status.OPEN, reason="ответ сотрудника")
    return message


@batching.atomic  # a bulk import's message is its own savepoint already
def add_note(
    *, actor: User | None, ticket: Ticket, body_text: str, body_html: str = "", attachments: Sequence[Any] = ()
) -> Message:
    """An internal note: seen by staff only, never by the customer.

    Raises:
        NotFound, Forbidden: the actor is not an agent who may work on the ticket.
        ValidationFailed: an empty note, a file too large or of a blocked type.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    text, clean_html = _bodies(body_text, body_html)
    files = check_files(attachments)
    if not text and not files:
        raise ValidationFailed(_("Напишите комментарий или приложите файл"), field="body_text")
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        is_internal=True,
        author_user=actor,
        body_text=text,
        body_html=clean_html,
        created_at=timezone.now(),
    )
    store_files(message, files)
    save_ticket(ticket, [])
    log_change(
        ticket=ticket,
        actor=actor,
        action="note_added",
        changes={"message": ("", message.pk)},
        audit_action=AuditLog.Action.CREATE,
    )
    _publish(actor, ticket, message)
    return message
