"""Macros: saving them, and applying one to a ticket — every step through the desk's own services.

A macro's steps run in one transaction in a fixed order (reply, category, tags, assignee, status), so the
reply moves a new ticket into work before a status is set, and a step the desk refuses (an assignee who is
not in the queue, a transition the workflow forbids) undoes the steps before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, roles
from hotline.core.errors import Forbidden, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk import permissions as desk_permissions
from hotline.desk.choices import Status
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.services import assignment, messages, tickets, workflow
from hotline.knowledge import permissions
from hotline.knowledge.events import MacroApplied
from hotline.knowledge.models import AssignTo, CannedResponse, Macro
from hotline.knowledge.services.common import refuse_nul
from hotline.knowledge.services.responses import _check_scope, fill_placeholders, led_queue_ids, member_queue_ids


@transaction.atomic
def save_macro(
    *,
    actor: User,
    macro: Macro | None = None,
    name: str,
    queue: Queue | None = None,
    personal: bool = False,
    reply: CannedResponse | None = None,
    set_status: str = "",
    set_category: Category | None = None,
    assign_to: str = "",
    assignee: User | None = None,
    add_tags: Sequence[str] = (),
    is_active: bool = True,
) -> Macro:
    """Create or change a macro (scopes as for canned responses).

    Raises:
        Forbidden: the actor may not keep macros in this scope, or may not change this one.
        ValidationFailed: no name, no action, an unknown status, "assign to" without an agent,
            a reply template the actor may not use.
    """
    if macro is not None and not permissions.can_edit_template(actor, macro, led_queue_ids(actor)):
        raise Forbidden(_("Этот макрос вам изменить нельзя"))
    _check_scope(actor, queue=queue, personal=personal)
    refuse_nul(("name", name), ("add_tags", add_tags))
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ValidationFailed(_("Укажите название"), field="name")
    if set_status and set_status not in Status.values:
        raise ValidationFailed(_("Неизвестный статус «%(s)s»") % {"s": set_status}, field="set_status")
    if assign_to not in AssignTo.values:
        raise ValidationFailed(_("Неизвестный способ назначения"), field="assign_to")
    if assign_to == AssignTo.USER and (assignee is None or not roles.is_agent(assignee)):
        raise ValidationFailed(_("Выберите сотрудника, которому назначать"), field="assignee_id")
    if reply is not None and not permissions.can_use_template(actor, reply, member_queue_ids(actor)):
        raise ValidationFailed(_("Этот шаблон ответа вам недоступен"), field="reply_id")
    tags = tickets.clean_tags(add_tags)
    if not any([reply, set_status, set_category, assign_to, tags]):
        raise ValidationFailed(_("Выберите хотя бы одно действие"), field="name")
    target = macro or Macro(created_by=actor)
    target.name, target.queue, target.owner = name, queue, (actor if personal else None)
    target.reply, target.set_status, target.set_category = reply, set_status, set_category
    target.assign_to, target.assignee = assign_to, assignee if assign_to == AssignTo.USER else None
    target.add_tags, target.is_active, target.updated_at = tags, is_active, timezone.now()
    target.save()
    audit.record(
        actor=actor, action=AuditLog.Action.UPDATE if macro else AuditLog.Action.CREATE, obj=target, summary=name
    )
    return target


@transaction.atomic
def delete_macro(*, actor: User, macro: Macro) -> None:
    """Raises: Forbidden."""
    if not permissions.can_edit_template(actor, macro, led_queue_ids(actor)):
        raise Forbidden(_("Этот макрос вам удалить нельзя"))
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=macro, summary=macro.name)
    macro.delete()


@transaction.atomic
def apply_macro(*, actor: User, macro: Macro, ticket: Ticket) -> Ticket:
    """Do the macro's steps on the ticket, all or none.

    Raises:
        NotFound: the actor may not use the macro or see the ticket.
        Forbidden: the actor may not work on the ticket.
        ValidationFailed, InvalidTransition, Conflict: a step the desk refused (nothing is changed then).
    """
    if not permissions.can_use_template(actor, macro, member_queue_ids(actor)):
        raise NotFound(_("Макрос не найден"))
    if not desk_permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))
    if not desk_permissions.can_work_on_ticket(actor, ticket):
        raise Forbidden(_("Изменять заявку могут сотрудники её очереди"))
    if macro.reply is not None:
        if not macro.reply.is_active:
            raise ValidationFailed(_("Шаблон ответа «%(n)s» отключён") % {"n": macro.reply.name}, field="reply_id")
        body = fill_placeholders(macro.reply.body, ticket=ticket, agent=actor)
        messages.add_reply(actor=actor, ticket=ticket, body_text=body)
        CannedResponse.objects.filter(pk=macro.reply.pk).update(use_count=F("use_count") + 1)
    if macro.set_category is not None and ticket.category_id != macro.set_category.pk:
        tickets.change_category(actor=actor, ticket=ticket, category=macro.set_category)
    if macro.add_tags:
        current = list(ticket.tags.values_list("name", flat=True))
        tickets.set_tags(actor=actor, ticket=ticket, tags=[*current, *macro.add_tags])
    if macro.assign_to == AssignTo.ME and ticket.assignee_id != actor.pk:
        assignment.assign_ticket(actor=actor, ticket=ticket, assignee=actor)
    elif macro.assign_to == AssignTo.USER and macro.assignee is not None and ticket.assignee_id != macro.assignee_id:
        assignment.assign_ticket(actor=actor, ticket=ticket, assignee=macro.assignee)
    elif macro.assign_to == AssignTo.NOBODY and ticket.assignee_id is not None:
        assignment.unassign_ticket(actor=actor, ticket=ticket)
    if macro.set_status and macro.set_status != ticket.status:
        workflow.change_status(
            actor=actor, ticket=ticket, status=macro.set_status, reason=_("макрос «%(n)s»") % {"n": macro.name}
        )
    Macro.objects.filter(pk=macro.pk).update(use_count=F("use_count") + 1)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=ticket,
        summary=_("%(t)s: макрос «%(n)s»") % {"t": ticket.number, "n": macro.name},
    )
    publish(MacroApplied(actor_id=actor.pk, macro_id=macro.pk, ticket_id=ticket.pk))
    return ticket
