"""CSAT: the requester rates a resolved ticket once, 1–5 with an optional comment."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import ResolutionCode
from hotline.desk.models import SatisfactionRating, Ticket
from hotline.desk.services.rating import rate_ticket
from hotline.desk.services.workflow import close_ticket, resolve_ticket
from hotline.desk.tests.helpers import assert_trail, events_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(operator: User, ticket: Ticket) -> Ticket:
    return resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)


def test_the_requester_rates_a_resolved_ticket(customer: User, resolved: Ticket) -> None:
    rating = rate_ticket(actor=customer, ticket=resolved, score=5, comment=" Быстро и вежливо ")
    assert (rating.score, rating.comment, rating.contact) == (5, "Быстро и вежливо", customer.contact)
    assert_trail(resolved, action="rated", event="desk.TicketRated")
    assert events_named("desk.TicketRated")[0]["score"] == 5


def test_a_closed_ticket_can_be_rated(operator: User, customer: User, resolved: Ticket) -> None:
    close_ticket(actor=operator, ticket=resolved)
    assert rate_ticket(actor=customer, ticket=resolved, score=3).score == 3


def test_only_once(customer: User, resolved: Ticket) -> None:
    rate_ticket(actor=customer, ticket=resolved, score=4)
    with pytest.raises(Conflict):
        rate_ticket(actor=customer, ticket=resolved, score=1)
    assert SatisfactionRating.objects.get().score == 4


def test_not_before_it_is_resolved(customer: User, ticket: Ticket) -> None:
    with pytest.raises(Conflict):
        rate_ticket(actor=customer, ticket=ticket, score=5)


@pytest.mark.parametrize("score", [0, 6, -1, True, "5", 4.5])
def test_the_score_is_a_whole_number_from_1_to_5(customer: User, resolved: Ticket, score: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        rate_ticket(actor=customer, ticket=resolved, score=score)  # type: ignore[arg-type]
    assert err.value.field == "score"


def test_a_long_comment_is_refused(customer: User, resolved: Ticket) -> None:
    with pytest.raises(ValidationFailed) as err:
        rate_ticket(actor=customer, ticket=resolved, score=2, comment="я" * 2001)
    assert err.value.field == "comment"


def test_only_the_requester_rates(operator: User, other_customer: User, resolved: Ticket) -> None:
    with pytest.raises(Forbidden):
        rate_ticket(actor=operator, ticket=resolved, score=5)
    with pytest.raises(NotFound):
        rate_ticket(actor=other_customer, ticket=resolved, score=1)


def test_an_organisation_colleague_who_may_read_does_not_rate(customer: User, resolved: Ticket) -> None:
    from hotline.core.tests.factories import CustomerUserFactory
    from hotline.desk.tests.factories import ContactFactory

    colleague = CustomerUserFactory.create()
    ContactFactory.create(user=colleague, organisation=resolved.organisation, can_view_organisation_tickets=True)
    with pytest.raises(Forbidden):
        rate_ticket(actor=colleague, ticket=resolved, score=5)


def test_a_signed_link_rates_for_the_requester(resolved: Ticket) -> None:
    rating = rate_ticket(actor=None, ticket=resolved, score=4)
    assert rating.contact == resolved.contact
