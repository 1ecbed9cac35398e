import pytest
from django.core.management import call_command

from hotline.customers.models import Contact
from hotline.desk.choices import Status
from hotline.desk.models import Queue, SatisfactionRating, Ticket

pytestmark = pytest.mark.django_db


def test_demo_loads_a_lived_in_organisation_once(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "resident@example.ru" in out
    assert "operator" in out
    assert {q.line_level for q in Queue.objects.all()} >= {1, 2, 3, None}
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values), f"every status is shown, got {statuses}"
    assert Ticket.objects.filter(escalation_level__gte=1).exists()
    assert SatisfactionRating.objects.exists()
    resident = Contact.objects.get(user__username="resident@example.ru")
    assert resident.tickets.count() >= 3
    tickets = Ticket.objects.count()

    call_command("demo")
    assert "уже загружены" in capsys.readouterr().out
    assert Ticket.objects.count() == tickets
