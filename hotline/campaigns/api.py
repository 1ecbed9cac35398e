"""The campaigns HTTP API, mounted by ``hotline.api`` at ``/api/campaigns``.

Thin: parse, fetch through the access selectors, call a service or selector, shape. The same services as the UI.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from ninja import Field, P, PathEx, Query, Router, Schema, Status

from hotline.campaigns import permissions, selectors
from hotline.campaigns.choices import LeadStatus
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.models import Attempt, Campaign, ImportJob, Lead, Seat
from hotline.campaigns.selectors import Figures
from hotline.campaigns.services import campaigns as campaign_services
from hotline.campaigns.services import dialer, dnc, imports
from hotline.core import roles
from hotline.core.errors import Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk.schemas import MAX_ID, ErrorOut

router = Router(tags=["campaigns"])
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIST_MAX = 200
PathId = PathEx[int, P(ge=1, le=MAX_ID)]


def _actor(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not roles.is_agent(user):
        raise NotFound("Не найдено")
    return user


def _manager(request: HttpRequest) -> User:
    user = _actor(request)
    if not permissions.can_manage_campaigns(user):
        raise Forbidden("Кампаниями управляет руководитель")
    return user


# --- schemas ----------------------------------------------------------------------------------------------------
class CampaignIn(Schema):
    name: str = Field(..., max_length=160)
    code: str = Field(..., max_length=64)
    kind: str = "information"
    description: str = Field("", max_length=5000)
    script: str = Field("", max_length=20000)
    dialing_mode: str = "preview"
    gateway_id: int | None = Field(None, ge=1, le=MAX_ID)
    pbx_source_id: int | None = Field(None, ge=1, le=MAX_ID, description="Звонить через АТС телефонии (вместо шлюза)")
    caller_id: str = Field("", max_length=32)
    ring_timeout_s: int = Field(30, ge=5, le=300)
    max_attempts: int = Field(3, ge=1, le=50)
    default_retry_minutes: int = Field(120, ge=1, le=43200)
    workday_start: dt.time = dt.time(9)
    workday_end: dt.time = dt.time(21)
    dayoff_start: dt.time | None = dt.time(10)
    dayoff_end: dt.time | None = dt.time(19)
    callback_grace_minutes: int = Field(60, ge=0, le=10080)
    agent_ids: list[int] = []


class CampaignOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    status: str
    dialing_mode: str
    gateway_id: int | None
    pbx_source_id: int | None
    caller_id: str
    ring_timeout_s: int
    max_attempts: int
    default_retry_minutes: int
    workday_start: dt.time
    workday_end: dt.time
    dayoff_start: dt.time | None
    dayoff_end: dt.time | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class StatusIn(Schema):
    status: str


class FiguresOut(Schema):
    attempts: int
    leads: int
    connected: int
    contacts: int
    successes: int
    contact_rate: float
    conversion: float
    attempts_per_lead: float


class AgentFiguresOut(FiguresOut):
    agent: str


class DayFiguresOut(FiguresOut):
    day: dt.date


class StatsOut(Schema):
    total: FiguresOut
    by_agent: list[AgentFiguresOut]
    by_day: list[DayFiguresOut]
    leads_total: int


class LeadOut(Schema):
    id: int
    phone: str
    name: str
    external_id: str
    status: str
    attempts: int
    zones: list[str]
    zone_source: str
    retry_at: dt.datetime | None
    last_disposition: str | None


class Limit(Schema):
    limit: int = Field(50, ge=1, le=LIST_MAX)


class DncFilters(Limit):
    phone: str = Field("", max_length=40)


class LeadFilters(Schema):
    status: str | None = None
    limit: int = Field(50, ge=1, le=LIST_MAX)
    offset: int = Field(0, ge=0, le=10_000_000)


class RefusalOut(Schema):
    rule: str
    label: str
    message: str
    until: dt.datetime | None


class VerdictOut(Schema):
    lead_id: int
    eligible: bool
    zones: list[str]
    refusals: list[RefusalOut]


class SegmentIn(Schema):
    name: str = Field("", max_length=160)
    tag_ids: list[int] = []
    organisation_ids: list[int] = []


class ImportOut(Schema):
    id: int
    status: str
    total_rows: int
    processed_rows: int
    imported_rows: int
    rejected_rows: int
    percent: int
    call_list_id: int | None
    error: str


class DncIn(Schema):
    phone: str = Field(..., max_length=40)
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID)
    reason: str = Field("", max_length=255)


class DncOut(Schema):
    id: int
    phone: str
    campaign_id: int | None
    source: str
    reason: str
    created_at: dt.datetime


class JoinIn(Schema):
    campaign_id: int = Field(..., ge=1, le=MAX_ID)
    extension: str = Field("", max_length=32)


class SeatOut(Schema):
    campaign_id: int | None
    state: str
    lead: LeadOut | None
    attempt_id: int | None
    waiting_reason: str


class DispositionIn(Schema):
    disposition_id: int = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=2000)
    callback_at: dt.datetime | None = None


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "attempts": f.attempts,
        "leads": f.lead_count,
        "connected": f.connected,
        "contacts": f.contacts,
        "successes": f.successes,
        "contact_rate": f.contact_rate,
        "conversion": f.conversion,
        "attempts_per_lead": f.attempts_per_lead,
    }


def _lead(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "phone": lead.phone,
        "name": lead.name,
        "external_id": lead.external_id,
        "status": lead.status,
        "attempts": lead.attempts,
        "zones": [z for z in lead.zones.split(",") if z],
        "zone_source": lead.zone_source,
        "retry_at": lead.retry_at,
        "last_disposition": lead.last_disposition.code if lead.last_disposition else None,
    }


def _seat(user: User) -> dict[str, Any]:
    seat = Seat.objects.select_related("lead", "lead__last_disposition").filter(agent=user).first()
    if seat is None:
        return {"campaign_id": None, "state": "idle", "lead": None, "attempt_id": None, "waiting_reason": ""}
    return {
        "campaign_id": seat.campaign_id,
        "state": seat.state,
        "lead": _lead(seat.lead) if seat.lead else None,
        "attempt_id": seat.attempt_id,
        "waiting_reason": seat.waiting_reason,
    }


def _input(data: CampaignIn) -> campaign_services.CampaignInput:
    return campaign_services.CampaignInput(**data.dict())


# --- campaigns ---------------------------------------------------------------------------------------------------
@router.get("", response={200: list[CampaignOut], **ERRORS}, summary="Кампании, видимые пользователю")
def list_campaigns(request: HttpRequest, page: Query[Limit]) -> Any:
    return list(selectors.visible_campaigns(_actor(request)).order_by("-created_at", "-id")[: page.limit])


@router.post("", response={201: CampaignOut, **ERRORS}, summary="Создать кампанию (руководитель)")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    return Status(201, campaign_services.create_campaign(actor=_manager(request), data=_input(payload)))


@router.get("/dnc", response={200: list[DncOut], **ERRORS}, summary="Список «не звонить»")
def list_dnc(request: HttpRequest, filters: Query[DncFilters]) -> Any:
    _manager(request)
    return list(selectors.list_dnc(filters.phone)[: filters.limit])


@router.post("/dnc", response={201: DncOut, **ERRORS}, summary="Добавить номер в список «не звонить»")
def add_dnc(request: HttpRequest, payload: DncIn) -> Any:
    user = _manager(request)
    campaign = selectors.get_campaign_for(user, payload.campaign_id) if payload.campaign_id else None
    return Status(201, dnc.block_number(actor=user, phone=payload.phone, campaign=campaign, reason=payload.reason))


@router.delete("/dnc/{entry_id}", response={204: None, **ERRORS}, summary="Убрать номер из списка «не звонить»")
def remove_dnc(request: HttpRequest, entry_id: PathId) -> Any:
    dnc.unblock_number(actor=_manager(request), entry_id=entry_id)
    return Status(204, None)


@router.get("/imports/{job_id}", response={200: ImportOut, **ERRORS}, summary="Ход загрузки списка")
def get_import(request: HttpRequest, job_id: PathId) -> Any:
    job: ImportJob = selectors.get_import_for(_actor(request), job_id)
    return {**{f: getattr(job, f) for f in ImportOut.model_fields if f != "percent"}, "percent": job.percent}


@router.get(
    "/leads/{lead_id}/eligibility", response={200: VerdictOut, **ERRORS}, summary="Можно ли звонить сейчас и почему нет"
)
def lead_eligibility(request: HttpRequest, lead_id: PathId) -> Any:
    user = _actor(request)
    verdict = check_lead(selectors.get_lead_for(user, lead_id), agent=user)
    return {
        "lead_id": verdict.lead_id,
        "eligible": verdict.eligible,
        "zones": list(verdict.zones),
        "refusals": [
            {"rule": r.rule, "label": r.label, "message": r.message, "until": r.until} for r in verdict.refusals
        ],
    }


# --- the agent's seat ----------------------------------------------------------------------------------------------
@router.get("/seat", response={200: SeatOut, **ERRORS}, summary="Моё место в кампании")
def get_seat(request: HttpRequest) -> Any:
    return _seat(_actor(request))


@router.post("/seat/join", response={200: SeatOut, **ERRORS}, summary="Начать работу в кампании")
def join(request: HttpRequest, payload: JoinIn) -> Any:
    user = _actor(request)
    dialer.join_campaign(
        actor=user, campaign=selectors.get_campaign_for(user, payload.campaign_id), extension=payload.extension
    )
    return _seat(user)


@router.post("/seat/next", response={200: SeatOut, **ERRORS}, summary="Следующий абонент (предварительный просмотр)")
def next_lead(request: HttpRequest) -> Any:
    user = _actor(request)
    dialer.next_lead(actor=user)
    return _seat(user)


@router.post("/seat/leave", response={200: SeatOut, **ERRORS}, summary="Закончить работу в кампании")
def leave(request: HttpRequest) -> Any:
    user = _actor(request)
    dialer.leave_campaign(actor=user)
    return _seat(user)


@router.post("/leads/{lead_id}/dial", response={200: SeatOut, **ERRORS}, summary="Позвонить абоненту на просмотре")
def dial(request: HttpRequest, lead_id: PathId) -> Any:
    user = _actor(request)
    dialer.dial_lead(actor=user, lead=selectors.get_lead_for(user, lead_id))
    return _seat(user)


@router.post("/attempts/{attempt_id}/disposition", response={200: LeadOut, **ERRORS}, summary="Результат звонка")
def set_disposition(request: HttpRequest, payload: DispositionIn, attempt_id: PathId) -> Any:
    user = _actor(request)
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None or (attempt.agent_id != user.pk and not permissions.can_manage_campaigns(user)):
        raise NotFound("Звонок не найден")
    lead = dialer.set_disposition(
        actor=user,
        attempt=attempt,
        disposition_id=payload.disposition_id,
        note=payload.note,
        callback_at=payload.callback_at,
    )
    return _lead(Lead.objects.select_related("last_disposition").get(pk=lead.pk))


# --- one campaign ----------------------------------------------------------------------------------------------
@router.get("/{campaign_id}", response={200: CampaignOut, **ERRORS}, summary="Кампания")
def get_campaign(request: HttpRequest, campaign_id: PathId) -> Any:
    return selectors.get_campaign_for(_actor(request), campaign_id)


@router.post(
    "/{campaign_id}/status", response={200: CampaignOut, **ERRORS}, summary="Запустить, приостановить, завершить"
)
def change_status(request: HttpRequest, payload: StatusIn, campaign_id: PathId) -> Any:
    user = _manager(request)
    campaign: Campaign = selectors.get_campaign_for(user, campaign_id)
    return campaign_services.change_campaign_status(actor=user, campaign=campaign, status=payload.status)


@router.get("/{campaign_id}/stats", response={200: StatsOut, **ERRORS}, summary="Статистика кампании")
def stats(
    request: HttpRequest, campaign_id: PathId, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Any:
    campaign = selectors.get_campaign_for(_manager(request), campaign_id)
    data = selectors.campaign_stats(campaign, date_from=date_from, date_to=date_to)
    return {
        "total": _figures(data.total),
        "by_agent": [{"agent": name, **_figures(f)} for name, f in data.by_agent],
        "by_day": [{"day": day, **_figures(f)} for day, f in data.by_day],
        "leads_total": data.leads_total,
    }


@router.get("/{campaign_id}/leads", response={200: list[LeadOut], **ERRORS}, summary="Абоненты кампании")
def list_leads(request: HttpRequest, filters: Query[LeadFilters], campaign_id: PathId) -> Any:
    campaign = selectors.get_campaign_for(_manager(request), campaign_id)
    if filters.status and filters.status not in LeadStatus.values:
        raise ValidationFailed("Неизвестный статус", field="status")
    qs = selectors.list_leads(campaign, status=filters.status or "")
    return [_lead(lead) for lead in qs[filters.offset : filters.offset + filters.limit]]


@router.post(
    "/{campaign_id}/lists/segment",
    response={201: ImportOut, **ERRORS},
    summary="Список из контактов по меткам и организациям",
)
def segment(request: HttpRequest, payload: SegmentIn, campaign_id: PathId) -> Any:
    user = _manager(request)
    job = imports.build_segment_list(
        actor=user,
        campaign=selectors.get_campaign_for(user, campaign_id),
        name=payload.name,
        tag_ids=payload.tag_ids,
        organisation_ids=payload.organisation_ids,
    )
    job.refresh_from_db()
    return Status(
        201, {**{f: getattr(job, f) for f in ImportOut.model_fields if f != "percent"}, "percent": job.percent}
    )
