"""Property-based checks of the contacts and organisations API from its OpenAPI document (schemathesis).

Generated inputs, valid and not: the server must never answer 5xx, and every answer must be one
the document declares, in the declared shape.
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
from hotline.core.tests.factories import SupervisorFactory
from hotline.core.tokens import issue_token
from hotline.customers.models import Contact
from hotline.customers.tests.factories import ContactEmailFactory, ContactFactory, OrganisationFactory
from hotline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex=r"^/api/(contacts|organisations)"
)


@pytest.fixture
def kept_connection() -> Iterator[None]:
    """Calling the WSGI app directly fires request_finished, which closes a PostgreSQL connection that
    is inside the test's transaction; Django's own test client disconnects the handler the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def target(db: None, kept_connection: None) -> Contact:
    """Real rows for the path ids, so generated cases reach the handlers, not only the 404."""
    organisation = OrganisationFactory.create()
    contact = ContactFactory.create(organisation=organisation)
    ContactEmailFactory.create(contact=contact)
    ContactFactory.create(phone__e164=contact.phones.get().e164)
    return contact


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    user: User = SupervisorFactory.create()
    _, raw = issue_token(actor=user, user=user, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_customers_api_never_fails_and_answers_as_documented(
    case: Any, bearer: dict[str, str], target: Contact
) -> None:
    if case.path_parameters:
        if "contact_id" in case.path_parameters:
            case.path_parameters["contact_id"] = target.pk
        if "organisation_id" in case.path_parameters:
            case.path_parameters["organisation_id"] = target.organisation_id
    case.call_and_validate(
        headers=bearer, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
