"""The demo loads every module with believable content, once, and every main screen renders on it."""

import io
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from hotline.campaigns.models import Attempt, Campaign, Lead
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Status
from hotline.desk.models import Queue, SatisfactionRating, Ticket
from hotline.intake.models import InboundMessage, Mailbox
from hotline.knowledge.models import Article, ArticleFeedback, CannedResponse, Macro
from hotline.sla.models import SlaPolicy
from hotline.sla.selectors import sla_state_for
from hotline.telephony.models import Call, Callback, CallScript, Line, PbxSource
from hotline.workforce.models import AgentStatus, Shift

pytestmark = pytest.mark.django_db

# A Wednesday noon in Moscow: a working day, inside the calling hours, so the campaign's calls are made.
WEDNESDAY_NOON = datetime(2026, 3, 11, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Loaded once for the module, outside a test transaction: what is published is delivered after each commit,
    as in ``./dev run`` (notifications, agents' states from the calls). Flushed afterwards."""
    out = io.StringIO()
    # The clock stands still for the module: the SLA states the tests read are those the demo was loaded with.
    with django_db_blocker.unblock(), time_machine.travel(WEDNESDAY_NOON, tick=False):
        call_command("demo", stdout=out)
        try:
            yield out.getvalue()
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_demo_loads_a_lived_in_organisation_once(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "resident@example.ru" in demo
    assert "operator" in demo
    assert {q.line_level for q in Queue.objects.all()} >= {1, 2, 3, None}
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values), f"every status is shown, got {statuses}"
    assert Ticket.objects.filter(escalation_level__gte=1).exists()
    assert SatisfactionRating.objects.exists()
    resident = Contact.objects.get(user__username="resident@example.ru")
    assert resident.tickets.count() >= 3
    counts = {model: model.objects.count() for model in (Ticket, Article, Call, Lead, Shift, Mailbox, SlaPolicy)}

    call_command("demo")
    assert "уже загружены" in capsys.readouterr().out
    assert {model: model.objects.count() for model in counts} == counts


def test_demo_tickets_run_on_sla_clocks_in_every_state(demo: str) -> None:
    assert SlaPolicy.objects.count() >= 3
    states = Counter(s.state for s in sla_state_for(Ticket.objects.values_list("pk", flat=True)).values())
    for state in ("on_track", "at_risk", "breached", "paused", "met"):
        assert states[state] >= 1, f"some ticket is {state}: {states}"
    # Consistent with the tickets: work still open is never «met», finished work never runs.
    for ticket in Ticket.objects.all():
        state = sla_state_for([ticket.pk])[ticket.pk].state
        if ticket.status in (Status.NEW, Status.OPEN):
            assert state in ("on_track", "at_risk", "breached"), (ticket.subject, ticket.status, state)
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert state in ("met", "breached"), (ticket.subject, state)
        if ticket.status in (Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY):
            assert state in ("paused", "breached"), (ticket.subject, state)


def test_demo_fills_every_module(demo: str) -> None:
    published = Article.objects.filter(status="published")
    assert published.filter(visibility="public", language="ru").count() >= 5
    assert published.filter(visibility="internal").count() >= 2
    assert Article.objects.filter(language="en").exists()
    assert Article.objects.filter(status="draft").exists()
    assert ArticleFeedback.objects.count() >= 5
    assert CannedResponse.objects.filter(queue__isnull=True).exists()
    assert CannedResponse.objects.filter(queue__isnull=False).exists()
    assert Macro.objects.count() == 2

    assert PbxSource.objects.filter(kind="generic", is_active=True).exists()
    assert PbxSource.objects.filter(kind="asterisk", is_active=False, host="127.0.0.1").exists()
    assert Line.objects.filter(queue__isnull=False).count() == 2
    assert User.objects.exclude(phone_extension="").count() >= 5
    assert Call.objects.count() >= 12
    assert {"answered", "missed", "abandoned"} <= set(Call.objects.values_list("outcome", flat=True))
    assert Call.objects.filter(ticket__isnull=False).exists()
    assert Call.objects.filter(contact__isnull=False).exists()
    assert Callback.objects.filter(status="open").exists()
    assert Callback.objects.filter(status="done").exists()
    assert CallScript.objects.filter(versions__status="published").exists()

    campaign = Campaign.objects.get()
    assert campaign.kind == "debt"
    assert campaign.gateway is None  # preview, dialled by hand: nothing is called for real
    assert Lead.objects.filter(campaign=campaign).count() >= 5
    outcomes = set(Attempt.objects.exclude(disposition=None).values_list("disposition__code", flat=True))
    assert {"promise_to_pay", "no_answer"} <= outcomes

    assert Shift.objects.values("user").distinct().count() >= 4
    assert {"available", "on_call", "break"} <= set(AgentStatus.objects.values_list("state", flat=True))

    mailbox = Mailbox.objects.get()
    assert not mailbox.is_active
    assert mailbox.imap_host == "127.0.0.1"
    assert InboundMessage.objects.filter(ticket__isnull=False).exists()


AGENT_PAGES = [
    "/",
    "/desk/",
    "/desk/tickets/",
    "/desk/tickets/?sort=sla",
    "/knowledge/",
    "/knowledge/templates/",
    "/knowledge/search/?q=счётчика",
    "/telephony/calls/",
    "/telephony/callbacks/",
    "/telephony/scripts/",
    "/campaigns/",
    "/campaigns/work/",
    "/workforce/",
    "/workforce/roster/",
    "/workforce/agents/",
    "/workforce/teams/",
    "/workforce/staffing/",
    "/notifications/preferences/",
]
SUPERVISOR_ONLY = {"/telephony/scripts/", "/workforce/roster/", "/workforce/agents/", "/workforce/teams/"}
SUPERVISOR_ONLY |= {"/workforce/staffing/", "/campaigns/"}
OPERATOR_PAGES = [page for page in AGENT_PAGES if page not in SUPERVISOR_ONLY]
ADMIN_PAGES = [
    "/admin/",
    "/admin/sla/slapolicy/",
    "/admin/intake/mailbox/",
    "/admin/intake/inboundmessage/",
    "/admin/telephony/pbxsource/",
    "/admin/telephony/line/",
    "/admin/knowledge/articlecategory/",
]
PORTAL_PAGES = ["/portal/", "/portal/kb/", "/portal/kb/search/?q=показания"]


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("supervisor", AGENT_PAGES),
        ("operator", OPERATOR_PAGES),
        ("admin", ADMIN_PAGES),
        ("resident@example.ru", PORTAL_PAGES),
    ],
)
def test_demo_screens_render_for_the_demo_users(demo: str, username: str, pages: list[str]) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    failures = {}
    for page in pages:
        response = client.get(page, follow=True)
        if response.status_code != 200:
            failures[page] = response.status_code
    assert not failures, failures
    campaign = Campaign.objects.get()
    if username == "supervisor":
        first = Ticket.objects.order_by("id")[0]
        for page in (f"/campaigns/{campaign.pk}/", f"/desk/t/{first.number}/"):
            assert client.get(page, follow=True).status_code == 200, page
