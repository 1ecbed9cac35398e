"""Issue 2 «done»: through the HTTP API alone, take a phone request end to end.

A caller rings the 1st line. The operator finds them by the number on the screen (or creates them),
opens a ticket, and escalates it to the 2nd line; a specialist takes and resolves it; the customer,
signed in to the portal with a token, sees the answer (never the internal note) and rates it.
Only the organisation's set-up (queues, staff, the customer's portal login) is made directly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.core.tests.factories import AdminFactory, CustomerUserFactory, OperatorFactory, SpecialistFactory
from hotline.core.tokens import issue_token
from hotline.customers.models import Contact, ContactPhone
from hotline.desk.models import Queue, QueueMembership

pytestmark = pytest.mark.django_db


class Caller:
    """An API client as one person: a browser session for staff, a bearer token for the customer."""

    def __init__(self, user: User, *, token: bool = False) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            _, raw = issue_token(
                actor=AdminFactory.create(username=f"admin-for-{user.username}"), user=user, name="app"
            )
            self.headers["Authorization"] = f"Bearer {raw}"
        else:
            self.client.force_login(user)

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = self.client.get(path, params, headers=self.headers)
        assert response.status_code == expect, response.content.decode()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None, expect: int = 200, **headers: str) -> Any:
        response = self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers={**self.headers, **headers}
        )
        assert response.status_code == expect, response.content.decode()
        return response.json()


@pytest.fixture
def desk() -> dict[str, Any]:
    """The organisation: a default 1st line, a 2nd line, an operator and a specialist."""
    line1 = Queue.objects.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    line2 = Queue.objects.create(name="Вторая линия", slug="line-2", line_level=2)
    operator = OperatorFactory.create(username="operator", first_name="Ольга", last_name="Смирнова")
    specialist = SpecialistFactory.create(username="specialist", first_name="Павел", last_name="Иванов")
    QueueMembership.objects.create(queue=line1, user=operator)
    QueueMembership.objects.create(queue=line2, user=specialist)
    return {"line1": line1, "line2": line2, "operator": operator, "specialist": specialist}


@pytest.fixture
def portal_customer() -> User:
    """A resident with a portal login whose contact has the mobile the call comes from."""
    user = CustomerUserFactory.create(username="resident")
    contact = Contact.objects.create(last_name="Кузнецова", first_name="Мария", full_name="Кузнецова Мария", user=user)
    ContactPhone.objects.create(contact=contact, e164="+79123456789", is_primary=True)
    return user


def _escalate_and_resolve(desk: dict[str, Any], number: str) -> None:
    """The part of the journey after the ticket is open: line 1 escalates, line 2 resolves."""
    operator, specialist = Caller(desk["operator"]), Caller(desk["specialist"])
    operator.post(f"/api/tickets/{number}/take")
    operator.post(f"/api/tickets/{number}/notes", {"body_text": "Перезагрузка роутера не помогла"}, expect=201)
    escalated = operator.post(
        f"/api/tickets/{number}/escalate", {"reason": "Нужна проверка линии со стороны провайдера"}
    )
    assert escalated["queue"]["id"] == desk["line2"].pk
    assert escalated["escalation_level"] == 1

    # The specialist finds it among new and open work of the 2nd line and takes it.
    page = specialist.get("/api/tickets", queue=desk["line2"].pk, status="new,open")
    assert number in [item["number"] for item in page["items"]]
    taken = specialist.post(f"/api/tickets/{number}/take")
    assert taken["assignee"]["name"] == "Павел Иванов"
    specialist.post(
        f"/api/tickets/{number}/replies", {"body_text": "Линию восстановили, проверьте, пожалуйста"}, expect=201
    )
    resolved = specialist.post(
        f"/api/tickets/{number}/resolve",
        {"resolution_code": "solved", "resolution_note": "Заменён порт на коммутаторе"},
    )
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    assert resolved["first_response_at"] is not None


def test_known_caller_request_from_call_to_rating(desk: dict[str, Any], portal_customer: User) -> None:
    operator = Caller(desk["operator"])

    # 1. The call comes in from 8 (912) 345-67-89: the screen-pop finds the caller.
    found = operator.get("/api/contacts/lookup", phone="8 (912) 345-67-89")
    assert [c["full_name"] for c in found] == ["Кузнецова Мария"]
    contact_id = found[0]["id"]

    # 2. The operator opens a ticket while talking; a retried POST (flaky network) makes no second ticket.
    request = {
        "subject": "Нет интернета с утра",
        "description": "Роутер горит красным, перезагрузка не помогла",
        "channel": "phone",
        "contact_id": contact_id,
        "impact": 2,
        "urgency": 3,
    }
    opened = operator.post("/api/tickets", request, expect=201, **{"Idempotency-Key": "call-42"})
    retried = operator.post("/api/tickets", request, expect=200, **{"Idempotency-Key": "call-42"})
    assert retried["id"] == opened["id"]
    number = opened["number"]
    assert opened["queue"]["name"] == "Первая линия"
    assert opened["contact"]["full_name"] == "Кузнецова Мария"
    assert opened["priority_label"] == "высокий"

    # 3–4. Line 1 escalates, line 2 resolves.
    _escalate_and_resolve(desk, number)
    # The operator who escalated still sees how it ended.
    assert operator.get(f"/api/tickets/{number}")["status"] == "resolved"

    # 5. The customer, with the portal's token, sees the answer but not the staff's note, and rates it.
    customer = Caller(portal_customer, token=True)
    mine = customer.get("/api/tickets")["items"]
    assert [(t["number"], t["status"]) for t in mine] == [(number, "resolved")]
    assert "queue" not in mine[0]
    assert "assignee" not in mine[0]
    conversation = customer.get(f"/api/tickets/{number}/messages")
    texts = [m["body_text"] for m in conversation]
    assert "Линию восстановили, проверьте, пожалуйста" in texts
    assert "Перезагрузка роутера не помогла" not in texts
    rating = customer.post(f"/api/tickets/{number}/rating", {"score": 5, "comment": "Спасибо!"}, expect=201)
    assert rating["score"] == 5

    # The desk sees the rating and the whole path in the history.
    final = Caller(desk["specialist"]).get(f"/api/tickets/{number}")
    assert final["rating"]["score"] == 5
    actions = [entry["action"] for entry in operator.get(f"/api/tickets/{number}/history")]
    assert actions.index("opened") < actions.index("escalated") < actions.index("resolved") < actions.index("rated")


def test_new_caller_is_created_by_phone_and_their_request_resolved(desk: dict[str, Any]) -> None:
    operator = Caller(desk["operator"])

    # An unknown number: nobody found, so the operator creates the caller with that number.
    assert operator.get("/api/contacts/lookup", phone="+7 916 000-11-22") == []
    created = operator.post(
        "/api/contacts", {"full_name": "Орлов Сергей Петрович", "phones": ["+7 916 000-11-22"]}, expect=201
    )
    assert [c["id"] for c in operator.get("/api/contacts/lookup", phone="89160001122")] == [created["id"]]

    opened = operator.post(
        "/api/tickets",
        {"subject": "Не приходит квитанция", "channel": "phone", "contact_id": created["id"]},
        expect=201,
    )
    assert opened["contact"]["id"] == created["id"]
    _escalate_and_resolve(desk, opened["number"])

    # The caller's request is found again by their number on the next call.
    again = operator.get("/api/tickets", contact=created["id"])
    assert [(t["number"], t["status"]) for t in again["items"]] == [(opened["number"], "resolved")]
