"""Tickets: open (idempotent), list with filters and a cursor, read, edit subject/description."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import HeaderEx, P, Query, Router, Status

from hotline.core.pagination import paginate
from hotline.desk import selectors
from hotline.desk.api import presenters
from hotline.desk.api.common import (
    ERRORS,
    actor,
    category_by_id,
    contact_by_id,
    organisation_by_id,
    queue_by_id,
    user_by_id,
)
from hotline.desk.schemas import (
    CustomerTicketOut,
    TicketCreateIn,
    TicketDetailOut,
    TicketFilters,
    TicketPageOut,
    TicketUpdateIn,
)
from hotline.desk.services.tickets import open_ticket, update_ticket

router = Router(tags=["tickets"])

TicketResponse = TicketDetailOut | CustomerTicketOut


@router.post(
    "/tickets",
    response={200: TicketResponse, 201: TicketResponse, **ERRORS},
    summary="Открыть заявку",
    description=(
        "С заголовком `Idempotency-Key` повтор того же запроса вернёт уже созданную заявку (200), "
        "а не создаст вторую; тот же ключ с другим телом — 409."
    ),
)
def create_ticket(
    request: HttpRequest,
    payload: TicketCreateIn,
    idempotency_key: HeaderEx[str | None, P(alias="Idempotency-Key")] = None,
) -> Status[TicketResponse]:
    user = actor(request)
    started = timezone.now()
    ticket = open_ticket(
        actor=user,
        subject=payload.subject,
        description=payload.description,
        channel=payload.channel,
        contact=contact_by_id(user, payload.contact_id, field="contact_id") if payload.contact_id else None,
        organisation=(
            organisation_by_id(user, payload.organisation_id, field="organisation_id")
            if payload.organisation_id
            else None
        ),
        queue=queue_by_id(payload.queue_id, field="queue_id") if payload.queue_id else None,
        category=category_by_id(payload.category_id, field="category_id") if payload.category_id else None,
        impact=payload.impact,
        urgency=payload.urgency,
        tags=payload.tags,
        custom_fields=payload.custom_fields,
        assignee=user_by_id(payload.assignee_id, field="assignee_id") if payload.assignee_id else None,
        idempotency_key=idempotency_key,
    )
    # A replayed key returns the ticket the first request made, before this request began.
    created = ticket.created_at >= started
    return Status(201 if created else 200, presenters.ticket_detail(user, ticket))


@router.get("/tickets", response={200: TicketPageOut, **ERRORS}, summary="Список заявок")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> TicketPageOut:
    user = actor(request)
    queryset = selectors.list_tickets(
        user,
        status=[s for value in filters.status for s in value.split(",") if s] or None,
        queue_id=filters.queue,
        assignee_id=user.pk if filters.assignee == "me" else filters.assignee_id,
        unassigned=filters.assignee == "none",
        contact_id=filters.contact,
        organisation_id=filters.organisation,
        priority=filters.priority,
        category_id=filters.category,
        channel=filters.channel,
        tag=filters.tag,
        created_from=filters.created_from,
        created_to=filters.created_to,
        q=filters.q or None,
        open_only=filters.open,
    )
    # The customer shape shows the rating; joined here so a page stays one query however long.
    page = paginate(
        queryset.select_related("rating"), order_by="-created_at", cursor=filters.cursor, limit=filters.limit
    )
    return TicketPageOut(
        items=[presenters.ticket_list_item(user, ticket) for ticket in page.items], next_cursor=page.next_cursor
    )


@router.get("/tickets/{ref}", response={200: TicketResponse, **ERRORS}, summary="Заявка по id или номеру")
def get_ticket(request: HttpRequest, ref: str) -> TicketResponse:
    user = actor(request)
    return presenters.ticket_detail(user, selectors.get_ticket_for(user, ref))


@router.patch("/tickets/{ref}", response={200: TicketResponse, **ERRORS}, summary="Изменить тему или описание")
def patch_ticket(request: HttpRequest, ref: str, payload: TicketUpdateIn) -> TicketResponse:
    user = actor(request)
    ticket = selectors.get_ticket_for(user, ref)
    ticket = update_ticket(actor=user, ticket=ticket, subject=payload.subject, description=payload.description)
    return presenters.ticket_detail(user, ticket)
