"""The workforce API at /api/workforce: my state, the Erlang C calculation, a team's staffing and shifts."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory, SupervisorFactory
from hotline.desk.tests.api_client import Api
from hotline.workforce.services import roster
from hotline.workforce.services.roster import TeamInput


@pytest.fixture
def supervisor(db: None) -> User:
    return SupervisorFactory.create(username="boss")


def test_my_state_over_the_api(db: None) -> None:
    agent = Api.token(OperatorFactory.create())
    assert agent.get("/api/workforce/state").json()["state"] == "offline"
    assert agent.post("/api/workforce/state", {"state": "available"}).json()["state"] == "available"
    bad = agent.post("/api/workforce/state", {"state": "asleep"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "state"


def test_erlang_c_endpoint_gives_the_published_figures(db: None) -> None:
    api = Api.token(OperatorFactory.create())
    body = api.get(
        "/api/workforce/erlang-c", {"calls": 100, "aht_s": 180, "target": 0.8, "answer_s": 20, "shrinkage": 0.3}
    ).json()
    assert body["agents"] == 14
    assert body["staff"] == 20
    assert body["service_level"] == pytest.approx(0.888, abs=0.0005)
    assert body["occupancy"] == pytest.approx(0.714, abs=0.0005)
    thin = api.get("/api/workforce/erlang-c", {"calls": 100, "aht_s": 180, "agents": 8}).json()
    assert thin["stable"] is False
    assert api.get("/api/workforce/erlang-c", {"calls": 100, "aht_s": 0}).status_code == 422


def test_a_teams_staffing_and_shifts(supervisor: User) -> None:
    agent = OperatorFactory.create()
    team = roster.save_team(
        actor=supervisor, data=TeamInput(name="Ночные", time_zone="Asia/Novosibirsk", member_ids=[agent.pk])
    )
    zone = ZoneInfo("Asia/Novosibirsk")
    roster.create_shift(
        actor=supervisor,
        team=team,
        user=agent,
        starts_at=datetime.combine(date(2026, 3, 2), time(22), tzinfo=zone),
        ends_at=datetime.combine(date(2026, 3, 3), time(8), tzinfo=zone),
    )
    boss = Api.token(supervisor)
    body = boss.get(f"/api/workforce/teams/{team.pk}/staffing", {"day": "2026-03-02"}).json()
    assert len(body["intervals"]) == 48
    assert body["intervals"][-1]["rostered"] == 1
    assert body["intervals"][-1]["status"] == "over"
    shifts = boss.get(f"/api/workforce/teams/{team.pk}/shifts", {"start": "2026-03-02", "days": 2}).json()
    assert len(shifts) == 1
    assert Api.token(agent).get(f"/api/workforce/teams/{team.pk}/staffing").status_code == 403
