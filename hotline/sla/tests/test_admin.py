"""The SLA policy admin saves through the service (validated, audited) and keeps the matching order editable."""

from __future__ import annotations

from django.test import Client

from hotline.core.models import AuditLog, User
from hotline.desk.models import Queue
from hotline.sla.models import SlaPolicy


def _client(user: User) -> Client:
    # The Django admin wants model permissions; the superuser flag grants them all.
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_admin_creates_a_policy_through_the_service(admin_user: User, line1: Queue) -> None:
    client = _client(admin_user)
    assert client.get("/admin/sla/slapolicy/add/").status_code == 200
    response = client.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Аварийные",
            "description": "",
            "is_active": "on",
            "order": "5",
            "priorities": "[1]",
            "channels": "[]",
            "queues": [str(line1.pk)],
            "first_response_minutes": "15",
            "resolution_minutes": "240",
            "warning_percent": "80",
            "notify_on_warning": "on",
            "notify_on_breach": "on",
            "raise_priority_to": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get(name="Аварийные")
    assert (policy.priorities, list(policy.queues.all()), policy.order) == ([1], [line1], 5)
    assert AuditLog.objects.filter(object_type="sla.slapolicy", object_id=str(policy.pk)).exists()
    assert client.get("/admin/sla/slapolicy/").status_code == 200


def test_admin_shows_the_services_refusal_next_to_the_field(admin_user: User) -> None:
    response = _client(admin_user).post(
        "/admin/sla/slapolicy/add/",
        {"name": "Без сроков", "order": "1", "priorities": "[]", "channels": "[]", "warning_percent": "80"},
    )
    assert response.status_code == 200
    assert "Укажите хотя бы один срок" in response.content.decode()
    assert not SlaPolicy.objects.exists()
