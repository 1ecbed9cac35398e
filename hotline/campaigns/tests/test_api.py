"""The campaigns API at /api/campaigns: the same services as the UI, domain errors as JSON, bounded lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline.campaigns.choices import LeadStatus
from hotline.campaigns.models import CallList, Campaign, DoNotCall
from hotline.campaigns.tests.factories import make_lead
from hotline.core.models import User
from hotline.desk.tests.api_client import Api

MSK = ZoneInfo("Europe/Moscow")


def test_a_supervisor_creates_and_starts_a_campaign_and_an_agent_works_it(supervisor: User, operator: User) -> None:
    boss = Api.token(supervisor)
    created = boss.post("/api/campaigns", {"name": "Опрос", "code": "survey-1", "kind": "survey"})
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    refused = boss.post(f"/api/campaigns/{campaign_id}/status", {"status": "running"})
    assert refused.status_code == 422  # no list yet
    assert refused.json()["code"] == "validation_failed"
    call_list = CallList.objects.create(campaign_id=campaign_id, name="Список", source="csv")
    lead = make_lead(call_list, "+74951111111")
    assert boss.post(f"/api/campaigns/{campaign_id}/status", {"status": "running"}).json()["status"] == "running"

    agent = Api.token(operator)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=MSK), tick=False):
        seat = agent.post("/api/campaigns/seat/join", {"campaign_id": campaign_id}).json()
        assert seat["state"] == "waiting"
        seat = agent.post("/api/campaigns/seat/next").json()
        assert seat["lead"]["phone"] == "+74951111111"
        seat = agent.post(f"/api/campaigns/leads/{lead.pk}/dial").json()
        assert seat["state"] == "dialing"
        done = Campaign.objects.get(pk=campaign_id).dispositions.get(code="survey_done")
        result = agent.post(f"/api/campaigns/attempts/{seat['attempt_id']}/disposition", {"disposition_id": done.pk})
    assert result.status_code == 200
    assert result.json()["status"] == LeadStatus.DONE
    stats = boss.get(f"/api/campaigns/{campaign_id}/stats").json()
    assert stats["total"]["attempts"] == 1
    assert stats["total"]["conversion"] == 1.0


def test_eligibility_names_the_rules(supervisor: User, debt_list: CallList) -> None:
    lead = make_lead(debt_list, "+74232123456")
    with time_machine.travel(datetime(2026, 3, 2, 16, 0, tzinfo=MSK), tick=False):
        body = Api.token(supervisor).get(f"/api/campaigns/leads/{lead.pk}/eligibility").json()
    assert body["eligible"] is False
    assert [r["rule"] for r in body["refusals"]] == ["calling_window"]
    assert body["zones"] == ["Asia/Vladivostok"]
    assert body["refusals"][0]["until"].startswith("2026-03-02T23:00:00")  # 09:00 there (campaign hours), in UTC


def test_agents_cannot_manage_and_customers_see_nothing(operator: User, info_campaign: Campaign) -> None:
    agent = Api.token(operator)
    assert agent.post("/api/campaigns", {"name": "x", "code": "x"}).status_code == 403
    assert agent.get(f"/api/campaigns/{info_campaign.pk}/stats").status_code == 403
    assert agent.get("/api/campaigns/dnc").status_code == 403
    assert Api.anonymous().get("/api/campaigns").status_code == 401


def test_dnc_over_the_api(supervisor: User) -> None:
    boss = Api.token(supervisor)
    bad = boss.post("/api/campaigns/dnc", {"phone": "не номер"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "phone"
    added = boss.post("/api/campaigns/dnc", {"phone": "8 495 111 11 11", "reason": "жалоба"})
    assert added.status_code == 201
    assert added.json()["phone"] == "+74951111111"
    assert boss.get("/api/campaigns/dnc", {"phone": "111"}).json()[0]["reason"] == "жалоба"
    assert boss.delete(f"/api/campaigns/dnc/{added.json()['id']}").status_code == 204
    assert not DoNotCall.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_lead_list_in_constant_queries(
    supervisor: User, info_campaign: Campaign, info_list: CallList, count: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        make_lead(info_list, f"+7495{i:07d}", last_disposition=info_campaign.dispositions.first())
    boss = Api.token(supervisor)
    with django_assert_max_num_queries(6):
        response = boss.get(f"/api/campaigns/{info_campaign.pk}/leads", {"limit": 200})
    assert len(response.json()) == count
    assert boss.get(f"/api/campaigns/{info_campaign.pk}/leads", {"status": "nonsense"}).status_code == 422
    assert boss.get(f"/api/campaigns/{info_campaign.pk}/leads", {"limit": 100000}).status_code == 422
