"""The call log, a call's page, the callback list and the ticket's calls block: links, actions, query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Queue
from hotline.desk.services.tickets import open_ticket
from hotline.telephony.choices import CallbackResult, CallbackStatus
from hotline.telephony.models import Callback, PbxSource
from hotline.telephony.tests.helpers import call

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_the_call_log_links_contact_agent_line_and_ticket(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource, line1: Queue
) -> None:
    known = call(generic_source, state="answered_ended", recording_url="https://pbx.example.ru/rec/1.wav")
    ticket = open_ticket(actor=operator, subject="Счётчик", channel="phone", contact=caller)
    known.ticket = ticket
    known.save(update_fields=["ticket"])
    call(generic_source, number="+79990001122", state="missed")
    page = login(client, operator).get("/telephony/calls/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Иванова Анна Сергеевна" in html
    assert f"/contacts/{caller.pk}/" in html
    assert ticket.number in html
    assert "Орлова" in html  # the agent who answered (extension 101)
    assert "+79990001122" in html
    assert "создать клиента" in html  # an unknown number is offered a contact
    detail = client.get(f"/telephony/calls/{known.pk}/").content.decode()
    assert '<audio controls preload="none" src="https://pbx.example.ru/rec/1.wav">' in detail


def test_the_call_log_filters_by_the_end_of_the_number_and_outcome(
    client: Client, operator: User, generic_source: PbxSource
) -> None:
    call(generic_source, number="+79123456789", state="answered_ended")
    call(generic_source, number="+79990001122", state="missed")
    login(client, operator)
    by_digits = client.get("/telephony/calls/", {"q": "1122"}).content.decode()
    assert "+79990001122" in by_digits
    assert "+79123456789" not in by_digits
    missed = client.get("/telephony/calls/", {"outcome": "missed"}).content.decode()
    assert "+79990001122" in missed
    assert "+79123456789" not in missed


def test_the_call_log_costs_the_same_queries_for_many_calls(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource, django_assert_max_num_queries: object
) -> None:
    for index in range(25):
        call(generic_source, number=f"+7912000{index:04d}", state="answered_ended" if index % 2 else "missed")
    login(client, operator)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/telephony/calls/").status_code == 200
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/telephony/callbacks/").status_code == 200


def test_customers_do_not_see_the_call_log(client: Client, generic_source: PbxSource, db: None) -> None:
    from hotline.core.tests.factories import CustomerUserFactory

    customer = CustomerUserFactory.create()
    assert login(client, customer).get("/telephony/calls/").status_code == 403


def test_a_supervisor_assigns_a_callback_and_the_agent_closes_it(
    client: Client, operator: User, supervisor: User, generic_source: PbxSource
) -> None:
    call(generic_source, number="+79990001122", state="abandoned")
    callback = Callback.objects.get()
    refused = login(client, operator).post(f"/telephony/callbacks/{callback.pk}/assign/", {"assignee": operator.pk})
    assert refused.status_code == 302
    callback.refresh_from_db()
    assert callback.assignee is None  # an operator may take, not assign
    login(client, supervisor).post(f"/telephony/callbacks/{callback.pk}/assign/", {"assignee": operator.pk})
    assert Callback.objects.get().assignee == operator
    login(client, operator).post(f"/telephony/callbacks/{callback.pk}/close/", {"result": CallbackResult.NO_ANSWER})
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.OPEN  # no answer: try again later
    client.post(
        f"/telephony/callbacks/{callback.pk}/close/", {"result": CallbackResult.REACHED, "note": "Договорились"}
    )
    callback.refresh_from_db()
    assert (callback.status, callback.done_by, callback.note) == (CallbackStatus.DONE, operator, "Договорились")


def test_repeated_missed_calls_from_one_number_are_one_callback(operator: User, generic_source: PbxSource) -> None:
    call(generic_source, number="+79990001122", state="missed")
    call(generic_source, number="8 (999) 000-11-22", state="abandoned")
    callback = Callback.objects.get()
    assert callback.missed_count == 2
    assert callback.calls.count() == 2


def test_the_ticket_shows_its_calls_with_recordings_and_transfers(
    client: Client, operator: User, operator2: User, caller: Contact, generic_source: PbxSource
) -> None:
    from hotline.telephony.services.linking import link_call
    from hotline.telephony.services.transfers import transfer_call

    ticket = open_ticket(actor=operator, subject="Нет отопления", channel="phone", contact=caller)
    active = call(generic_source, state="answered", recording_url="https://pbx.example.ru/rec/2.wav")
    link_call(actor=operator, call=active, ticket=ticket)
    transfer_call(actor=operator, call=active, to_agent=operator2, reason="Вопрос по тарифу — к Петрову")
    panel = login(client, operator).get(f"/telephony/ticket/{ticket.number}/").content.decode()
    assert "Звонки по заявке" in panel
    assert "Вопрос по тарифу — к Петрову" in panel
    assert "https://pbx.example.ru/rec/2.wav" in panel


def test_calls_appear_in_the_contact_s_history(operator: User, caller: Contact, generic_source: PbxSource) -> None:
    from hotline.customers.selectors import contact_timeline

    answered = call(generic_source, state="answered_ended")
    missed = call(generic_source, state="missed")
    items = [i for i in contact_timeline(operator, caller, 10) if i.kind == "call"]
    assert [(i.object_id, i.title) for i in items] == [
        (str(missed.pk), "Пропущенный звонок"),
        (str(answered.pk), "Входящий звонок"),
    ]
    assert items[0].url == f"/telephony/calls/{missed.pk}/"


def test_the_ticket_calls_block_costs_the_same_queries_for_many_calls(
    client: Client, operator: User, caller: Contact, generic_source: PbxSource, django_assert_max_num_queries: object
) -> None:
    from hotline.telephony.services.linking import link_call

    ticket = open_ticket(actor=operator, subject="Нет отопления", channel="phone", contact=caller)
    for _index in range(6):
        link_call(actor=operator, call=call(generic_source, state="answered_ended"), ticket=ticket)
    client.force_login(operator)
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        assert client.get(f"/telephony/ticket/{ticket.number}/").status_code == 200
