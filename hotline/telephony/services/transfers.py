"""Transfers of a call — and of the request it is about — to another agent or a department.

An agent records a transfer here with its reason before (or while) doing it on the phone: the ticket gets the
transfer (a department: the desk's ``transfer_ticket``; an agent: assignment, or watching when they are not in
its queue) and a note with the reason, and the receiving agent's screen pops with the ticket. When the PBX then
reports the transfer it confirms that row; a transfer made on the phone alone is recorded from the PBX's report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events, roles
from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk import permissions as desk_permissions
from hotline.desk.models import Queue
from hotline.desk.services import assignment, escalation, relations
from hotline.desk.services import messages as desk_messages
from hotline.telephony import live
from hotline.telephony.choices import CallStatus, TransferSource
from hotline.telephony.events import CallTransferred
from hotline.telephony.models import Call, CallTransfer
from hotline.telephony.services.common import REASON_MAX, actor_id, clean_text, require_agent
from hotline.telephony.services.extensions import agent_for_extension
from hotline.telephony.services.fold import TransferState

# A PBX report this close to an agent's recorded transfer to the same person is that transfer.
MATCH_WINDOW = timedelta(minutes=10)


def _announce(transfer: CallTransfer, call: Call, actor: User | None) -> None:
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=call,
        summary="call transferred",
        changes={
            "to_agent": transfer.to_agent_id,
            "to_queue": transfer.to_queue_id,
            "to_extension": transfer.to_extension,
            "reason": transfer.reason,
        },
    )
    events.publish(
        CallTransferred(
            actor_id=actor_id(actor),
            call_id=call.pk,
            transfer_id=transfer.pk,
            ticket_id=transfer.ticket_id,
            to_agent_id=transfer.to_agent_id,
            to_queue_id=transfer.to_queue_id,
            reason=transfer.reason,
        )
    )
    if transfer.to_agent_id is not None and call.status != CallStatus.ENDED:
        live.push_call(user_id=transfer.to_agent_id, call=call, state="transferred")


@transaction.atomic
def transfer_call(
    *, actor: User, call: Call, reason: str, to_agent: User | None = None, to_queue: Queue | None = None
) -> CallTransfer:
    """Hand the call and its ticket to an agent or a department, with the reason.

    Raises:
        Forbidden: the actor is not an agent, or may not change the ticket.
        ValidationFailed: no reason; neither or both of agent and department; the agent is not active.
        Conflict: the ticket is closed or merged.
    """
    require_agent(actor)
    reason = clean_text(reason, field="reason", limit=REASON_MAX, required=True, message=_("Укажите причину перевода"))
    if (to_agent is None) == (to_queue is None):
        raise ValidationFailed(_("Выберите, кому перевести: сотрудника или отдел"), field="to")
    if to_agent is not None:
        if not (to_agent.is_active and roles.is_agent(to_agent)):
            raise ValidationFailed(_("Перевести можно только на сотрудника"), field="to")
        if to_agent.pk == actor.pk:
            raise ValidationFailed(_("Звонок и так у вас"), field="to")
    if to_queue is not None and not to_queue.is_active:
        raise ValidationFailed(_("Отдел «%(name)s» отключён") % {"name": to_queue.name}, field="to")
    call = Call.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=call.pk)
    ticket = call.ticket
    if ticket is not None:
        if to_queue is not None and to_queue.pk != ticket.queue_id:
            escalation.transfer_ticket(actor=actor, ticket=ticket, to_queue=to_queue, reason=reason)
        elif to_agent is not None:
            if desk_permissions.is_queue_member(to_agent, ticket.queue_id) or roles.is_admin(to_agent):
                assignment.assign_ticket(actor=actor, ticket=ticket, assignee=to_agent)
            else:
                relations.add_watcher(actor=actor, ticket=ticket, user=to_agent)
        whom = to_agent.display_name if to_agent is not None else to_queue.name  # type: ignore[union-attr]
        desk_messages.add_note(
            actor=actor,
            ticket=ticket,
            body_text=_("Звонок переведён: %(whom)s. Причина: %(reason)s") % {"whom": whom, "reason": reason},
        )
    transfer = CallTransfer.objects.create(
        call=call,
        ticket=ticket,
        source=TransferSource.AGENT,
        from_extension=call.extension,
        from_agent=actor,
        to_agent=to_agent,
        to_extension=to_agent.phone_extension if to_agent is not None else "",
        to_queue=to_queue,
        reason=reason,
    )
    _announce(transfer, call, actor)
    return transfer


def record_pbx_transfers(*, call: Call, reported: Sequence[TransferState]) -> None:
    """Record the transfers the PBX reported for the (locked) call that are not recorded yet."""
    for item in reported:
        if CallTransfer.objects.filter(
            call=call,
            source=TransferSource.PBX,
            from_extension=item.from_extension[:32],
            to_extension=item.to_extension[:32],
            at=item.at,
        ).exists():
            continue
        to_agent = agent_for_extension(item.to_extension)
        same_target = (
            Q(to_extension=item.to_extension) | Q(to_agent=to_agent) if to_agent else Q(to_extension=item.to_extension)
        )
        recorded = (
            CallTransfer.objects.filter(call=call, source=TransferSource.AGENT, pbx_confirmed_at__isnull=True)
            .filter(same_target, at__gte=item.at - MATCH_WINDOW, at__lte=item.at + MATCH_WINDOW)
            .first()
        )
        if recorded is not None:
            recorded.pbx_confirmed_at = timezone.now()
            recorded.save(update_fields=["pbx_confirmed_at"])
            continue
        transfer = CallTransfer.objects.create(
            call=call,
            ticket=call.ticket,
            source=TransferSource.PBX,
            from_extension=item.from_extension[:32],
            to_extension=item.to_extension[:32],
            from_agent=agent_for_extension(item.from_extension),
            to_agent=to_agent,
            at=item.at,
        )
        if call.ticket is not None:
            desk_messages.add_note(
                actor=None,
                ticket=call.ticket,
                body_text=_("АТС перевела звонок: доб. %(source)s → доб. %(target)s")
                % {"source": item.from_extension or "?", "target": item.to_extension},
            )
        _announce(transfer, call, None)
