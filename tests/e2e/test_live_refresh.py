"""Live blocks do not lose a push that arrives while they are refreshing themselves.

A colleague watches a ticket while a specialist adds two notes in a row. The watcher's timeline refresh for the
first note is held up (the network is slow), so the second note's push arrives while that refresh is in flight:
htmx would queue the next refresh on the element being replaced and drop it. The watcher must still see both.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.core.tests.factories import SpecialistFactory
from hotline.desk.choices import Channel
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _add_note(page: Any, text: str) -> None:
    page.get_by_role("tab", name=re.compile("Внутренний комментарий")).click()
    page.locator("textarea[name=note]").fill(text)
    page.get_by_role("button", name="Добавить комментарий").click()
    expect(page.locator(".msg-note").last).to_contain_text(text)


def test_a_push_during_a_refresh_is_not_lost(new_page: Any, asgi_server: str) -> None:
    queue = LineQueueFactory.create(name="Вторая линия", slug="line-2", line_level=2, is_default=True)
    writer = SpecialistFactory.create(username="writer", first_name="Сергей", last_name="Смирнов")
    watcher = SpecialistFactory.create(username="watcher", first_name="Карина", last_name="Ким")
    for agent in (writer, watcher):
        QueueMembershipFactory.create(queue=queue, user=agent)
    ticket = open_ticket(actor=writer, subject="Нет отопления", channel=Channel.PHONE, queue=queue)
    url = f"/desk/t/{ticket.number}/"

    watching = new_page()
    login(watching, "watcher")
    watching.goto(url)
    watching.wait_for_function("() => window.hotlineLive && window.hotlineLive.socket?.readyState === 1")
    held: list[Any] = []

    def hold_first_refresh(route: Any) -> None:
        if held:
            route.continue_()
        else:
            # The server answers now (the first note only); the browser gets it after the second note.
            held.append((route, route.fetch()))

    watching.route("**/timeline/", hold_first_refresh)

    writing = new_page()
    login(writing, "writer")
    writing.goto(url)
    _add_note(writing, "Первая заметка: проверили стояк")
    deadline = time.monotonic() + 15
    while not held and time.monotonic() < deadline:
        watching.wait_for_timeout(100)
    assert held, "the first note's push never started a refresh"
    _add_note(writing, "Вторая заметка: вызвали аварийку")
    watching.wait_for_timeout(1000)  # its push arrives, and its refresh is due, while the first is still out
    route, answer = held[0]
    route.fulfill(response=answer)

    timeline = watching.locator("#timeline")
    expect(timeline).to_contain_text("Первая заметка", timeout=15_000)
    expect(timeline).to_contain_text("Вторая заметка", timeout=15_000)
