"""No desk endpoint leaks a ticket across the lines.

Every ticket endpoint is walked as an operator of another line, as another customer and as an
anonymous caller: the answer is 404 (or 401), in the error format, with nothing of the ticket in
it, and nothing changes. A test below checks the walk covers every route the API publishes, so a
new endpoint cannot be added without being walked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.api import api as ninja_api
from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.customers.models import Contact
from hotline.desk.models import Attachment, Category, Message, Queue, SatisfactionRating, Ticket, TicketHistory
from hotline.desk.tests.api_client import Api
from hotline.desk.tests.factories import QueueMembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db

# (method, path under /api, body). {ref} is the victim's ticket number, {id} its id, {link}/{att}/{user}/…
# ids of rows hanging off it; bodies are valid so that the access check, not validation, answers.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/tickets/{ref}", None),
    ("get", "/tickets/{id}", None),
    ("patch", "/tickets/{ref}", {"subject": "взлом"}),
    ("get", "/tickets/{ref}/messages", None),
    ("get", "/tickets/{ref}/history", None),
    ("post", "/tickets/{ref}/replies", {"body_text": "взлом"}),
    ("post", "/tickets/{ref}/notes", {"body_text": "взлом"}),
    ("post", "/tickets/{ref}/assign", {"assignee_id": "{me}"}),
    ("post", "/tickets/{ref}/take", {}),
    ("post", "/tickets/{ref}/unassign", {}),
    ("post", "/tickets/{ref}/status", {"status": "cancelled", "reason": "взлом"}),
    ("post", "/tickets/{ref}/escalate", {"reason": "взлом"}),
    ("post", "/tickets/{ref}/transfer", {"to_queue_id": "{queue}", "reason": "взлом"}),
    ("post", "/tickets/{ref}/priority", {"impact": 3, "urgency": 3}),
    ("post", "/tickets/{ref}/category", {"category_id": "{category}"}),
    ("post", "/tickets/{ref}/custom-fields", {"custom_fields": {}}),
    ("post", "/tickets/{ref}/tags", {"tags": ["взлом"]}),
    ("post", "/tickets/{ref}/merge", {"into": "{own}"}),
    ("post", "/tickets/{own}/merge", {"into": "{ref}"}),
    ("post", "/tickets/{ref}/split", {"message_ids": ["{message}"], "subject": "взлом"}),
    ("post", "/tickets/{ref}/links", {"target": "{own}"}),
    ("post", "/tickets/{own}/links", {"target": "{ref}"}),
    ("delete", "/tickets/{ref}/links/{link}", None),
    ("delete", "/tickets/{own}/links/{link}", None),
    ("post", "/tickets/{ref}/watchers", {}),
    ("delete", "/tickets/{ref}/watchers/{watcher}", None),
    ("post", "/tickets/{ref}/reopen", {"reason": "взлом"}),
    ("post", "/tickets/{ref}/resolve", {"resolution_code": "solved"}),
    ("post", "/tickets/{ref}/close", {}),
    ("post", "/tickets/{ref}/cancel", {"reason": "взлом"}),
    ("post", "/tickets/{ref}/rating", {"score": 1}),
    ("get", "/attachments/{att}", None),
]

# Routes that take no ticket (the list and create, configuration) are checked separately below.
NOT_TICKET_SCOPED = {("get", "/tickets"), ("post", "/tickets"), ("get", "/queues"), ("get", "/categories")}


@pytest.fixture
def victim(line1: Queue, customer: User, operator: User, category: Category) -> dict[str, Any]:
    """A ticket of ``customer`` in line 1 with messages, a file, a link and a watcher."""
    agent = Api.session(operator)
    ticket = TicketFactory.create(
        queue=line1, contact=customer.contact, organisation=customer.contact.organisation, subject="Тайна вклада"
    )
    sibling = TicketFactory.create(queue=line1, contact=customer.contact)
    reply = agent.multipart(
        f"/api/tickets/{ticket.number}/replies",
        {"body_text": "секрет", "attachments": [SimpleUploadedFile("выписка.pdf", b"pdf", "application/pdf")]},
    ).json()
    link = agent.post(f"/api/tickets/{ticket.number}/links", {"target": sibling.number}).json()
    agent.post(f"/api/tickets/{ticket.number}/watchers", {})
    return {
        "ticket": ticket,
        "ref": ticket.number,
        "id": ticket.pk,
        "message": reply["id"],
        "att": reply["attachments"][0]["id"],
        "link": link["id"],
        "watcher": operator.pk,
        "category": category.pk,
    }


@pytest.fixture
def outsider(line2: Queue) -> User:
    user = OperatorFactory.create(username="outsider")
    QueueMembershipFactory.create(queue=line2, user=user)
    return user


def _fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str):
        for key, replacement in names.items():
            if value == "{" + key + "}":
                return replacement
            value = value.replace("{" + key + "}", str(replacement))
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.subject,
        ticket.status,
        ticket.queue_id,
        ticket.assignee_id,
        ticket.priority,
        ticket.category_id,
        ticket.merged_into_id,
        sorted(ticket.tags.values_list("name", flat=True)),
        sorted(ticket.watchers.values_list("pk", flat=True)),
        ticket.links_out.count() + ticket.links_in.count(),
        Message.objects.filter(ticket=ticket).count(),
        TicketHistory.objects.filter(ticket=ticket).count(),
        SatisfactionRating.objects.filter(ticket=ticket).exists(),
    )


@pytest.mark.parametrize("who", ["outsider_operator", "other_customer", "anonymous"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_no_ticket_endpoint_leaks(
    who: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    victim: dict[str, Any],
    outsider: User,
    other_customer: User,
    line1: Queue,
    line2: Queue,
) -> None:
    if who == "outsider_operator":
        api, me, own = Api.session(outsider), outsider, TicketFactory.create(queue=line2)
    elif who == "other_customer":
        api, me = Api.token(other_customer), other_customer
        own = TicketFactory.create(queue=line1, contact=other_customer.contact)
    else:
        api, me, own = Api.anonymous(), None, TicketFactory.create(queue=line2)
    names = {**victim, "own": own.number, "me": me.pk if me else 0, "queue": line2.pk}
    before = _snapshot(victim["ticket"])

    call = getattr(api, method)
    response = (
        call("/api" + _fill(path, names)) if body is None else call("/api" + _fill(path, names), _fill(body, names))
    )

    expected = 401 if who == "anonymous" else 404
    assert response.status_code == expected, response.content
    payload = response.json()
    assert set(payload) == {"code", "message", "field"}
    assert payload["code"] == ("unauthenticated" if expected == 401 else "not_found")
    text = response.content.decode()
    assert "Тайна вклада" not in text
    assert "секрет" not in text
    assert _snapshot(victim["ticket"]) == before


def test_the_walk_covers_every_ticket_route() -> None:
    published = {
        (method, path.removeprefix("/api"))
        for path, operations in ninja_api.get_openapi_schema()["paths"].items()
        if path.startswith(("/api/tickets", "/api/attachments", "/api/queues", "/api/categories"))
        for method in operations
    }
    walked = {(method, _route(path)) for method, path, _ in ENDPOINTS}

    assert published - NOT_TICKET_SCOPED == walked


def _route(path: str) -> str:
    return (
        path.replace("{id}", "{ref}")
        .replace("{own}", "{ref}")
        .replace("{link}", "{link_id}")
        .replace("{watcher}", "{user_id}")
        .replace("{att}", "{attachment_id}")
    )


def test_lists_and_searches_do_not_leak(victim: dict[str, Any], outsider: User, other_customer: User) -> None:
    ticket: Ticket = victim["ticket"]
    for api in (Api.session(outsider), Api.token(other_customer)):
        for query in ("", f"?q={ticket.number}", f"?contact={ticket.contact_id}", "?q=Тайна", "?status=new"):
            response = api.get(f"/api/tickets{query}")
            assert response.status_code == 200
            assert ticket.pk not in [item["id"] for item in response.json()["items"]]
            assert "Тайна вклада" not in response.content.decode()


def test_organisation_colleague_sees_only_when_allowed(victim: dict[str, Any], customer: User) -> None:
    ticket: Ticket = victim["ticket"]
    colleague = CustomerUserFactory.create(username="colleague")
    contact = Contact.objects.create(
        full_name="Коллега Анны", organisation=customer.contact.organisation, user=colleague
    )
    api = Api.token(colleague)

    assert api.get(f"/api/tickets/{ticket.number}").status_code == 404
    contact.can_view_organisation_tickets = True
    contact.save(update_fields=["can_view_organisation_tickets"])

    seen = api.get(f"/api/tickets/{ticket.number}")
    assert seen.status_code == 200
    assert "queue" not in seen.json()
    # Reading is not rating: only the requester rates.
    assert api.post(f"/api/tickets/{ticket.number}/rating", {"score": 1}).status_code in (403, 409)


def test_customers_get_no_queues_and_internal_files_stay_hidden(
    victim: dict[str, Any], customer: User, operator: User
) -> None:
    note = Api.session(operator).multipart(
        f"/api/tickets/{victim['ref']}/notes",
        {"body_text": "внутр", "attachments": [SimpleUploadedFile("служебное.txt", b"x", "text/plain")]},
    )
    assert note.status_code == 201
    api = Api.token(customer)

    assert api.get("/api/queues").json() == []
    assert api.get(f"/api/attachments/{note.json()['attachments'][0]['id']}").status_code == 404
    assert api.get(f"/api/attachments/{victim['att']}").status_code == 200
    assert Attachment.objects.count() == 2
