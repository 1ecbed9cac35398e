"""The SLA HTTP API, mounted by ``hotline.api`` at ``/api/sla``: ticket SLA state, the policies, compliance.

Thin: parse, check access (tickets through the desk's access selectors), call a selector or service, shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from hotline.core import roles
from hotline.core.errors import Forbidden, NotFound, ValidationFailed
from hotline.core.models import BusinessCalendar, User
from hotline.customers.models import Organisation
from hotline.customers.models import Tag as CustomerTag
from hotline.desk import selectors as desk_selectors
from hotline.desk.choices import OPEN_STATUSES
from hotline.desk.models import Category, Queue
from hotline.desk.schemas import ErrorOut
from hotline.sla import selectors
from hotline.sla.models import SlaPolicy
from hotline.sla.services import policies

router = Router(tags=["sla"])
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIST_MAX = 200


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _ensure_agent(user: User) -> None:
    if not roles.is_agent(user):
        raise NotFound("Не найдено")


# --- schemas ----------------------------------------------------------------------------------------------------
class TimerOut(Schema):
    id: int
    kind: str
    state: str
    status: str
    target_minutes: int
    due_at: dt.datetime | None
    minutes_left: int | None = Field(description="Рабочие минуты до срока; отрицательные — просрочено")
    elapsed_minutes: int
    breached_at: dt.datetime | None
    stopped_at: dt.datetime | None


class TimerEventOut(Schema):
    at: dt.datetime
    timer_id: int
    kind: str
    action: str
    note: str
    due_at: dt.datetime | None
    elapsed_minutes: int
    actor_id: int | None


class SlaStateOut(Schema):
    ticket_id: int
    number: str
    state: str = Field(description="none, on_track, at_risk, breached, paused, met")
    state_label: str
    kind: str | None
    due_at: dt.datetime | None
    minutes_left: int | None
    policy_id: int | None
    policy_name: str


class TicketSlaOut(SlaStateOut):
    timers: list[TimerOut]
    history: list[TimerEventOut]


class TicketSlaListOut(Schema):
    items: list[SlaStateOut]


class SlaTicketFilters(Schema):
    state: str | None = Field(None, description="none, on_track, at_risk, breached, paused, met")
    queue_id: int | None = None
    assignee_id: int | None = None
    limit: int = Field(50, ge=1, le=LIST_MAX)


class PolicyIn(Schema):
    name: str
    description: str = ""
    is_active: bool = True
    order: int | None = None
    priorities: list[int] = []
    channels: list[str] = []
    queue_ids: list[int] = []
    category_ids: list[int] = []
    organisation_ids: list[int] = []
    customer_tag_ids: list[int] = []
    calendar_id: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warning_percent: int = 80
    notify_on_warning: bool = True
    notify_on_breach: bool = True
    raise_priority_to: int | None = None
    escalate_on_breach: bool = False


class PolicyOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    order: int
    priorities: list[int]
    channels: list[str]
    queue_ids: list[int]
    category_ids: list[int]
    organisation_ids: list[int]
    customer_tag_ids: list[int]
    calendar_id: int | None
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int
    notify_on_warning: bool
    notify_on_breach: bool
    raise_priority_to: int | None
    escalate_on_breach: bool


class PolicyOrderIn(Schema):
    policy_ids: list[int]


class ComplianceRowOut(Schema):
    key: dict[str, Any]
    labels: dict[str, str]
    total: int
    met: int
    breached: int
    percent: float | None


class ComplianceFilters(Schema):
    start: dt.date = Field(description="Первый день периода")
    end: dt.date = Field(description="День после периода")
    group_by: str = Field("queue", description="Через запятую: queue, line, agent, month, kind, policy")
    kind: str | None = None


# --- shaping ------------------------------------------------------------------------------------------------------
def _state_out(number: str, state: selectors.SlaState) -> dict[str, Any]:
    return {
        "ticket_id": state.ticket_id,
        "number": number,
        "state": state.state,
        "state_label": state.label,
        "kind": state.kind,
        "due_at": state.due_at,
        "minutes_left": state.minutes_left,
        "policy_id": state.policy_id,
        "policy_name": state.policy_name,
    }


def _policy_out(policy: SlaPolicy) -> dict[str, Any]:
    return {
        **{
            field: getattr(policy, field)
            for field in (
                "id",
                "name",
                "description",
                "is_active",
                "order",
                "priorities",
                "channels",
                "calendar_id",
                "first_response_minutes",
                "next_response_minutes",
                "resolution_minutes",
                "warning_percent",
                "notify_on_warning",
                "notify_on_breach",
                "raise_priority_to",
                "escalate_on_breach",
            )
        },
        "queue_ids": [q.pk for q in policy.queues.all()],
        "category_ids": [c.pk for c in policy.categories.all()],
        "organisation_ids": [o.pk for o in policy.organisations.all()],
        "customer_tag_ids": [t.pk for t in policy.customer_tags.all()],
    }


def _rows[M: Any](model: type[M], ids: list[int], *, field: str) -> list[M]:
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(f"Не найдено: #{missing[0]}", field=field)
    return [found[pk] for pk in dict.fromkeys(ids)]


def _policy_args(payload: PolicyIn) -> dict[str, Any]:
    calendar = None
    if payload.calendar_id is not None:
        calendar = BusinessCalendar.objects.filter(pk=payload.calendar_id).first()
        if calendar is None:
            raise ValidationFailed("Календарь не найден", field="calendar_id")
    return {
        **payload.model_dump(
            exclude={"queue_ids", "category_ids", "organisation_ids", "customer_tag_ids", "calendar_id"}
        ),
        "queues": _rows(Queue, payload.queue_ids, field="queue_ids"),
        "categories": _rows(Category, payload.category_ids, field="category_ids"),
        "organisations": _rows(Organisation, payload.organisation_ids, field="organisation_ids"),
        "customer_tags": _rows(CustomerTag, payload.customer_tag_ids, field="customer_tag_ids"),
        "calendar": calendar,
    }


def _policy(policy_id: int) -> SlaPolicy:
    policy = selectors.list_policies().filter(pk=policy_id).first()
    if policy is None:
        raise NotFound("Политика SLA не найдена")
    return policy


# --- tickets ------------------------------------------------------------------------------------------------------
@router.get("/tickets", response={200: TicketSlaListOut, **ERRORS}, summary="Открытые заявки по сроку SLA")
def list_ticket_states(request: HttpRequest, filters: Query[SlaTicketFilters]) -> dict[str, Any]:
    """The open tickets the agent sees, the most urgent first (tickets with no running clock last)."""
    user = _actor(request)
    _ensure_agent(user)
    tickets = desk_selectors.visible_tickets(user).filter(status__in=list(OPEN_STATUSES))
    if filters.queue_id is not None:
        tickets = tickets.filter(queue_id=filters.queue_id)
    if filters.assignee_id is not None:
        tickets = tickets.filter(assignee_id=filters.assignee_id)
    now = timezone.now()
    if filters.state:
        tickets = selectors.filter_by_sla_state(tickets, filters.state, now=now)
    page = list(selectors.order_by_sla_due(tickets).only("id")[: filters.limit])
    states = selectors.sla_state_for([t.pk for t in page], now=now)
    return {"items": [_state_out(t.number, states[t.pk]) for t in page]}


@router.get("/tickets/{ticket_ref}", response={200: TicketSlaOut, **ERRORS}, summary="SLA заявки")
def get_ticket_state(request: HttpRequest, ticket_ref: str) -> dict[str, Any]:
    """State, every timer and the history of pauses, resumes, warnings and breaches (staff only)."""
    user = _actor(request)
    _ensure_agent(user)
    ticket = desk_selectors.get_ticket_for(user, ticket_ref)
    state = selectors.sla_state_for([ticket.pk])[ticket.pk]
    kinds = {timer.timer_id: timer.kind for timer in state.timers}
    history = [
        {
            "at": event.at,
            "timer_id": event.timer_id,
            "kind": kinds.get(event.timer_id, event.timer.kind),
            "action": event.action,
            "note": event.note,
            "due_at": event.due_at,
            "elapsed_minutes": event.elapsed_seconds // 60,
            "actor_id": event.actor_id,
        }
        for event in selectors.timer_history(ticket.pk)
    ]
    timers = [{**vars(timer), "id": timer.timer_id} for timer in state.timers]
    return {**_state_out(ticket.number, state), "timers": timers, "history": history}


# --- policies -----------------------------------------------------------------------------------------------------
@router.get("/policies", response={200: list[PolicyOut], **ERRORS}, summary="Политики SLA по порядку проверки")
def list_policy_rows(request: HttpRequest) -> list[dict[str, Any]]:
    _ensure_agent(_actor(request))
    return [_policy_out(policy) for policy in selectors.list_policies()]


@router.get("/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS}, summary="Политика SLA")
def get_policy(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    _ensure_agent(_actor(request))
    return _policy_out(_policy(policy_id))


@router.post("/policies", response={201: PolicyOut, **ERRORS}, summary="Создать политику SLA (администратор)")
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[dict[str, Any]]:
    policy = policies.save_policy(actor=_actor(request), **_policy_args(payload))
    return Status(201, _policy_out(_policy(policy.pk)))


@router.put("/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS}, summary="Изменить политику SLA")
def update_policy(request: HttpRequest, policy_id: int, payload: PolicyIn) -> dict[str, Any]:
    user = _actor(request)
    if not roles.is_admin(user):
        raise Forbidden("Политики SLA настраивает администратор")
    policy = policies.save_policy(actor=user, policy=_policy(policy_id), **_policy_args(payload))
    return _policy_out(_policy(policy.pk))


@router.delete("/policies/{int:policy_id}", response={204: None, **ERRORS}, summary="Удалить неиспользованную политику")
def delete_policy(request: HttpRequest, policy_id: int) -> Status[None]:
    user = _actor(request)
    if not roles.is_admin(user):
        raise Forbidden("Политики SLA настраивает администратор")
    policies.delete_policy(actor=user, policy=_policy(policy_id))
    return Status(204, None)


@router.post("/policies/order", response={200: list[PolicyOut], **ERRORS}, summary="Порядок проверки политик")
def order_policies(request: HttpRequest, payload: PolicyOrderIn) -> list[dict[str, Any]]:
    policies.reorder_policies(actor=_actor(request), policy_ids=payload.policy_ids)
    return [_policy_out(policy) for policy in selectors.list_policies()]


# --- compliance ---------------------------------------------------------------------------------------------------
@router.get("/compliance", response={200: list[ComplianceRowOut], **ERRORS}, summary="Соблюдение SLA")
def get_compliance(request: HttpRequest, filters: Query[ComplianceFilters]) -> list[dict[str, Any]]:
    """Met and breached timers decided in the period, grouped (supervisors and administrators)."""
    user = _actor(request)
    if not roles.is_supervisor(user):
        raise Forbidden("Показатели SLA видят руководители и администраторы")
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(filters.end, dt.time.min, tzinfo=zone)
    group_by = [part.strip() for part in filters.group_by.split(",") if part.strip()]
    queue_ids = None
    if not roles.is_admin(user):
        queue_ids = list(desk_selectors.my_queues(user).values_list("pk", flat=True))
    rows = selectors.compliance(start=start, end=end, group_by=group_by, kind=filters.kind, queue_ids=queue_ids)
    return [{**vars(row), "percent": row.percent} for row in rows]


__all__ = ["router"]
