"""The callback list: missed and abandoned inbound calls become numbers to call back.

One open callback per number: another missed call from it adds to that row. A supervisor assigns callbacks
(or an agent takes one); whoever calls back closes it with a result.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk.models import Ticket
from hotline.telephony.choices import CallbackResult, CallbackStatus
from hotline.telephony.events import CallbackAssigned, CallbackClosed, CallbackRequested
from hotline.telephony.models import Call, Callback
from hotline.telephony.services.common import actor_id, clean_text, require_agent, require_supervisor

NOTE_MAX = 2000


def register_missed_call(*, call: Call) -> Callback | None:
    """Add the (locked, ended, missed) call to its number's open callback; None when it has no number to call.

    Runs inside the call's transaction; two missed calls from one number at once meet at the unique
    constraint on open callbacks and end up on one row.
    """
    if not call.customer_e164 or call.callback_id is not None:
        return None
    missed_at = call.started_at
    callback = (
        Callback.objects.select_for_update().filter(number_e164=call.customer_e164, status=CallbackStatus.OPEN).first()
    )
    if callback is None:
        try:
            with transaction.atomic():
                callback = Callback.objects.create(
                    number_e164=call.customer_e164,
                    contact=call.contact,
                    line=call.line,
                    first_missed_at=missed_at,
                    last_missed_at=missed_at,
                    missed_count=1,
                )
        except IntegrityError:
            callback = Callback.objects.select_for_update().get(
                number_e164=call.customer_e164, status=CallbackStatus.OPEN
            )
            _count(callback, call)
        else:
            audit.record(
                actor=None, action=AuditLog.Action.CREATE, obj=callback, summary=f"callback {call.customer_e164}"
            )
    else:
        _count(callback, call)
    call.callback = callback
    call.save(update_fields=["callback"])
    events.publish(CallbackRequested(callback_id=callback.pk, call_id=call.pk))
    return callback


def _count(callback: Callback, call: Call) -> None:
    callback.missed_count += 1
    callback.first_missed_at = min(callback.first_missed_at, call.started_at)
    callback.last_missed_at = max(callback.last_missed_at, call.started_at)
    fields = ["missed_count", "first_missed_at", "last_missed_at"]
    if callback.contact_id is None and call.contact_id is not None:
        callback.contact_id = call.contact_id
        fields.append("contact")
    callback.save(update_fields=fields)


def withdraw_missed_call(*, call: Call) -> None:
    """A call counted as missed turned out answered (its events came late): take it off the callback list."""
    if call.callback_id is None:
        return
    callback = Callback.objects.select_for_update().get(pk=call.callback_id)
    call.callback = None
    call.save(update_fields=["callback"])
    if callback.status != CallbackStatus.OPEN:
        return
    remaining = callback.calls.exclude(pk=call.pk).count()
    if remaining == 0 and callback.assignee_id is None:
        callback.status = CallbackStatus.CANCELLED
        callback.note = _("Звонок был принят (сведения от АТС пришли позже)")
        callback.done_at = timezone.now()
        callback.save(update_fields=["status", "note", "done_at"])
        audit.record(actor=None, action=AuditLog.Action.UPDATE, obj=callback, summary="callback withdrawn: answered")
        events.publish(CallbackClosed(callback_id=callback.pk, status=callback.status))
    else:
        callback.missed_count = max(1, callback.missed_count - 1)
        callback.save(update_fields=["missed_count"])


def _locked_open(callback: Callback) -> Callback:
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if callback.status != CallbackStatus.OPEN:
        raise Conflict(_("Перезвон уже закрыт: %(status)s") % {"status": callback.get_status_display()})
    return callback


@transaction.atomic
def assign_callback(*, actor: User, callback: Callback, assignee: User | None) -> Callback:
    """A supervisor hands the callback to an agent (None: back to the common list).

    Raises:
        Forbidden: the actor is not a supervisor.
        ValidationFailed: the assignee is not an active agent.
        Conflict: the callback is closed.
    """
    require_supervisor(actor)
    if assignee is not None and not roles.is_agent(assignee):
        raise ValidationFailed(_("Назначить можно только сотрудника"), field="assignee_id")
    callback = _locked_open(callback)
    return _assign(actor=actor, callback=callback, assignee=assignee)


@transaction.atomic
def take_callback(*, actor: User, callback: Callback) -> Callback:
    """An agent takes an unassigned callback for themself.

    Raises:
        Forbidden: not an agent.
        Conflict: closed, or someone else has it.
    """
    require_agent(actor)
    callback = _locked_open(callback)
    if callback.assignee_id not in (None, actor.pk):
        raise Conflict(_("Этот перезвон уже взял другой сотрудник"))
    return _assign(actor=actor, callback=callback, assignee=actor)


def _assign(*, actor: User, callback: Callback, assignee: User | None) -> Callback:
    if callback.assignee_id == (assignee.pk if assignee else None):
        return callback
    old = callback.assignee_id
    callback.assignee = assignee
    callback.assigned_by = actor
    callback.assigned_at = timezone.now() if assignee else None
    callback.save(update_fields=["assignee", "assigned_by", "assigned_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=callback,
        summary="callback assigned",
        changes={"assignee": [old, assignee.pk if assignee else None]},
    )
    events.publish(
        CallbackAssigned(actor_id=actor.pk, callback_id=callback.pk, assignee_id=assignee.pk if assignee else None)
    )
    return callback


def can_close(actor: Any, callback: Callback) -> bool:
    return roles.is_supervisor(actor) or (roles.is_agent(actor) and callback.assignee_id in (None, actor.pk))


@transaction.atomic
def complete_callback(
    *, actor: User, callback: Callback, result: str, note: str = "", ticket: Ticket | None = None
) -> Callback:
    """Close the callback with what came of it; "no answer" keeps it open for another try.

    Raises:
        Forbidden: someone else's callback (supervisors may close any).
        ValidationFailed: an unknown result or a note too long.
        Conflict: already closed.
    """
    require_agent(actor)
    if result not in CallbackResult.values:
        raise ValidationFailed(_("Выберите результат"), field="result")
    note = clean_text(note, field="note", limit=NOTE_MAX)
    callback = _locked_open(callback)
    if not can_close(actor, callback):
        raise Forbidden(_("Этот перезвон назначен другому сотруднику"))
    now = timezone.now()
    callback.result = result
    callback.note = note
    fields = ["result", "note"]
    if ticket is not None:
        callback.ticket = ticket
        fields.append("ticket")
    if result != CallbackResult.NO_ANSWER:
        callback.status = CallbackStatus.DONE
        callback.done_at = now
        callback.done_by = actor
        fields += ["status", "done_at", "done_by"]
    callback.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=callback,
        summary=f"callback {result}",
        changes={"result": result},
    )
    if callback.status != CallbackStatus.OPEN:
        events.publish(
            CallbackClosed(actor_id=actor_id(actor), callback_id=callback.pk, status=callback.status, result=result)
        )
    return callback


@transaction.atomic
def cancel_callback(*, actor: User, callback: Callback, note: str = "") -> Callback:
    """A supervisor takes a callback off the list (a spam number, a duplicate).

    Raises:
        Forbidden, Conflict.
    """
    require_supervisor(actor)
    note = clean_text(note, field="note", limit=NOTE_MAX)
    callback = _locked_open(callback)
    callback.status = CallbackStatus.CANCELLED
    callback.note = note
    callback.done_at = timezone.now()
    callback.done_by = actor
    callback.save(update_fields=["status", "note", "done_at", "done_by"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=callback, summary="callback cancelled")
    events.publish(CallbackClosed(actor_id=actor.pk, callback_id=callback.pk, status=callback.status))
    return callback
