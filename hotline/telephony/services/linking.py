"""Tying a call to the person and the request it was about: the agent's actions on the screen-pop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.errors import NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.customers.services import contacts as contact_services
from hotline.desk import permissions as desk_permissions
from hotline.desk.choices import Channel
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.services import tickets as ticket_services
from hotline.telephony.events import CallLinked
from hotline.telephony.models import Call, Callback
from hotline.telephony.services.common import actor_id, clean_text, require_agent

DISPOSITION_MAX = 120


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update(of=("self",)).select_related("line", "contact", "ticket").get(pk=call.pk)


def _changed(actor: User, call: Call, fields: dict[str, Any]) -> None:
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=call, summary="call linked", changes=fields)
    events.publish(
        CallLinked(actor_id=actor_id(actor), call_id=call.pk, contact_id=call.contact_id, ticket_id=call.ticket_id)
    )


@transaction.atomic
def link_call(*, actor: User, call: Call, ticket: Ticket | None = None, contact: Contact | None = None) -> Call:
    """Tie the call to a ticket the agent can see and/or to a contact (the caller picked among namesakes).

    Raises:
        Forbidden: not an agent.
        NotFound: the ticket is not visible to the agent.
        ValidationFailed: the contact was merged away or erased.
    """
    require_agent(actor)
    call = _locked(call)
    changes: dict[str, Any] = {}
    if ticket is not None and ticket.pk != call.ticket_id:
        if not desk_permissions.can_view_ticket(actor, ticket):
            raise NotFound(_("Заявка не найдена"))
        changes["ticket"] = [call.ticket_id, ticket.pk]
        call.ticket = ticket
    if contact is not None and contact.pk != call.contact_id:
        if not contact.is_active:
            raise ValidationFailed(_("Этот контакт объединён с другим или обезличен"), field="contact_id")
        changes["contact"] = [call.contact_id, contact.pk]
        call.contact = contact
        if call.callback_id is not None:
            Callback.objects.filter(pk=call.callback_id, contact__isnull=True).update(contact=contact)
    if changes:
        call.updated_at = timezone.now()
        call.save(update_fields=["ticket", "contact", "updated_at"])
        _changed(actor, call, changes)
    return call


@transaction.atomic
def create_contact_for_call(*, actor: User, call: Call, full_name: str) -> Contact:
    """An unknown number: make a contact with the caller's name and number, and tie the call to it.

    Raises:
        Forbidden, ValidationFailed (an empty name with no usable number).
    """
    require_agent(actor)
    call = _locked(call)
    phones = [call.customer_e164] if call.customer_e164 else []
    contact = contact_services.create_contact(actor=actor, full_name=full_name, phones=phones)
    return link_call(actor=actor, call=call, contact=contact).contact or contact


@transaction.atomic
def open_ticket_from_call(
    *,
    actor: User,
    call: Call,
    subject: str,
    description: str = "",
    contact: Contact | None = None,
    new_contact_name: str = "",
    category: Category | None = None,
    queue: Queue | None = None,
    urgency: int | None = None,
    custom_fields: Mapping[str, Any] | None = None,
) -> Ticket:
    """The screen-pop's "new request from this call": open a phone ticket for the caller and tie the call to it.

    The caller is ``contact``, else a new contact named ``new_contact_name`` with the call's number, else the
    contact the call was matched to. The line's queue and category apply unless others are chosen.

    Raises:
        Forbidden, ValidationFailed, Conflict: as ``desk.services.tickets.open_ticket``.
    """
    require_agent(actor)
    call = _locked(call)
    name = clean_text(new_contact_name, field="new_contact_name", limit=320)
    if contact is None and name:
        phones = [call.customer_e164] if call.customer_e164 else []
        contact = contact_services.create_contact(actor=actor, full_name=name, phones=phones)
    contact = contact or call.contact
    line = call.line
    if queue is None and line is not None and line.queue is not None and line.queue.is_active:
        queue = line.queue
    if category is None and line is not None and line.category is not None and line.category.is_active:
        category = line.category
    ticket = ticket_services.open_ticket(
        actor=actor,
        subject=subject,
        description=description,
        channel=Channel.PHONE,
        contact=contact,
        queue=queue,
        category=category,
        urgency=urgency,
        custom_fields=custom_fields,
    )
    link_call(actor=actor, call=call, ticket=ticket, contact=contact)
    return ticket


@transaction.atomic
def set_disposition(*, actor: User | None, call: Call, disposition: str) -> Call:
    """Record what the call came to (a script's end, or the agent's word: «консультация», «ошибся номером»).

    Raises:
        Forbidden, ValidationFailed: longer than 120 characters.
    """
    require_agent(actor)
    value = clean_text(disposition, field="disposition", limit=DISPOSITION_MAX)
    call = _locked(call)
    if value != call.disposition:
        old = call.disposition
        call.disposition = value
        call.updated_at = timezone.now()
        call.save(update_fields=["disposition", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=call,
            summary="disposition",
            changes={"disposition": [old, value]},
        )
    return call


def ticket_visible(actor: User, ticket: Ticket | None) -> bool:
    return ticket is not None and desk_permissions.can_view_ticket(actor, ticket)
