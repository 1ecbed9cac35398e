"""Work on a ticket: assignment, workflow, escalation, classification, relations, rating.

Each endpoint fetches the ticket through the access selector (404 for missing and foreign alike),
calls one service and answers with the ticket as the actor may see it. The services decide who
may do what (403/409/422); nothing here re-implements a rule.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Status

from hotline.core.errors import NotFound
from hotline.desk import selectors
from hotline.desk.api import presenters
from hotline.desk.api.common import ERRORS, PathId, actor, category_by_id, queue_by_id, user_by_id
from hotline.desk.models import Ticket, TicketLink
from hotline.desk.schemas import (
    AssignIn,
    CancelIn,
    CategoryIn,
    CustomerTicketOut,
    CustomFieldsIn,
    EscalateIn,
    LinkIn,
    MergeIn,
    PriorityIn,
    RatingIn,
    RatingOut,
    ReasonIn,
    ResolveIn,
    SplitIn,
    StatusIn,
    TagsIn,
    TicketDetailOut,
    TicketLinkOut,
    TransferIn,
    WatcherIn,
)
from hotline.desk.services import assignment, escalation, rating, relations, tickets, workflow

router = Router(tags=["ticket actions"])

TicketResponse = TicketDetailOut | CustomerTicketOut
RESPONSE = {200: TicketResponse, **ERRORS}


def _answer(request: HttpRequest, ticket: Ticket) -> TicketResponse:
    return presenters.ticket_detail(actor(request), ticket)


@router.post("/tickets/{ref}/assign", response=RESPONSE, summary="Назначить исполнителя (null — снять)")
def assign(request: HttpRequest, ref: str, payload: AssignIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    assignee = user_by_id(payload.assignee_id, field="assignee_id") if payload.assignee_id is not None else None
    return _answer(request, assignment.assign_ticket(actor=user, ticket=ticket, assignee=assignee))


@router.post("/tickets/{ref}/take", response=RESPONSE, summary="Взять заявку себе (409, если её уже взял другой)")
def take(request: HttpRequest, ref: str) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, assignment.take_ticket(actor=user, ticket=ticket))


@router.post("/tickets/{ref}/unassign", response=RESPONSE, summary="Снять исполнителя")
def unassign(request: HttpRequest, ref: str) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, assignment.unassign_ticket(actor=user, ticket=ticket))


@router.post("/tickets/{ref}/status", response=RESPONSE, summary="Сменить статус")
def change_status(request: HttpRequest, ref: str, payload: StatusIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(
        request, workflow.change_status(actor=user, ticket=ticket, status=payload.status, reason=payload.reason)
    )


@router.post("/tickets/{ref}/escalate", response=RESPONSE, summary="Эскалировать на следующую линию")
def escalate(request: HttpRequest, ref: str, payload: EscalateIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    to_queue = queue_by_id(payload.to_queue_id, field="to_queue_id") if payload.to_queue_id is not None else None
    return _answer(
        request, escalation.escalate_ticket(actor=user, ticket=ticket, reason=payload.reason, to_queue=to_queue)
    )


@router.post("/tickets/{ref}/transfer", response=RESPONSE, summary="Передать в отдел или другую очередь")
def transfer(request: HttpRequest, ref: str, payload: TransferIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    to_queue = queue_by_id(payload.to_queue_id, field="to_queue_id")
    return _answer(
        request, escalation.transfer_ticket(actor=user, ticket=ticket, to_queue=to_queue, reason=payload.reason)
    )


@router.post("/tickets/{ref}/priority", response=RESPONSE, summary="Влияние, срочность, приоритет")
def change_priority(request: HttpRequest, ref: str, payload: PriorityIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(
        request,
        tickets.change_priority(
            actor=user,
            ticket=ticket,
            impact=payload.impact,
            urgency=payload.urgency,
            priority=payload.priority,
            reason=payload.reason,
        ),
    )


@router.post("/tickets/{ref}/category", response=RESPONSE, summary="Категория и её дополнительные поля")
def change_category(request: HttpRequest, ref: str, payload: CategoryIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    category = category_by_id(payload.category_id, field="category_id") if payload.category_id is not None else None
    return _answer(
        request,
        tickets.change_category(actor=user, ticket=ticket, category=category, custom_fields=payload.custom_fields),
    )


@router.post("/tickets/{ref}/custom-fields", response=RESPONSE, summary="Заполнить дополнительные поля")
def set_custom_fields(request: HttpRequest, ref: str, payload: CustomFieldsIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, tickets.set_custom_fields(actor=user, ticket=ticket, values=payload.custom_fields))


@router.post("/tickets/{ref}/tags", response=RESPONSE, summary="Заменить метки")
def set_tags(request: HttpRequest, ref: str, payload: TagsIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, tickets.set_tags(actor=user, ticket=ticket, tags=payload.tags))


@router.post("/tickets/{ref}/merge", response=RESPONSE, summary="Объединить с другой заявкой (ответ — итоговая)")
def merge(request: HttpRequest, ref: str, payload: MergeIn) -> TicketResponse:
    user = actor(request)
    source = selectors.get_ticket_for(user, ref)
    target = selectors.get_ticket_for(user, payload.into)
    return _answer(request, relations.merge_tickets(actor=user, source=source, target=target))


@router.post(
    "/tickets/{ref}/split",
    response={201: TicketResponse, **ERRORS},
    summary="Выделить сообщения в новую заявку (ответ — новая)",
)
def split(request: HttpRequest, ref: str, payload: SplitIn) -> Status[TicketResponse]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    new = relations.split_ticket(actor=user, ticket=ticket, message_ids=payload.message_ids, subject=payload.subject)
    return Status(201, _answer(request, new))


@router.post("/tickets/{ref}/links", response={201: TicketLinkOut, **ERRORS}, summary="Связать с другой заявкой")
def link(request: HttpRequest, ref: str, payload: LinkIn) -> Status[TicketLinkOut]:
    user = actor(request)
    source = selectors.get_ticket_for(user, ref)
    target = selectors.get_ticket_for(user, payload.target)
    created = relations.link_tickets(actor=user, source=source, target=target, kind=payload.kind)
    return Status(201, presenters.ticket_link(created, outgoing=True))


@router.delete("/tickets/{ref}/links/{link_id}", response={204: None, **ERRORS}, summary="Удалить связь")
def unlink(request: HttpRequest, ref: str, link_id: PathId) -> Status[None]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    # The link must hang off the ticket in the path; the service checks who may remove it.
    if not TicketLink.objects.filter(Q(source_id=ticket.pk) | Q(target_id=ticket.pk), pk=link_id).exists():
        raise NotFound("Связь не найдена")
    relations.unlink_tickets(actor=user, link_id=link_id)
    return Status(204, None)


@router.post("/tickets/{ref}/watchers", response=RESPONSE, summary="Подписать наблюдателя (по умолчанию себя)")
def add_watcher(request: HttpRequest, ref: str, payload: WatcherIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    watcher = user_by_id(payload.user_id, field="user_id") if payload.user_id is not None else user
    relations.add_watcher(actor=user, ticket=ticket, user=watcher)
    return _answer(request, ticket)


@router.delete("/tickets/{ref}/watchers/{user_id}", response=RESPONSE, summary="Отписать наблюдателя")
def remove_watcher(request: HttpRequest, ref: str, user_id: PathId) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    relations.remove_watcher(actor=user, ticket=ticket, user=user_by_id(user_id, field="user_id"))
    return _answer(request, ticket)


@router.post("/tickets/{ref}/reopen", response=RESPONSE, summary="Переоткрыть")
def reopen(request: HttpRequest, ref: str, payload: ReasonIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, workflow.reopen_ticket(actor=user, ticket=ticket, reason=payload.reason))


@router.post("/tickets/{ref}/resolve", response=RESPONSE, summary="Решить")
def resolve(request: HttpRequest, ref: str, payload: ResolveIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(
        request,
        workflow.resolve_ticket(
            actor=user,
            ticket=ticket,
            resolution_code=payload.resolution_code,
            resolution_note=payload.resolution_note,
        ),
    )


@router.post("/tickets/{ref}/close", response=RESPONSE, summary="Закрыть решённую")
def close(request: HttpRequest, ref: str) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, workflow.close_ticket(actor=user, ticket=ticket))


@router.post("/tickets/{ref}/cancel", response=RESPONSE, summary="Отменить")
def cancel(request: HttpRequest, ref: str, payload: CancelIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    return _answer(request, workflow.cancel_ticket(actor=user, ticket=ticket, reason=payload.reason))


@router.post("/tickets/{ref}/rating", response={201: RatingOut, **ERRORS}, summary="Оценить решение (клиент)")
def rate(request: HttpRequest, ref: str, payload: RatingIn) -> Status[RatingOut]:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    given = rating.rate_ticket(actor=user, ticket=ticket, score=payload.score, comment=payload.comment)
    return Status(201, RatingOut(score=given.score, comment=given.comment, created_at=given.created_at))
