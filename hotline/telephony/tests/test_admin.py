"""The admin pages of telephony open for an administrator (configuration and read-only records)."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import AuditLog
from hotline.core.tests.factories import AdminFactory
from hotline.telephony.models import PbxSource
from hotline.telephony.tests.helpers import call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["pbxsource", "line", "call", "callevent", "rejectedrequest", "callback", "callscript"]
)
def test_admin_lists_open(client: Client, generic_source: PbxSource, model: str) -> None:
    call(generic_source, state="missed")
    client.force_login(AdminFactory.create(is_superuser=True))
    assert client.get(f"/admin/telephony/{model}/").status_code == 200


def test_a_source_is_configured_and_audited(client: Client, db: None) -> None:
    client.force_login(AdminFactory.create(is_superuser=True))
    response = client.post(
        "/admin/telephony/pbxsource/add/",
        {"name": "Mango", "slug": "mango", "kind": "mango", "is_active": "on", "api_key": "k", "secret": "s"},
    )
    assert response.status_code == 302
    source = PbxSource.objects.get(slug="mango")
    assert AuditLog.objects.filter(object_type="telephony.pbxsource", object_id=str(source.pk)).exists()
