"""The live-update socket: who may listen to what, broadcasts after commit, presence between agents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from hotline.core.models import User
from hotline.desk.models import Queue, Ticket
from hotline.desk.services.messages import add_note
from hotline.web.live import LiveConsumer, broadcast

pytestmark = pytest.mark.django_db(transaction=True)


class WebsocketCommunicator(ApplicationCommunicator):
    """A WebSocket client for a consumer (channels.testing would pull in daphne just for this)."""

    def __init__(self, user: Any) -> None:
        scope = {"type": "websocket", "path": "/ws/live/", "headers": [], "subprotocols": [], "user": user}
        super().__init__(LiveConsumer.as_asgi(), scope)

    async def connect(self, timeout: float = 3) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        reply = await self.receive_output(timeout)
        return reply["type"] == "websocket.accept", reply.get("code")

    async def send_json_to(self, data: dict[str, Any]) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 3) -> dict[str, Any]:
        reply = await self.receive_output(timeout)
        assert reply["type"] == "websocket.send", reply
        data: dict[str, Any] = json.loads(reply["text"])
        return data

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(3)


def connect(user: Any) -> WebsocketCommunicator:
    return WebsocketCommunicator(user)


async def _subscribe(comm: WebsocketCommunicator, topic: str) -> dict[str, Any]:
    await comm.send_json_to({"type": "subscribe", "topic": topic})
    reply: dict[str, Any] = await comm.receive_json_from(timeout=3)
    return reply


def test_anonymous_socket_is_refused() -> None:
    async def run() -> None:
        comm = connect(AnonymousUser())
        connected, code = await comm.connect()
        assert not connected
        assert code == 4401

    async_to_sync(run)()


def test_customer_may_not_listen_to_queues_nor_foreign_tickets(
    customer: User, other_customer: User, ticket: Ticket
) -> None:
    async def run() -> None:
        own = connect(customer)
        assert (await own.connect())[0]
        assert (await _subscribe(own, "queues"))["type"] == "denied"
        assert (await _subscribe(own, f"ticket:{ticket.pk}"))["type"] == "subscribed"
        await own.disconnect()
        foreign = connect(other_customer)
        assert (await foreign.connect())[0]
        assert (await _subscribe(foreign, f"ticket:{ticket.pk}"))["type"] == "denied"
        assert (await _subscribe(foreign, "nonsense topic!"))["type"] == "denied"
        await foreign.disconnect()

    async_to_sync(run)()


def test_a_note_is_announced_to_the_ticket_and_queue_listeners(operator: User, ticket: Ticket) -> None:
    async def run() -> set[str]:
        comm = connect(operator)
        assert (await comm.connect())[0]
        assert (await _subscribe(comm, f"ticket:{ticket.pk}"))["type"] == "subscribed"
        assert (await _subscribe(comm, "queues"))["type"] == "subscribed"
        await sync_to_async(add_note)(actor=operator, ticket=ticket, body_text="Проверил журнал")
        got = {(await comm.receive_json_from())["topic"] for _ in range(2)}
        await comm.disconnect()
        return got

    assert async_to_sync(run)() == {"queues", f"ticket:{ticket.pk}"}


def _rolled_back_broadcast() -> None:
    with transaction.atomic():
        broadcast("queues")
        transaction.set_rollback(True)


def test_nothing_is_announced_for_a_rolled_back_change(operator: User, line1: Queue) -> None:
    async def run() -> bool:
        comm = connect(operator)
        assert (await comm.connect())[0]
        await _subscribe(comm, "queues")
        await sync_to_async(_rolled_back_broadcast)()
        quiet: bool = await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()
        return quiet

    assert async_to_sync(run)()


def test_presence_reaches_the_other_agent_but_not_the_sender(
    operator: User, other_operator: User, ticket: Ticket
) -> None:
    async def run() -> None:
        a, b = connect(operator), connect(other_operator)
        assert (await a.connect())[0]
        assert (await b.connect())[0]
        topic = f"ticket:{ticket.pk}"
        await _subscribe(a, topic)
        await _subscribe(b, topic)
        await a.send_json_to({"type": "presence", "topic": topic, "state": "typing"})
        seen = await b.receive_json_from(timeout=3)
        assert seen["type"] == "presence"
        assert seen["state"] == "typing"
        assert seen["user_id"] == operator.pk
        assert await a.receive_nothing(timeout=0.3)
        await a.disconnect()
        left = await b.receive_json_from(timeout=3)
        assert (left["state"], left["user_id"]) == ("leave", operator.pk)
        await b.disconnect()

    async_to_sync(run)()
