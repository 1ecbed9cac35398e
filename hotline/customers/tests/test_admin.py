from __future__ import annotations

import pytest

from hotline.core.models import AuditLog
from hotline.core.tests.factories import AdminFactory
from hotline.customers.models import Contact
from hotline.customers.tests.conftest import client_for
from hotline.customers.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_admin_shows_contacts_read_only_and_audits_the_view(contact: Contact) -> None:
    client = client_for(AdminFactory.create(is_superuser=True))
    assert client.get("/admin/customers/contact/?q=иванов").status_code == 200
    response = client.get(f"/admin/customers/contact/{contact.pk}/change/")
    assert response.status_code == 200
    assert "+79123456789" in response.content.decode()
    assert AuditLog.objects.filter(action="view", object_id=str(contact.pk)).exists()
    assert client.get("/admin/customers/contact/add/").status_code == 403


def test_organisations_autocomplete_for_other_admins() -> None:
    OrganisationFactory.create(name="ООО «Ромашка»")
    client = client_for(AdminFactory.create(is_superuser=True))
    response = client.get(
        "/admin/autocomplete/",
        {"term": "Рома", "app_label": "desk", "model_name": "routingrule", "field_name": "organisation"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["ООО «Ромашка»"]
