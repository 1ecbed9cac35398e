"""The telephony API: the call log with cursor pages, linking, transfers, callbacks, my extension."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory
from hotline.customers.models import Contact
from hotline.desk.services.tickets import open_ticket
from hotline.telephony.choices import CallbackStatus
from hotline.telephony.models import Callback, CallTransfer, PbxSource
from hotline.telephony.tests.helpers import call

pytestmark = pytest.mark.django_db


def test_the_call_log_pages_with_a_cursor_in_constant_queries(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource, django_assert_max_num_queries: object
) -> None:
    for index in range(7):
        call(generic_source, number=f"+7912000{index:04d}", state="answered_ended")
    client.force_login(operator)
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        first = client.get("/api/telephony/calls", {"limit": 5}).json()
    assert len(first["items"]) == 5
    rest = client.get("/api/telephony/calls", {"limit": 5, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 2
    assert rest["next_cursor"] is None
    assert {item["id"] for item in first["items"]}.isdisjoint({item["id"] for item in rest["items"]})
    one = client.get(f"/api/telephony/calls/{first['items'][0]['id']}").json()
    assert one["outcome"] == "answered"
    assert one["agent_id"] == operator.pk


def test_customers_and_strangers_get_nothing(client: Client, generic_source: PbxSource, operator: User) -> None:
    ringing = call(generic_source)
    assert client.get("/api/telephony/calls").status_code == 401
    client.force_login(CustomerUserFactory.create())
    assert client.get(f"/api/telephony/calls/{ringing.pk}").status_code == 404
    assert client.get("/api/telephony/calls/99999999999999999999").status_code in (404, 422)


def test_link_and_transfer_through_the_api(
    client: Client, operator: User, operator2: User, caller: Contact, generic_source: PbxSource
) -> None:
    talking = call(generic_source, state="answered")
    ticket = open_ticket(actor=operator, subject="Перерасчёт", channel="phone", contact=caller)
    client.force_login(operator)
    linked = client.post(
        f"/api/telephony/calls/{talking.pk}/link", {"ticket": ticket.number}, content_type="application/json"
    )
    assert linked.json()["ticket"] == ticket.number
    no_reason = client.post(
        f"/api/telephony/calls/{talking.pk}/transfer",
        {"to_agent_id": operator2.pk, "reason": " "},
        content_type="application/json",
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    done = client.post(
        f"/api/telephony/calls/{talking.pk}/transfer",
        {"to_agent_id": operator2.pk, "reason": "Тарифы — к Петрову"},
        content_type="application/json",
    )
    assert done.status_code == 201
    assert CallTransfer.objects.get().reason == "Тарифы — к Петрову"


def test_callbacks_and_my_extension(
    client: Client, operator: User, supervisor: User, generic_source: PbxSource
) -> None:
    call(generic_source, number="+79990001122", state="missed")
    callback = Callback.objects.get()
    client.force_login(operator)
    listed = client.get("/api/telephony/callbacks").json()
    assert [item["number"] for item in listed["items"]] == ["+79990001122"]
    assert (
        client.post(
            f"/api/telephony/callbacks/{callback.pk}/assign",
            {"assignee_id": operator.pk},
            content_type="application/json",
        ).status_code
        == 403
    )
    closed = client.post(
        f"/api/telephony/callbacks/{callback.pk}/close", {"result": "reached"}, content_type="application/json"
    )
    assert closed.json()["status"] == CallbackStatus.DONE
    again = client.post(
        f"/api/telephony/callbacks/{callback.pk}/close", {"result": "reached"}, content_type="application/json"
    )
    assert again.status_code == 409
    mine = client.put("/api/telephony/me/extension", {"extension": "205"}, content_type="application/json")
    assert mine.json() == {"user_id": operator.pk, "extension": "205"}
    bad = client.put("/api/telephony/me/extension", {"extension": "2 0 5!"}, content_type="application/json")
    assert (bad.status_code, bad.json()["field"]) == (422, "extension")
