"""The status workflow: the transition table, resolve/close/cancel/reopen, and auto-closing."""

from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine
from django.core.management import call_command
from pytest_django.fixtures import Settings

from hotline.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import ALLOWED_TRANSITIONS, ResolutionCode, Status
from hotline.desk.models import Queue, Ticket, TicketHistory
from hotline.desk.services.workflow import (
    allowed_statuses,
    cancel_ticket,
    change_status,
    close_resolved_tickets,
    close_ticket,
    reopen_ticket,
    resolve_ticket,
)
from hotline.desk.tests.factories import TicketFactory
from hotline.desk.tests.helpers import assert_trail

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(old, new) for old, new in itertools.product(Status.values, Status.values) if old != new]


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_change_status_follows_the_table_exactly(operator: User, ticket: Ticket, old: str, new: str) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=old)
    ticket.refresh_from_db()
    if new in ALLOWED_TRANSITIONS[old]:
        moved = change_status(actor=operator, ticket=ticket, status=new, reason="так надо")
        assert moved.status == new
        assert Ticket.objects.get(pk=ticket.pk).status == new
    else:
        with pytest.raises(InvalidTransition) as err:
            change_status(actor=operator, ticket=ticket, status=new, reason="так надо")
        # The refusal names every status the ticket may go to.
        for allowed in allowed_statuses(old):
            assert f"({allowed})" in err.value.message
        assert Ticket.objects.get(pk=ticket.pk).status == old


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert allowed_statuses(Status.RESOLVED) == [Status.OPEN, Status.CLOSED]


def test_an_unknown_status_is_a_validation_error(operator: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as err:
        change_status(actor=operator, ticket=ticket, status="sleeping")
    assert err.value.field == "status"


def test_a_status_change_leaves_a_trail_and_stamps_the_time(operator: User, ticket: Ticket) -> None:
    with time_machine.travel("2025-04-01 10:00 +0300", tick=False):
        ticket = change_status(actor=operator, ticket=ticket, status=Status.PENDING_CUSTOMER, reason="ждём фото")
    assert ticket.status_changed_at == datetime.datetime(2025, 4, 1, 7, 0, tzinfo=datetime.UTC)
    row = TicketHistory.objects.get(ticket=ticket, action="status_changed")
    assert (row.old_value, row.new_value, row.reason) == (Status.NEW, Status.PENDING_CUSTOMER, "ждём фото")
    assert_trail(ticket, action="status_changed", event="desk.TicketStatusChanged")


def test_resolve_records_the_code_and_note(operator: User, ticket: Ticket) -> None:
    ticket = resolve_ticket(
        actor=operator, ticket=ticket, resolution_code=ResolutionCode.WORKAROUND, resolution_note="Перезагрузили"
    )
    assert ticket.status == Status.RESOLVED
    assert (ticket.resolution_code, ticket.resolution_note) == (ResolutionCode.WORKAROUND, "Перезагрузили")
    assert ticket.resolved_at is not None
    assert_trail(ticket, action="resolved", event="desk.TicketStatusChanged")


def test_resolve_needs_a_known_code(operator: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as err:
        resolve_ticket(actor=operator, ticket=ticket, resolution_code="magic")
    assert err.value.field == "resolution_code"


def test_change_status_to_resolved_means_solved(operator: User, ticket: Ticket) -> None:
    ticket = change_status(actor=operator, ticket=ticket, status=Status.RESOLVED, reason="Готово")
    assert (ticket.resolution_code, ticket.resolution_note) == (ResolutionCode.SOLVED, "Готово")


def test_close_only_after_resolve(operator: User, ticket: Ticket) -> None:
    with pytest.raises(InvalidTransition):
        close_ticket(actor=operator, ticket=ticket)
    resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
    ticket = close_ticket(actor=operator, ticket=ticket)
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at is not None


def test_cancel_needs_a_reason(operator: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as err:
        cancel_ticket(actor=operator, ticket=ticket, reason="  ")
    assert err.value.field == "reason"
    with pytest.raises(ValidationFailed):
        change_status(actor=operator, ticket=ticket, status=Status.CANCELLED)
    ticket = cancel_ticket(actor=operator, ticket=ticket, reason="Ошиблись номером")
    assert ticket.status == Status.CANCELLED
    assert ticket.cancelled_at is not None


def test_reopen_clears_the_outcome_and_counts(operator: User, ticket: Ticket) -> None:
    resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED, resolution_note="Сделано")
    close_ticket(actor=operator, ticket=ticket)
    ticket = reopen_ticket(actor=operator, ticket=ticket, reason="Снова не печатает")
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.reopened_at is not None
    assert (ticket.resolved_at, ticket.closed_at, ticket.resolution_code) == (None, None, "")
    assert_trail(ticket, action="reopened", event="desk.TicketStatusChanged")
    # The outcome that was undone stays in the history.
    assert TicketHistory.objects.filter(ticket=ticket, field="resolution_code", new_value="solved").exists()


def test_reopening_an_open_ticket_is_refused(operator: User, ticket: Ticket) -> None:
    with pytest.raises(InvalidTransition):
        reopen_ticket(actor=operator, ticket=ticket)


class TestTheRequester:
    def test_confirms_a_solution_by_closing(self, operator: User, customer: User, ticket: Ticket) -> None:
        resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
        assert close_ticket(actor=customer, ticket=ticket).status == Status.CLOSED

    def test_reopens_a_resolved_ticket_but_not_a_closed_one(
        self, operator: User, customer: User, ticket: Ticket
    ) -> None:
        resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
        assert reopen_ticket(actor=customer, ticket=ticket, reason="Не помогло").status == Status.OPEN
        resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
        close_ticket(actor=operator, ticket=ticket)
        with pytest.raises(Forbidden):
            reopen_ticket(actor=customer, ticket=ticket)

    def test_withdraws_an_open_request(self, customer: User, ticket: Ticket) -> None:
        assert cancel_ticket(actor=customer, ticket=ticket, reason="Само заработало").status == Status.CANCELLED

    def test_cannot_work_the_ticket(self, customer: User, ticket: Ticket) -> None:
        with pytest.raises(Forbidden):
            change_status(actor=customer, ticket=ticket, status=Status.PENDING_THIRD_PARTY)
        with pytest.raises(Forbidden):
            resolve_ticket(actor=customer, ticket=ticket, resolution_code=ResolutionCode.SOLVED)

    def test_another_customer_gets_not_found(self, other_customer: User, ticket: Ticket) -> None:
        with pytest.raises(NotFound):
            cancel_ticket(actor=other_customer, ticket=ticket, reason="чужая")


def test_a_merged_ticket_keeps_its_status(operator: User, ticket: Ticket) -> None:
    target = TicketFactory.create(queue=ticket.queue)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, merged_into=target)
    ticket.refresh_from_db()
    with pytest.raises(Conflict):
        reopen_ticket(actor=operator, ticket=ticket)


# Auto-close -------------------------------------------------------------------------------------------


def _resolved_at(operator: User, ticket: Ticket, when: str) -> Ticket:
    with time_machine.travel(when, tick=False):
        return resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)


