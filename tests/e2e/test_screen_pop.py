"""The screen-pop in a real browser: a PBX webhook arrives, the ringing agent's card appears within a second.

Two agents are signed in. A signed event from the generic webhook says extension 101 rings: Ольга (101) gets the
caller's card pushed over the WebSocket, Павел (102) does not. Ольга opens a request from the card, then transfers
the call to Павел with a reason; Павел's browser pops with the ticket already open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.core.tests.factories import OperatorFactory
from hotline.customers.services import create_contact
from hotline.desk.choices import Channel
from hotline.desk.models import Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from hotline.telephony.choices import SourceKind
from hotline.telephony.models import Call, CallTransfer, Line, PbxSource
from tests.e2e.conftest import Screens, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SECRET = "e2e-webhook-secret"
POP_DEADLINE_MS = 1000


def _world() -> dict[str, Any]:
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    olga = OperatorFactory.create(username="olga", first_name="Ольга", last_name="Орлова", phone_extension="101")
    pavel = OperatorFactory.create(username="pavel", first_name="Павел", last_name="Петров", phone_extension="102")
    for agent in (olga, pavel):
        QueueMembershipFactory.create(queue=queue, user=agent)
    caller = create_contact(actor=olga, full_name="Иванова Анна Сергеевна", phones=["+7 912 345-67-89"])
    earlier = open_ticket(actor=olga, subject="Не работает домофон", channel=Channel.PHONE, contact=caller)
    Line.objects.create(number="+74951234567", name="Горячая линия ЖКХ", queue=queue)
    PbxSource.objects.create(name="Офисная АТС", slug="office", kind=SourceKind.GENERIC, secret=SECRET)
    return {"olga": olga, "pavel": pavel, "caller": caller, "earlier": earlier}


def _post_event(base: str, event: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(event).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 - the test's own server on 127.0.0.1
        f"{base}/telephony/hooks/office/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hotline-Timestamp": stamp,
            "X-Hotline-Signature": f"sha256={signature}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 202
        result: dict[str, Any] = json.loads(response.read())
        return result


def _wait_for_phone(page: Any, label: str) -> None:
    # The bar is in place and subscribed to the agent's own topic once the socket says so.
    expect(page.locator("#phone-chip-label")).to_have_text(label)
    page.wait_for_function(
        "() => window.hotlineLive && window.hotlineLive.socket && window.hotlineLive.socket.readyState === 1"
    )
    page.wait_for_timeout(300)


def test_a_webhook_event_pops_the_caller_card_on_the_right_agent_s_screen(
    new_page: Any, asgi_server: str, screens: Screens
) -> None:
    w = _world()
    olga_page = new_page()
    login(olga_page, "olga")
    pavel_page = new_page()
    login(pavel_page, "pavel")
    _wait_for_phone(olga_page, "доб. 101")
    _wait_for_phone(pavel_page, "доб. 102")
    screens.shot(olga_page, "agent-with-phone")

    started = time.monotonic()
    _post_event(
        asgi_server,
        {
            "call_id": "e2e-1",
            "event": "ringing",
            "sequence": 1,
            "direction": "inbound",
            "caller": "8 (912) 345-67-89",
            "called": "+74951234567",
            "line": "+74951234567",
            "extension": "101",
        },
    )
    card = olga_page.locator("#pop-card")
    # Within a second of the PBX's event (the webhook's own round trip included) she sees who is calling…
    expect(card).to_contain_text("Иванова Анна Сергеевна", timeout=POP_DEADLINE_MS)
    popped_after = time.monotonic() - started
    assert popped_after < POP_DEADLINE_MS / 1000, f"the card took {popped_after:.2f}s"
    # …and the rest of the card follows: her open ticket, the line, the new-request form.
    expect(card).to_contain_text(w["earlier"].number)
    expect(card).to_contain_text("Горячая линия ЖКХ")
    expect(card).to_contain_text("Новое обращение по этому звонку")
    screens.shot(olga_page, "screen-pop-ringing")
    expect(pavel_page.locator("#pop-card")).to_have_count(0)  # not Павел's phone

    _post_event(asgi_server, {"call_id": "e2e-1", "event": "answered", "sequence": 2, "extension": "101"})
    expect(card.locator(".pop-state")).to_have_text("Разговор")

    # A new request from the call: the number and line come from the call.
    card.get_by_text("Новое обращение по этому звонку").click()
    card.get_by_label("Суть обращения").fill("Нет горячей воды в квартире 45")
    card.get_by_label("Подробности").fill("С утра нет горячей воды, соседи тоже.")
    screens.shot(olga_page, "screen-pop-new-request")
    card.get_by_role("button", name="Создать заявку").click()
    expect(olga_page).to_have_url(re.compile(r"/desk/t/HL-\d+/\?call=\d+"))
    ticket = Ticket.objects.get(subject="Нет горячей воды в квартире 45")
    call = Call.objects.get(provider_call_id="e2e-1")
    assert (call.ticket_id, ticket.contact_id) == (ticket.pk, w["caller"].pk)
    panel = olga_page.locator("#ticket-calls")
    expect(panel).to_contain_text("Звонки по заявке")
    expect(panel).to_contain_text("Сейчас идёт звонок")
    screens.shot(olga_page, "ticket-with-call")

    # The call is still on: a reminder on every page opens its card. Transfer to Павел with a reason.
    olga_page.get_by_role("button", name=re.compile("Идёт звонок")).click()
    card = olga_page.locator("#pop-card")
    expect(card.locator(".pop-state")).to_have_text("Разговор")
    card.get_by_text("Перевести звонок").click()
    card.get_by_label("Кому").select_option(label="Павел Петров · доб. 102")
    card.get_by_label("Причина перевода").fill("Вопрос по перерасчёту — это к Павлу")
    card.get_by_role("button", name="Перевести", exact=True).click()
    expect(olga_page.locator("#toasts")).to_contain_text("Звонок переведён, причина записана")
    expect(pavel_page).to_have_url(re.compile(rf"/desk/t/{ticket.number}/\?call={call.pk}"), timeout=5000)
    expect(pavel_page.get_by_role("heading", name=re.compile("Нет горячей воды"))).to_be_visible()
    expect(pavel_page.locator("#ticket-calls")).to_contain_text("Вопрос по перерасчёту — это к Павлу")
    transfer = CallTransfer.objects.get()
    assert (transfer.to_agent_id, transfer.reason) == (w["pavel"].pk, "Вопрос по перерасчёту — это к Павлу")
    screens.shot(pavel_page, "transferred-ticket-open")
