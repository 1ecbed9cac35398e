"""The screen-pop: pushed to the agent whose phone rings (and only them), the caller's card, its actions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.customers.services import create_contact, create_organisation
from hotline.desk.models import Category, Message, Queue, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import CategoryFactory, DepartmentFactory
from hotline.telephony.models import Call, CallTransfer, Line, PbxSource
from hotline.telephony.services.extensions import claim_extension
from hotline.telephony.tests.conftest import states_for
from hotline.telephony.tests.helpers import call
from hotline.web.live import LiveConsumer

pytestmark = pytest.mark.django_db


def test_the_ringing_phone_s_agent_gets_the_push_and_nobody_else(
    operator: User, operator2: User, generic_source: PbxSource, pushes: list[dict[str, Any]]
) -> None:
    ringing = call(generic_source, extension="101", state="answered", call_id="c-1")
    assert states_for(pushes, operator) == ["answered"]
    assert states_for(pushes, operator2) == []
    call(generic_source, extension="101", state="answered_ended", call_id="c-1")
    assert states_for(pushes, operator)[-1] == "ended"
    assert all(p["call"] == ringing.pk for p in pushes)


def test_an_agent_at_another_desk_takes_its_extension(
    operator: User, operator2: User, generic_source: PbxSource, pushes: list[dict[str, Any]]
) -> None:
    claim_extension(actor=operator2, extension="101")
    operator.refresh_from_db()
    assert operator.phone_extension == ""
    call(generic_source, extension="101")
    assert states_for(pushes, operator2) == ["ringing"]
    assert states_for(pushes, operator) == []


def test_the_card_shows_the_caller_their_tickets_history_and_a_prefilled_request(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource
) -> None:
    organisation = create_organisation(actor=operator, name="ТСЖ «Берёзка»")
    caller.organisation = organisation
    caller.save(update_fields=["organisation"])
    # The same landline: the daughter is also a contact with it.
    create_contact(actor=operator, full_name="Иванова Мария", phones=["+7 912 345-67-89"])
    earlier = open_ticket(actor=operator, subject="Не работает домофон", channel="phone", contact=caller)
    Line.objects.create(number="+74951234567", name="Аварийная линия")
    ringing = call(generic_source)
    client.force_login(operator)
    html = client.get(f"/telephony/pop/{ringing.pk}/", {"state": "ringing"}).content.decode()
    assert "Иванова Анна Сергеевна" in html
    assert "ТСЖ «Берёзка»" in html
    assert "Этот номер есть у нескольких клиентов" in html
    assert "Иванова Мария" in html
    assert earlier.number in html  # open tickets
    assert "Последние обращения" in html
    assert "Новое обращение по этому звонку" in html
    assert "+79123456789" in html
    assert "Аварийная линия" in html


def test_an_unknown_number_is_offered_create_contact(client: Client, operator: User, generic_source: PbxSource) -> None:
    ringing = call(generic_source, number="+79990001122")
    client.force_login(operator)
    html = client.get(f"/telephony/pop/{ringing.pk}/").content.decode()
    assert "Номер не найден в базе клиентов" in html
    response = client.post(
        f"/telephony/calls/{ringing.pk}/contact/", {"full_name": "Сидоров Пётр"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    ringing.refresh_from_db()
    assert ringing.contact is not None
    assert ringing.contact.full_name == "Сидоров Пётр"
    assert list(ringing.contact.phones.values_list("e164", flat=True)) == ["+79990001122"]


def test_a_new_request_from_the_call_opens_a_ticket_in_the_line_s_queue(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource, line1: Queue
) -> None:
    emergency = DepartmentFactory.create(name="Аварийная служба")
    category: Category = CategoryFactory.create(name="Протечки")
    Line.objects.create(number="+74951234567", name="Аварийная линия", queue=emergency, category=category)
    ringing = call(generic_source, state="answered")
    client.force_login(operator)
    response = client.post(
        f"/telephony/calls/{ringing.pk}/request/",
        {
            "subject": "Течёт с потолка",
            "description": "Соседи сверху",
            "category": str(category.pk),
            "urgency": "3",
            "contact": str(caller.pk),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204, response.content
    ticket = Ticket.objects.get(subject="Течёт с потолка")
    assert response["HX-Redirect"] == f"/desk/t/{ticket.number}/?call={ringing.pk}"
    assert (ticket.queue_id, ticket.category_id, ticket.contact_id, ticket.channel) == (
        emergency.pk,
        category.pk,
        caller.pk,
        "phone",
    )
    ringing.refresh_from_db()
    assert ringing.ticket_id == ticket.pk


def test_a_request_without_a_subject_is_refused_beside_the_field(
    client: Client, operator: User, generic_source: PbxSource
) -> None:
    ringing = call(generic_source)
    client.force_login(operator)
    response = client.post(f"/telephony/calls/{ringing.pk}/request/", {"subject": " "}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "field-error" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_transfer_is_recorded_on_the_ticket_and_pops_the_receiving_agent_with_it(
    client: Client,
    operator: User,
    operator2: User,
    caller: Contact,
    generic_source: PbxSource,
    pushes: list[dict[str, Any]],
) -> None:
    ticket = open_ticket(actor=operator, subject="Перерасчёт за отопление", channel="phone", contact=caller)
    talking = call(generic_source, state="answered")
    talking.ticket = ticket
    talking.save(update_fields=["ticket"])
    client.force_login(operator)
    missing = client.post(
        f"/telephony/calls/{talking.pk}/transfer/",
        {"target": f"agent:{operator2.pk}", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert missing.status_code == 422
    response = client.post(
        f"/telephony/calls/{talking.pk}/transfer/",
        {"target": f"agent:{operator2.pk}", "reason": "Вопрос по перерасчёту — к Петрову"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    # The page's toast reads this header with JSON.parse: it must arrive as JSON, not MIME-encoded words.
    assert json.loads(response.headers["HX-Trigger"])["toast"]["text"] == "Звонок переведён, причина записана"
    transfer = CallTransfer.objects.get()
    assert (transfer.to_agent, transfer.reason, transfer.ticket_id) == (
        operator2,
        "Вопрос по перерасчёту — к Петрову",
        ticket.pk,
    )
    ticket.refresh_from_db()
    assert ticket.assignee == operator2
    note = Message.objects.filter(ticket=ticket, is_internal=True).last()
    assert note is not None
    assert "Вопрос по перерасчёту — к Петрову" in note.body_text
    pushed = [p for p in pushes if p["topic"] == f"phone:{operator2.pk}"]
    assert [(p["call"], p["state"], p["ticket"], p["name"]) for p in pushed] == [
        (talking.pk, "transferred", ticket.number, "Иванова Анна Сергеевна")
    ]
    client.force_login(operator2)
    card = client.get(f"/telephony/pop/{talking.pk}/", {"state": "transferred"}).content.decode()
    assert "Вам переведён звонок" in card
    assert f'data-ticket-url="/desk/t/{ticket.number}/?call={talking.pk}"' in card
    assert "Вопрос по перерасчёту — к Петрову" in card


def test_a_call_that_rang_while_the_agent_was_away_pops_when_a_page_opens(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource
) -> None:
    call(generic_source)
    client.force_login(operator)
    bar = client.get("/telephony/bar/").content.decode()
    assert 'id="pop-card"' in bar
    assert "Иванова Анна Сергеевна" in bar
    assert f'data-topic="phone:{operator.pk}"' in bar


def test_my_extension_setting(client: Client, operator: User, operator2: User) -> None:
    client.force_login(operator2)
    response = client.post("/telephony/extension/", {"extension": "101"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "доб. 101" in response.content.decode()
    operator.refresh_from_db()
    operator2.refresh_from_db()
    assert (operator.phone_extension, operator2.phone_extension) == ("", "101")
    assert client.post("/telephony/extension/", {"extension": "10 1; DROP"}).status_code == 422


class Socket(ApplicationCommunicator):
    def __init__(self, user: Any) -> None:
        scope = {"type": "websocket", "path": "/ws/live/", "headers": [], "subprotocols": [], "user": user}
        super().__init__(LiveConsumer.as_asgi(), scope)

    async def send_json(self, data: dict[str, Any]) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json(self, timeout: float = 3) -> dict[str, Any]:
        reply = await self.receive_output(timeout)
        data: dict[str, Any] = json.loads(reply["text"])
        return data


@pytest.mark.django_db(transaction=True)
def test_the_push_reaches_the_agent_s_socket_and_nobody_may_listen_to_another_agent(
    operator: User, operator2: User, caller: Contact, generic_source: PbxSource
) -> None:
    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        mine = Socket(operator)
        await mine.send_input({"type": "websocket.connect"})
        await mine.receive_output(3)
        await mine.send_json({"type": "subscribe", "topic": f"phone:{operator2.pk}"})
        denied = await mine.receive_json()
        await mine.send_json({"type": "subscribe", "topic": f"phone:{operator.pk}"})
        await mine.receive_json()
        ringing: Call = await sync_to_async(call)(generic_source)
        pushed = await mine.receive_json()
        assert pushed["call"] == ringing.pk
        await mine.send_input({"type": "websocket.disconnect", "code": 1000})
        await mine.wait(3)
        return denied, pushed

    denied, pushed = async_to_sync(run)()
    assert denied["type"] == "denied"
    assert (pushed["type"], pushed["topic"], pushed["state"]) == ("event", f"phone:{operator.pk}", "ringing")
