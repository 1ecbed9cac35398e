"""Property-based checks of the desk API from its own OpenAPI document (schemathesis).

Every desk operation gets generated inputs, valid and not: the server must never answer 5xx,
and every answer must be one the document declares, in the declared shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from hotline.core.models import User
from hotline.core.tokens import issue_token
from hotline.desk.models import Queue, Ticket
from hotline.desk.tests.factories import TicketFactory
from hotline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex=r"^/api/(tickets|attachments|queues|categories)"
)


@pytest.fixture
def target(line1: Queue, line2: Queue, customer: User, operator: User) -> Ticket:
    """A real ticket for ``{ref}``: random refs only ever meet the 404 the access tests cover."""
    TicketFactory.create(queue=line1, contact=customer.contact)
    return TicketFactory.create(queue=line1, contact=customer.contact)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The raw WSGI app closes "old" connections per request, which would drop the test's transaction
    on PostgreSQL; Django's own test client switches this off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(admin_user: User) -> dict[str, str]:
    _, raw = issue_token(actor=admin_user, user=admin_user, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_desk_api_never_fails_and_answers_as_documented(case: Any, bearer: dict[str, str], target: Ticket) -> None:
    if case.path_parameters and "ref" in case.path_parameters:
        case.path_parameters["ref"] = target.number
    case.call_and_validate(
        headers=bearer, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
