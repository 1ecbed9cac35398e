"""The SLA API at /api/sla: ticket state with history, the urgent-first list, policies, compliance."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytest_django import DjangoAssertNumQueries
from time_machine import TimeMachineFixture

from hotline.core.models import BusinessCalendar, User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel, Status
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import change_status
from hotline.desk.tests.api_client import Api
from hotline.sla.models import SlaPolicy
from hotline.sla.tests.factories import SlaPolicyFactory

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)


@pytest.fixture
def policy(round_the_clock: BusinessCalendar) -> SlaPolicy:
    return SlaPolicyFactory.create(
        name="Стандарт", calendar=round_the_clock, first_response_minutes=60, resolution_minutes=480
    )


def _open(operator: User, contact: Contact, queue: Queue) -> Ticket:
    return open_ticket(actor=operator, subject="Протечка", channel=Channel.PHONE, contact=contact, queue=queue)


def test_ticket_state_with_timers_and_history(
    policy: SlaPolicy, operator: User, contact: Contact, line1: Queue, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    ticket = _open(operator, contact, line1)
    time_machine.move_to(T0 + timedelta(minutes=30), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER)
    time_machine.move_to(T0 + timedelta(minutes=50), tick=False)
    change_status(actor=operator, ticket=ticket, status=Status.OPEN)
    time_machine.move_to(T0 + timedelta(minutes=60), tick=False)
    response = Api.session(operator).get(f"/api/sla/tickets/{ticket.number}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["kind"], body["minutes_left"]) == ("on_track", "first_response", 20)
    assert body["state_label"] == "в срок"
    assert {t["kind"] for t in body["timers"]} == {"first_response", "resolution"}
    assert [e["action"] for e in body["history"] if e["kind"] == "resolution"] == ["started", "paused", "resumed"]


def test_ticket_state_is_not_for_strangers_or_customers(
    policy: SlaPolicy, operator: User, specialist: User, customer: User, contact: Contact, line1: Queue
) -> None:
    ticket = _open(operator, contact, line1)
    assert Api.session(specialist).get(f"/api/sla/tickets/{ticket.pk}").status_code == 404  # another line's ticket
    assert Api.session(customer).get(f"/api/sla/tickets/{ticket.pk}").status_code == 404
    assert Api.anonymous().get(f"/api/sla/tickets/{ticket.pk}").status_code == 401


def test_open_tickets_most_urgent_first_in_constant_queries(
    policy: SlaPolicy,
    operator: User,
    contact: Contact,
    line1: Queue,
    time_machine: TimeMachineFixture,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    tickets = []
    for minutes in (0, 30, 60, 90):
        time_machine.move_to(T0 + timedelta(minutes=minutes), tick=False)
        tickets.append(_open(operator, contact, line1))
    time_machine.move_to(T0 + timedelta(minutes=100), tick=False)
    api = Api.session(operator)
    api.get("/api/sla/tickets")  # warm the session and calendar caches
    with django_assert_max_num_queries(8):
        body = api.get("/api/sla/tickets").json()
    assert [row["ticket_id"] for row in body["items"]] == [t.pk for t in tickets]
    assert [row["state"] for row in body["items"]] == ["breached", "breached", "on_track", "on_track"]
    breached = api.get("/api/sla/tickets", {"state": "breached"}).json()["items"]
    assert [row["ticket_id"] for row in breached] == [tickets[0].pk, tickets[1].pk]  # first answers due at +60, +90
    bad = api.get("/api/sla/tickets", {"state": "soon"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "sla_state"


def test_policies_crud_and_order_for_admins(
    admin_user: User, operator: User, round_the_clock: BusinessCalendar, line1: Queue
) -> None:
    admin = Api.session(admin_user)
    created = admin.post(
        "/api/sla/policies",
        {
            "name": "VIP",
            "resolution_minutes": 120,
            "priorities": [1, 2],
            "queue_ids": [line1.pk],
            "calendar_id": round_the_clock.pk,
        },
    )
    assert created.status_code == 201, created.content
    vip = created.json()
    assert (vip["queue_ids"], vip["priorities"], vip["calendar_id"]) == ([line1.pk], [1, 2], round_the_clock.pk)
    other = admin.post("/api/sla/policies", {"name": "Общая", "resolution_minutes": 480}).json()
    ordered = admin.post("/api/sla/policies/order", {"policy_ids": [other["id"], vip["id"]]}).json()
    assert [p["name"] for p in ordered] == ["Общая", "VIP"]
    assert [p["name"] for p in Api.session(operator).get("/api/sla/policies").json()] == ["Общая", "VIP"]

    assert admin.post("/api/sla/policies", {"name": "Пустая"}).json()["field"] == "resolution_minutes"
    assert (
        admin.post("/api/sla/policies", {"name": "X", "resolution_minutes": 5, "queue_ids": [999999]}).status_code
        == 422
    )
    assert Api.session(operator).post("/api/sla/policies", {"name": "Моя", "resolution_minutes": 5}).status_code == 403
    assert admin.delete(f"/api/sla/policies/{other['id']}").status_code == 204
    assert admin.get(f"/api/sla/policies/{other['id']}").status_code == 404


def test_policy_with_timers_cannot_be_deleted(
    policy: SlaPolicy, admin_user: User, operator: User, contact: Contact, line1: Queue
) -> None:
    _open(operator, contact, line1)
    response = Api.session(admin_user).delete(f"/api/sla/policies/{policy.pk}")
    assert response.status_code == 409
    assert "действует" in response.json()["message"]


def test_compliance_for_supervisors(policy: SlaPolicy, supervisor: User, operator: User) -> None:
    response = Api.session(supervisor).get(
        "/api/sla/compliance", {"start": "2025-03-01", "end": "2025-04-01", "group_by": "queue,month"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == []
    assert (
        Api.session(operator).get("/api/sla/compliance", {"start": "2025-03-01", "end": "2025-04-01"}).status_code
        == 403
    )
    bad = Api.session(supervisor).get(
        "/api/sla/compliance", {"start": "2025-03-01", "end": "2025-04-01", "group_by": "hat"}
    )
    assert bad.status_code == 422
