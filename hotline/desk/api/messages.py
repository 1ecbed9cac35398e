"""The conversation on a ticket: replies, internal notes (JSON or multipart with files), history."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from hotline.desk import permissions, selectors
from hotline.desk.api import presenters
from hotline.desk.api.common import ERRORS, actor, multipart_openapi, parse_body
from hotline.desk.schemas import HistoryOut, MessageOut, ReplyIn
from hotline.desk.services import messages

router = Router(tags=["messages"])


@router.post(
    "/tickets/{ref}/replies",
    response={201: MessageOut, **ERRORS},
    summary="Ответить клиенту (или ответ клиента)",
    description="JSON `{body_text, body_html}` или multipart с теми же полями и файлами в частях `attachments`.",
    openapi_extra=multipart_openapi(ReplyIn),
)
def add_reply(request: HttpRequest, ref: str) -> Status[MessageOut]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    payload, files = parse_body(request, ReplyIn)
    msg = messages.add_reply(
        actor=user, ticket=ticket, body_text=payload.body_text, body_html=payload.body_html, attachments=files
    )
    return Status(201, presenters.message(msg))


@router.post(
    "/tickets/{ref}/notes",
    response={201: MessageOut, **ERRORS},
    summary="Внутренний комментарий (только сотрудники)",
    description="JSON `{body_text, body_html}` или multipart с теми же полями и файлами в частях `attachments`.",
    openapi_extra=multipart_openapi(ReplyIn),
)
def add_note(request: HttpRequest, ref: str) -> Status[MessageOut]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    payload, files = parse_body(request, ReplyIn)
    msg = messages.add_note(
        actor=user, ticket=ticket, body_text=payload.body_text, body_html=payload.body_html, attachments=files
    )
    return Status(201, presenters.message(msg))


@router.get("/tickets/{ref}/messages", response={200: list[MessageOut], **ERRORS}, summary="Переписка по заявке")
def list_messages(request: HttpRequest, ref: str) -> list[MessageOut]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return [presenters.message(msg) for msg in selectors.list_messages(user, ticket)]


@router.get("/tickets/{ref}/history", response={200: list[HistoryOut], **ERRORS}, summary="История изменений")
def history(request: HttpRequest, ref: str) -> list[HistoryOut]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    show_internal = permissions.can_view_internal(user)
    return [
        presenters.history_entry(entry, show_internal=show_internal) for entry in selectors.ticket_history(user, ticket)
    ]
