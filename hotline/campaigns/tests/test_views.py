"""A supervisor runs a campaign end to end in the UI; list pages keep a constant number of queries."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from hotline.campaigns.choices import CampaignStatus, LeadStatus, SeatState
from hotline.campaigns.models import Attempt, Callback, CallList, Campaign, DoNotCall, ImportJob, Lead, Seat
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory, make_lead
from hotline.core.models import User

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
MSK = ZoneInfo("Europe/Moscow")


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_a_supervisor_runs_a_campaign_end_to_end(
    client: Client, supervisor: User, operator: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 11, 0, tzinfo=MSK), tick=False):
        sup = login(Client(), supervisor)
        # Create.
        response = sup.post(
            reverse("campaigns:new"),
            {
                "name": "Напоминание о долге, март",
                "code": "debt-march",
                "kind": "debt",
                "dialing_mode": "preview",
                "max_attempts": 3,
                "default_retry_minutes": 60,
                "workday_start": "08:00",
                "workday_end": "21:00",
                "dayoff_start": "10:00",
                "dayoff_end": "18:00",
                "callback_grace_minutes": 30,
                "script": "Здравствуйте, {name}! Задолженность по счёту {external_id}: {Сумма} руб.",
            },
        )
        campaign = Campaign.objects.get(code="debt-march")
        assert response.status_code == 302
        assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
        assert campaign.dispositions.filter(code="promise_to_pay", is_success=True).exists()

        # Hours outside 230-ФЗ are refused next to the field.
        bad = sup.post(
            reverse("campaigns:new"),
            {
                "name": "x",
                "code": "x",
                "kind": "debt",
                "dialing_mode": "preview",
                "max_attempts": 3,
                "default_retry_minutes": 60,
                "workday_start": "07:00",
                "workday_end": "21:00",
                "callback_grace_minutes": 0,
            },
        )
        assert bad.status_code == 422
        assert "230-ФЗ" in bad.content.decode()

        # Import a list: upload, map the columns, watch it finish, read the report.
        csv_data = "Телефон;ФИО;Лицевой счёт;Сумма\n+7 495 111-11-11;Иванов И. И.;LS-1;1500\nмусор;Петров;LS-2;10\n"
        response = sup.post(
            reverse("campaigns:import", args=[campaign.pk]),
            {"file": SimpleUploadedFile("list.csv", csv_data.encode())},
        )
        job = ImportJob.objects.get(campaign=campaign)
        assert response["Location"] == reverse("campaigns:import_job", args=[job.pk])
        page = sup.get(reverse("campaigns:import_job", args=[job.pk])).content.decode()
        assert "Какой столбец что содержит" in page
        with django_capture_on_commit_callbacks(execute=True):
            sup.post(
                reverse("campaigns:import_job", args=[job.pk]),
                {"list_name": "Март", "map_phone": "Телефон", "map_name": "ФИО", "map_external_id": "Лицевой счёт"},
            )
        report = sup.get(reverse("campaigns:import_job", args=[job.pk])).content.decode()
        assert "Отклонённые строки" in report
        assert "неверный номер" in report
        rejected_csv = sup.get(reverse("campaigns:import_rejections", args=[job.pk]))
        assert "мусор" in rejected_csv.content.decode("utf-8-sig")

        # Start.
        sup.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "running"})
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.RUNNING

        # An agent works the lead in preview: the card, the script with the list's values, the call, the result.
        agent = login(Client(), operator)
        agent.post(reverse("campaigns:join", args=[campaign.pk]))
        work = agent.get(reverse("campaigns:work")).content.decode()
        assert "+74951111111" in work
        assert "Здравствуйте, Иванов И. И.! Задолженность по счёту LS-1: 1500 руб." in work
        lead = Lead.objects.get(campaign=campaign)
        agent.post(reverse("campaigns:dial", args=[lead.pk]))
        attempt = Attempt.objects.get(lead=lead)
        assert Seat.objects.get(agent=operator).state == SeatState.DIALING
        promise = campaign.dispositions.get(code="promise_to_pay")
        agent.post(
            reverse("campaigns:disposition", args=[attempt.pk]), {"disposition": promise.pk, "note": "до пятницы"}
        )
        lead.refresh_from_db()
        assert lead.status == LeadStatus.DONE

        # Statistics and the XLSX export.
        stats = sup.get(reverse("campaigns:stats", args=[campaign.pk])).content.decode()
        assert "100%" in stats
        export = sup.get(reverse("campaigns:stats_export", args=[campaign.pk]))
        assert export["Content-Type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(export.content))
        summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]}
        assert summary["Попыток"] == 1
        assert summary["Успехов"] == 1
        assert summary["Конверсия"] == 1
        agents = list(book["По операторам"].iter_rows(values_only=True))
        assert agents[1][0] == operator.display_name
        assert agents[1][1] == 1


def test_an_agent_cannot_manage_campaigns(client: Client, operator: User, info_campaign: Campaign) -> None:
    agent = login(client, operator)
    assert agent.get(reverse("campaigns:new")).status_code == 403
    assert agent.get(reverse("campaigns:stats", args=[info_campaign.pk])).status_code == 403
    assert agent.get(reverse("campaigns:dnc")).status_code == 403
    assert agent.get(reverse("campaigns:work")).status_code == 200


def test_a_campaign_limited_to_other_agents_is_not_found(client: Client, operator: User, other_operator: User) -> None:
    campaign = CampaignFactory.create()
    campaign.agents.set([other_operator])
    lead = make_lead(CallListFactory.create(campaign=campaign), "+74951111111")
    agent = login(client, operator)
    assert agent.get(reverse("campaigns:lead", args=[lead.pk])).status_code == 404
    assert agent.post(reverse("campaigns:join", args=[campaign.pk])).status_code == 302
    assert not Seat.objects.filter(agent=operator, campaign=campaign).exists()


def test_the_lead_card_names_every_rule_that_holds_it_back(
    client: Client, supervisor: User, info_list: CallList
) -> None:
    lead = make_lead(info_list, "+74232123456")
    DoNotCall.objects.create(phone=lead.phone, source="callee")
    with time_machine.travel(datetime(2026, 3, 2, 18, 0, tzinfo=MSK), tick=False):
        page = login(client, supervisor).get(reverse("campaigns:lead", args=[lead.pk])).content.decode()
    assert "общий список «не звонить»" in page
    assert "вне разрешённого времени" in page
    assert "Asia/Vladivostok" in page


def test_dnc_page_adds_and_removes_numbers(client: Client, supervisor: User) -> None:
    sup = login(client, supervisor)
    response = sup.post(reverse("campaigns:dnc"), {"phone": "8 (495) 111-11-11", "reason": "жалоба"})
    assert response.status_code == 302
    entry = DoNotCall.objects.get()
    assert entry.phone == "+74951111111"
    bad = sup.post(reverse("campaigns:dnc"), {"phone": "abc"})
    assert bad.status_code == 422
    sup.post(reverse("campaigns:dnc_remove", args=[entry.pk]))
    assert not DoNotCall.objects.exists()


# --- query counts --------------------------------------------------------------------------------------------
def _many_campaigns(n: int) -> None:
    for _ in range(n):
        campaign = CampaignFactory.create()
        call_list = CallListFactory.create(campaign=campaign)
        for i in range(3):
            make_lead(call_list, f"+7495{campaign.pk:03d}{i:04d}")


@pytest.mark.parametrize("count", [2, 8])
def test_campaign_list_queries_do_not_grow(
    client: Client, supervisor: User, count: int, django_assert_max_num_queries: Any
) -> None:
    _many_campaigns(count)
    sup = login(client, supervisor)
    with django_assert_max_num_queries(8):
        assert sup.get(reverse("campaigns:list")).status_code == 200


@pytest.mark.parametrize("count", [3, 40])
def test_leads_page_queries_do_not_grow(
    client: Client,
    supervisor: User,
    info_campaign: Campaign,
    info_list: CallList,
    count: int,
    django_assert_max_num_queries: Any,
) -> None:
    disposition = info_campaign.dispositions.first()
    for i in range(count):
        make_lead(info_list, f"+7495{i:07d}", last_disposition=disposition, status=LeadStatus.RETRY)
    sup = login(client, supervisor)
    with django_assert_max_num_queries(9):
        assert sup.get(reverse("campaigns:leads", args=[info_campaign.pk])).status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_dnc_and_callbacks_pages_queries_do_not_grow(
    client: Client,
    supervisor: User,
    info_campaign: Campaign,
    info_list: CallList,
    count: int,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(count):
        DoNotCall.objects.create(
            phone=f"+7495{i:07d}", source="supervisor", created_by=supervisor, campaign=info_campaign if i % 2 else None
        )
        lead = make_lead(info_list, f"+7496{i:07d}")
        Callback.objects.create(lead=lead, agent=supervisor, due_at=datetime(2026, 3, 2, 12, 0, tzinfo=MSK))
    sup = login(client, supervisor)
    with django_assert_max_num_queries(8):
        assert sup.get(reverse("campaigns:dnc")).status_code == 200
    with django_assert_max_num_queries(8):
        assert sup.get(reverse("campaigns:callbacks")).status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_campaign_detail_and_stats_queries_do_not_grow(
    client: Client,
    supervisor: User,
    operator: User,
    info_campaign: Campaign,
    info_list: CallList,
    count: int,
    django_assert_max_num_queries: Any,
) -> None:
    informed = info_campaign.dispositions.get(code="informed")
    for i in range(count):
        lead = make_lead(info_list, f"+7495{i:07d}")
        Attempt.objects.create(
            lead=lead,
            campaign=info_campaign,
            agent=operator,
            debtor_key=lead.debtor_key,
            mode="preview",
            state="ended",
            phone=lead.phone,
            disposition=informed,
            connected=True,
        )
        CallListFactory.create(campaign=info_campaign)
    sup = login(client, supervisor)
    with django_assert_max_num_queries(16):
        assert sup.get(reverse("campaigns:detail", args=[info_campaign.pk])).status_code == 200
    with django_assert_max_num_queries(9):
        page = sup.get(reverse("campaigns:stats", args=[info_campaign.pk]))
    assert page.status_code == 200
    assert f"<td>{count}</td>" in page.content.decode()
