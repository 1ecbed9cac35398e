"""The workforce HTTP API, mounted by ``hotline.api`` at ``/api/workforce``: my state, a team's roster and its
staffing intervals, and the Erlang C calculation itself."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, P, PathEx, Query, Router, Schema

from hotline.core import roles
from hotline.core.errors import Forbidden, NotFound
from hotline.core.models import User
from hotline.desk.schemas import MAX_ID, ErrorOut
from hotline.workforce import permissions, selectors
from hotline.workforce.models import StateSource, Team
from hotline.workforce.services import states
from hotline.workforce.staffing import StaffingResult, evaluate_agents, required_agents

router = Router(tags=["workforce"])
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PathId = PathEx[int, P(ge=1, le=MAX_ID)]


def _actor(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not roles.is_agent(user):
        raise NotFound("Не найдено")
    return user


def _team(request: HttpRequest, team_id: int) -> Team:
    user = _actor(request)
    if not permissions.can_manage_roster(user):
        raise Forbidden("Расписанием управляет руководитель")
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("Команда не найдена")
    return team


class StateIn(Schema):
    state: str


class StateOut(Schema):
    state: str
    since: dt.datetime
    source: str


class ShiftOut(Schema):
    id: int
    user_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    break_minutes: int
    note: str


class ResultOut(Schema):
    traffic_erlangs: float
    agents: int
    service_level: float
    asa_s: float | None
    occupancy: float
    probability_wait: float
    staff: int
    stable: bool


class IntervalOut(Schema):
    start: dt.datetime
    calls: float
    rostered: int
    gap: int
    status: str
    result: ResultOut


class StaffingOut(Schema):
    team_id: int
    day: dt.date
    aht_s: float
    aht_source: str
    intervals: list[IntervalOut]


class Period(Schema):
    start: dt.date | None = None
    days: int = Field(7, ge=1, le=62)


class ErlangQuery(Schema):
    calls: float = Field(..., ge=0, le=1e9)
    interval_s: float = Field(1800, gt=0, le=86400)
    aht_s: float = Field(..., gt=0, le=86400)
    target: float = Field(0.8, gt=0, lt=1)
    answer_s: float = Field(20, ge=0, le=86400)
    agents: int | None = Field(None, ge=1, le=1_000_000)
    shrinkage: float = Field(0.0, ge=0, lt=1)


def _result(r: StaffingResult) -> dict[str, Any]:
    return {
        "traffic_erlangs": r.traffic_erlangs,
        "agents": r.agents,
        "service_level": r.service_level,
        "asa_s": r.asa_s,
        "occupancy": r.occupancy,
        "probability_wait": r.probability_wait,
        "staff": r.staff,
        "stable": r.stable,
    }


@router.get("/state", response={200: StateOut, **ERRORS}, summary="Моё состояние")
def get_state(request: HttpRequest) -> Any:
    return states.current_state(_actor(request))


@router.post("/state", response={200: StateOut, **ERRORS}, summary="Сменить своё состояние")
def set_state(request: HttpRequest, payload: StateIn) -> Any:
    user = _actor(request)
    return states.set_agent_state(actor=user, agent=user, state=payload.state, source=StateSource.UI)


@router.get("/erlang-c", response={200: ResultOut, **ERRORS}, summary="Эрланг C: операторы для уровня сервиса")
def erlang_c(request: HttpRequest, query: Query[ErlangQuery]) -> Any:
    _actor(request)
    if query.agents is None:
        result = required_agents(
            calls=query.calls,
            interval_s=query.interval_s,
            aht_s=query.aht_s,
            target=query.target,
            answer_s=query.answer_s,
            shrinkage=query.shrinkage,
        )
    else:
        result = evaluate_agents(
            calls=query.calls,
            interval_s=query.interval_s,
            aht_s=query.aht_s,
            agents=query.agents,
            answer_s=query.answer_s,
            shrinkage=query.shrinkage,
        )
    return _result(result)


@router.get("/teams/{team_id}/shifts", response={200: list[ShiftOut], **ERRORS}, summary="Смены команды за период")
def shifts(request: HttpRequest, period: Query[Period], team_id: PathId) -> Any:
    team = _team(request, team_id)
    zone = selectors.team_zone(team)
    first = period.start or timezone.localtime(timezone.now(), zone).date()
    since = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    until = since + dt.timedelta(days=period.days)
    return list(team.shifts.filter(starts_at__lt=until, ends_at__gt=since).order_by("starts_at", "pk")[:5000])


@router.get(
    "/teams/{team_id}/staffing", response={200: StaffingOut, **ERRORS}, summary="Прогноз и численность по получасам"
)
def staffing(request: HttpRequest, team_id: PathId, day: dt.date | None = None) -> Any:
    team = _team(request, team_id)
    when = day or timezone.localtime(timezone.now(), selectors.team_zone(team)).date()
    view = selectors.staffing_view(team, when)
    return {
        "team_id": team.pk,
        "day": when,
        "aht_s": view.aht_s,
        "aht_source": view.aht_source,
        "intervals": [
            {
                "start": r.start,
                "calls": r.calls,
                "rostered": r.rostered,
                "gap": r.gap,
                "status": r.status,
                "result": _result(r.result),
            }
            for r in view.rows
        ],
    }
