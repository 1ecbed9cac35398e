"""Property-based checks of the telephony API from its own OpenAPI document (schemathesis): generated inputs,
valid and not, never get a 5xx, and every answer is one the document declares, in the declared shape."""

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
from hotline.core.tests.factories import AdminFactory
from hotline.core.tokens import issue_token
from hotline.telephony.models import Call, PbxSource
from hotline.telephony.tests.helpers import call
from hotline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(path_regex=r"^/api/telephony")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The raw WSGI app closes "old" connections per request, which would drop the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    admin: User = AdminFactory.create(username="api-admin")
    _, raw = issue_token(actor=admin, user=admin, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def target(generic_source: PbxSource, operator: User) -> Call:
    call(generic_source, number="+79990001122", state="missed")
    return call(generic_source, state="answered")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_telephony_api_never_fails_and_answers_as_documented(case: Any, bearer: dict[str, str], target: Call) -> None:
    if case.path_parameters and "call_id" in case.path_parameters:
        case.path_parameters["call_id"] = target.pk
    case.call_and_validate(
        headers=bearer, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
