"""The desk's admin writes through the services: validated, audited, refusals shown on the form."""

import pytest
from django.test import Client

from hotline.core.models import AuditLog
from hotline.core.tests.factories import AdminFactory, OperatorFactory
from hotline.desk.choices import Priority
from hotline.desk.models import PriorityRule, Queue, QueueMembership, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(AdminFactory.create(is_superuser=True))
    return client


def _queue_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "ИТ-поддержка",
        "slug": "it",
        "line_level": "2",
        "description": "",
        "email": "it@uk-domovoy.ru",
        "signature": "",
        "assignment_mode": "round_robin",
        "escalation_queue": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": "",
        "memberships-0-role": "member",
        "memberships-0-accepts_assignments": "on",
    }
    data.update(overrides)
    return data


def test_queue_is_created_with_members_through_the_services(admin_client: Client) -> None:
    agent = OperatorFactory.create()
    response = admin_client.post("/admin/desk/queue/add/", _queue_form(**{"memberships-0-user": str(agent.pk)}))
    assert response.status_code == 302, response.content.decode()[:2000]
    queue = Queue.objects.get(slug="it")
    assert queue.line_level == 2
    assert QueueMembership.objects.filter(queue=queue, user=agent).exists()
    assert AuditLog.objects.filter(object_type="desk.queue", object_id=str(queue.pk), action="create").exists()
    assert AuditLog.objects.filter(object_type="desk.queuemembership").exists()


def test_refused_queue_shows_the_reason_on_the_form(admin_client: Client) -> None:
    response = admin_client.post("/admin/desk/queue/add/", _queue_form(line_level="5"))
    assert response.status_code == 200
    assert not Queue.objects.exists()


def test_routing_rule_without_conditions_is_refused_with_the_reason(admin_client: Client) -> None:
    queue = Queue.objects.create(name="Контакт-центр", slug="cc", line_level=1)
    form = {"name": "Пустое", "order": "10", "is_active": "on", "queue": str(queue.pk), "channel": "", "keywords": ""}
    response = admin_client.post("/admin/desk/routingrule/add/", form)
    assert response.status_code == 200
    assert "Задайте хотя бы одно условие" in response.content.decode()
    assert not RoutingRule.objects.exists()
    form["keywords"] = "принтер, картридж"
    response = admin_client.post("/admin/desk/routingrule/add/", form)
    assert response.status_code == 302
    assert RoutingRule.objects.get().keywords == "принтер, картридж"


def test_priority_matrix_cell_is_overridden_through_the_service(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/desk/priorityrule/add/", {"impact": "1", "urgency": "3", "priority": str(Priority.HIGH)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PriorityRule.objects.get(impact=1, urgency=3).priority == Priority.HIGH
    # The same cell again replaces the rule rather than failing on uniqueness.
    response = admin_client.post(
        "/admin/desk/priorityrule/add/", {"impact": "1", "urgency": "3", "priority": str(Priority.CRITICAL)}
    )
    assert response.status_code == 302
    assert PriorityRule.objects.get(impact=1, urgency=3).priority == Priority.CRITICAL


def test_admin_pages_open(admin_client: Client) -> None:
    for url in ["/admin/", "/admin/desk/queue/", "/admin/desk/ticket/", "/admin/core/user/", "/admin/core/auditlog/"]:
        assert admin_client.get(url).status_code == 200, url
