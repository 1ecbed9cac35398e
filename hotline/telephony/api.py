"""The telephony HTTP API, mounted by ``hotline.api`` at ``/api/telephony``: the call log, linking and transferring
calls, the callback list, and an agent's extension. PBX events come in through the webhooks (``/telephony/hooks/``)
and the AMI listener, not through here.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from hotline.core.errors import NotFound
from hotline.core.models import User
from hotline.core.pagination import paginate
from hotline.customers import selectors as customer_selectors
from hotline.desk import selectors as desk_selectors
from hotline.desk.models import Queue
from hotline.desk.schemas import ErrorOut
from hotline.telephony import selectors
from hotline.telephony.models import Call, Callback, CallTransfer
from hotline.telephony.schemas import (
    CallbackAssignIn,
    CallbackCloseIn,
    CallbackOut,
    CallbackPage,
    CallLinkIn,
    CallOut,
    CallPage,
    CallTransferIn,
    ExtensionIn,
    ExtensionOut,
    TransferOut,
)
from hotline.telephony.services import callbacks, extensions, linking, transfers

router = Router(tags=["telephony"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
ID_MAX = 2**63 - 1


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def call_out(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "source": call.source.slug,
        "provider_call_id": call.provider_call_id,
        "direction": call.direction,
        "status": call.status,
        "outcome": call.outcome,
        "customer_number": call.customer_e164 or call.customer_number,
        "caller_name": call.caller_name,
        "line": call.line.number if call.line else None,
        "line_name": call.line.name if call.line else None,
        "contact_id": call.contact_id,
        "contact_name": call.contact.full_name if call.contact else None,
        "agent_id": call.agent_id,
        "extension": call.extension,
        "ticket": call.ticket.number if call.ticket else None,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "disconnect_cause": call.disconnect_cause,
        "disposition": call.disposition,
        "recording_url": call.recording_url,
        "recording_ref": call.recording_ref,
        "callback_id": call.callback_id,
    }


def callback_out(callback: Callback) -> dict[str, Any]:
    return {
        "id": callback.pk,
        "number": callback.number_e164,
        "contact_id": callback.contact_id,
        "line": callback.line.number if callback.line else None,
        "status": callback.status,
        "missed_count": callback.missed_count,
        "first_missed_at": callback.first_missed_at,
        "last_missed_at": callback.last_missed_at,
        "assignee_id": callback.assignee_id,
        "result": callback.result,
        "note": callback.note,
        "done_at": callback.done_at,
    }


def _call(request: HttpRequest, call_id: int) -> Call:
    if not 0 < call_id <= ID_MAX:
        raise NotFound(_("Звонок не найден"))
    return selectors.get_call_for(_actor(request), call_id)


@router.get("/calls", response={200: CallPage, **ERRORS}, summary="Журнал звонков")
def list_calls(
    request: HttpRequest,
    q: str = "",
    direction: str = "",
    outcome: str = "",
    agent_id: int | None = Query(None, ge=1, le=ID_MAX),  # type: ignore[type-arg]
    line_id: int | None = Query(None, ge=1, le=ID_MAX),  # type: ignore[type-arg]
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
) -> dict[str, Any]:
    """Newest first; ``q`` — a number in any format, its last digits, a contact's name or a ticket number."""
    calls = selectors.list_calls(
        _actor(request), q=q[:100], direction=direction[:16], outcome=outcome[:16], agent_id=agent_id, line_id=line_id
    ).select_related("source")
    page = paginate(calls, order_by="-started_at", cursor=cursor, limit=limit)
    return {"items": [call_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="Звонок")
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    return call_out(_call(request, call_id))


@router.post(
    "/calls/{call_id}/link", response={200: CallOut, **ERRORS}, summary="Привязать звонок к заявке или клиенту"
)
def link_call(request: HttpRequest, call_id: int, payload: CallLinkIn) -> dict[str, Any]:
    user = _actor(request)
    call = _call(request, call_id)
    ticket = desk_selectors.get_ticket_for(user, payload.ticket) if payload.ticket else None
    contact = customer_selectors.get_contact_for(user, payload.contact_id) if payload.contact_id else None
    linking.link_call(actor=user, call=call, ticket=ticket, contact=contact)
    return call_out(selectors.get_call_for(user, call.pk))


@router.post(
    "/calls/{call_id}/transfer", response={201: TransferOut, **ERRORS}, summary="Перевести звонок (с причиной)"
)
def transfer_call(request: HttpRequest, call_id: int, payload: CallTransferIn) -> Status[CallTransfer]:
    user = _actor(request)
    call = _call(request, call_id)
    to_agent = User.objects.filter(pk=payload.to_agent_id).first() if payload.to_agent_id else None
    to_queue = Queue.objects.filter(pk=payload.to_queue_id).first() if payload.to_queue_id else None
    if payload.to_agent_id and to_agent is None:
        raise NotFound(_("Сотрудник не найден"), field="to_agent_id")
    if payload.to_queue_id and to_queue is None:
        raise NotFound(_("Очередь не найдена"), field="to_queue_id")
    transfer = transfers.transfer_call(
        actor=user, call=call, reason=payload.reason, to_agent=to_agent, to_queue=to_queue
    )
    return Status(201, transfer)


@router.get("/callbacks", response={200: CallbackPage, **ERRORS}, summary="Список перезвонов")
def list_callbacks(
    request: HttpRequest,
    status: str = "open",
    mine: bool = False,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = _actor(request)
    rows = selectors.list_callbacks(user, status=status[:16], assignee_id=user.pk if mine else None)
    page = paginate(rows, order_by="first_missed_at", cursor=cursor, limit=limit)
    return {"items": [callback_out(c) for c in page.items], "next_cursor": page.next_cursor}


def _callback(request: HttpRequest, callback_id: int) -> Callback:
    if not 0 < callback_id <= ID_MAX:
        raise NotFound(_("Перезвон не найден"))
    return selectors.get_callback_for(_actor(request), callback_id)


@router.post("/callbacks/{callback_id}/assign", response={200: CallbackOut, **ERRORS}, summary="Назначить перезвон")
def assign_callback(request: HttpRequest, callback_id: int, payload: CallbackAssignIn) -> dict[str, Any]:
    user = _actor(request)
    callback = _callback(request, callback_id)
    assignee = User.objects.filter(pk=payload.assignee_id).first() if payload.assignee_id else None
    if payload.assignee_id and assignee is None:
        raise NotFound(_("Сотрудник не найден"), field="assignee_id")
    return callback_out(callbacks.assign_callback(actor=user, callback=callback, assignee=assignee))


@router.post("/callbacks/{callback_id}/close", response={200: CallbackOut, **ERRORS}, summary="Результат перезвона")
def close_callback(request: HttpRequest, callback_id: int, payload: CallbackCloseIn) -> dict[str, Any]:
    user = _actor(request)
    callback = _callback(request, callback_id)
    return callback_out(
        callbacks.complete_callback(actor=user, callback=callback, result=payload.result, note=payload.note)
    )


@router.put("/me/extension", response={200: ExtensionOut, **ERRORS}, summary="Мой внутренний номер")
def set_extension(request: HttpRequest, payload: ExtensionIn) -> dict[str, Any]:
    """An agent at another desk takes its phone: calls to that extension pop up for them from now on."""
    user = extensions.claim_extension(actor=_actor(request), extension=payload.extension)
    return {"user_id": user.pk, "extension": user.phone_extension}