def test_resolved_tickets_close_after_n_days(operator: User, line1: Queue, settings: Settings) -> None:
    old = _resolved_at(operator, TicketFactory.create(queue=line1), "2025-05-01 12:00Z")
    fresh = _resolved_at(operator, TicketFactory.create(queue=old.queue), "2025-05-06 12:00Z")
    still_open = TicketFactory.create(queue=old.queue, status=Status.OPEN)
    with time_machine.travel("2025-05-08 12:00:01Z", tick=False):
        assert close_resolved_tickets(older_than_days=7) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    still_open.refresh_from_db()
    assert (old.status, fresh.status, still_open.status) == (Status.CLOSED, Status.RESOLVED, Status.OPEN)
    assert old.closed_at == datetime.datetime(2025, 5, 8, 12, 0, 1, tzinfo=datetime.UTC)
    row = TicketHistory.objects.get(ticket=old, action="auto_closed")
    assert row.actor is None
    assert "7" in row.reason
    assert_trail(old, action="auto_closed", event="desk.TicketStatusChanged")
    with time_machine.travel("2025-05-08 12:00:02Z", tick=False):
        assert close_resolved_tickets(older_than_days=7) == 0  # nothing closes twice


def test_auto_close_uses_the_setting_and_the_command(operator: User, line1: Queue, settings: Settings) -> None:
    settings.HOTLINE_AUTO_CLOSE_DAYS = 3
    ticket = _resolved_at(operator, TicketFactory.create(queue=line1), "2025-05-01 00:00Z")
    with time_machine.travel("2025-05-03 00:00Z", tick=False):
        call_command("close_resolved")
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
    with time_machine.travel("2025-05-04 00:00:01Z", tick=False):
        call_command("close_resolved")
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED


def test_a_ticket_reopened_before_the_deadline_stays_open(operator: User, line1: Queue) -> None:
    ticket = _resolved_at(operator, TicketFactory.create(queue=line1), "2025-05-01 00:00Z")
    with time_machine.travel("2025-05-02 00:00Z", tick=False):
        reopen_ticket(actor=operator, ticket=ticket, reason="Не помогло")
    with time_machine.travel("2025-06-01 00:00Z", tick=False):
        assert close_resolved_tickets(older_than_days=7) == 0
