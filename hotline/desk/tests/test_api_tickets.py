"""The tickets endpoints: open (idempotent), list (filters, cursor, query count), read, edit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Priority, Status
from hotline.desk.models import Queue, Ticket, TicketHistory
from hotline.desk.tests.api_client import Api
from hotline.desk.tests.factories import (
    CategoryFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    OrganisationFactory,
    TagFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

NEW_TICKET = {"subject": "Не греет батарея", "description": "Кв. 12, с утра холодно", "channel": "phone"}

AGENT_ONLY_KEYS = {"queue", "assignee", "tags", "custom_fields", "escalation_level", "links", "watchers"}


# ------------------------------------------------------------------ create


def test_operator_opens_a_ticket_routed_to_the_default_queue(operator: User, line1: Queue, contact: Contact) -> None:
    response = Api.session(operator).post(
        "/api/tickets", {**NEW_TICKET, "contact_id": contact.pk, "impact": 3, "urgency": 3, "tags": ["Отопление"]}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"HL-{body['id']:06d}"
    assert body["status"] == "new"
    assert body["status_label"] == "новая"
    assert body["queue"] == {"id": line1.pk, "name": "Первая линия", "line_level": 1}
    assert body["priority"] == Priority.CRITICAL
    assert body["priority_label"] == "критический"
    assert body["contact"] == {"id": contact.pk, "full_name": "Петров Иван"}
    assert body["organisation"]["name"] == "ООО «Ромашка»"
    assert body["tags"] == ["отопление"]
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.created_by == operator
    assert ticket.messages.get().body_text == "Кв. 12, с утра холодно"


def test_customer_opens_a_ticket_with_a_token_and_gets_the_customer_shape(customer: User, line1: Queue) -> None:
    response = Api.token(customer).post("/api/tickets", {"subject": "Не приходит квитанция", "channel": "portal"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contact"]["id"] == customer.contact.pk
    assert not AGENT_ONLY_KEYS & body.keys()
    assert Ticket.objects.get(pk=body["id"]).contact == customer.contact


def test_customer_may_not_choose_the_queue(customer: User, line1: Queue, line2: Queue) -> None:
    response = Api.token(customer).post("/api/tickets", {"subject": "Срочно", "queue_id": line2.pk})

    assert response.status_code == 422
    assert response.json()["field"] == "queue_id"
    assert not Ticket.objects.exists()


def test_retried_create_with_the_same_idempotency_key_makes_one_ticket(operator: User, line1: Queue) -> None:
    api = Api.session(operator)

    first = api.post("/api/tickets", NEW_TICKET, headers={"Idempotency-Key": "call-2024-0001"})
    again = api.post("/api/tickets", NEW_TICKET, headers={"Idempotency-Key": "call-2024-0001"})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def test_idempotency_key_reused_for_a_different_request_is_a_conflict(operator: User, line1: Queue) -> None:
    api = Api.session(operator)
    api.post("/api/tickets", NEW_TICKET, headers={"Idempotency-Key": "k-1"})

    response = api.post("/api/tickets", {**NEW_TICKET, "subject": "Другое"}, headers={"Idempotency-Key": "k-1"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["field"] == "idempotency_key"
    assert Ticket.objects.count() == 1


def test_idempotency_keys_are_per_user(operator: User, other_operator: User, line1: Queue) -> None:
    Api.session(operator).post("/api/tickets", NEW_TICKET, headers={"Idempotency-Key": "same"})
    response = Api.session(other_operator).post("/api/tickets", NEW_TICKET, headers={"Idempotency-Key": "same"})

    assert response.status_code == 201
    assert Ticket.objects.count() == 2


def test_without_a_key_two_posts_are_two_tickets(operator: User, line1: Queue) -> None:
    api = Api.session(operator)
    api.post("/api/tickets", NEW_TICKET)
    api.post("/api/tickets", NEW_TICKET)

    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": "без темы"}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x", "channel": "pigeon"}, "channel"),
        ({"subject": "x", "impact": 7}, "impact"),
        ({"subject": "x", "tags": "не список"}, "tags"),
        ({"subject": "x", "contact_id": 999_999}, "contact_id"),
        ({"subject": "x", "queue_id": 999_999}, "queue_id"),
        ({"subject": "x", "category_id": 999_999}, "category_id"),
    ],
)
def test_invalid_input_is_422_naming_the_field(
    operator: User, line1: Queue, payload: dict[str, object], field: str
) -> None:
    response = Api.session(operator).post("/api/tickets", payload)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["field"] == field
    assert body["message"]
    assert not Ticket.objects.exists()


def test_custom_field_errors_name_the_custom_field(operator: User, line1: Queue) -> None:
    definition = CustomFieldDefinitionFactory.create(key="account", label="Лицевой счёт", required=True)

    response = Api.session(operator).post("/api/tickets", {"subject": "x", "category_id": definition.category_id})

    assert response.status_code == 422
    assert response.json()["field"] == "custom_fields.account"


def test_body_that_is_not_json_is_422(operator: User, line1: Queue) -> None:
    api = Api.session(operator)
    response = api.client.post("/api/tickets", "{not json", content_type="application/json")

    assert response.status_code in (400, 422)
    assert set(response.json()) >= {"code", "message", "field"}


def test_anonymous_gets_401_in_the_error_format(db: None) -> None:
    for response in (Api.anonymous().get("/api/tickets"), Api.anonymous().post("/api/tickets", NEW_TICKET)):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    assert not Ticket.objects.exists()


def test_revoked_or_wrong_token_is_401(customer: User) -> None:
    api = Api(Api.anonymous().client, {"Authorization": "Bearer hl_not-a-token"})

    assert api.get("/api/tickets").status_code == 401


# ------------------------------------------------------------------ read


def test_ticket_by_number_or_id(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    by_number = api.get(f"/api/tickets/{ticket.number}")
    by_id = api.get(f"/api/tickets/{ticket.pk}")

    assert by_number.status_code == by_id.status_code == 200
    assert by_number.json() == by_id.json()
    assert by_number.json()["links"] == []


@pytest.mark.parametrize("ref", ["HL-999999", "999999", "abc", "XX-000001", "0"])
def test_unknown_refs_are_404(operator: User, ticket: Ticket, ref: str) -> None:
    response = Api.session(operator).get(f"/api/tickets/{ref}")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Заявка не найдена", "field": None}


def test_customer_reads_their_ticket_without_internal_fields(customer: User, ticket: Ticket) -> None:
    response = Api.token(customer).get(f"/api/tickets/{ticket.number}")

    assert response.status_code == 200
    assert not AGENT_ONLY_KEYS & response.json().keys()


# ------------------------------------------------------------------ edit


def test_agent_edits_subject_and_description(operator: User, ticket: Ticket) -> None:
    response = Api.session(operator).patch(
        f"/api/tickets/{ticket.number}", {"subject": "Принтер в бухгалтерии", "description": "Замятие бумаги"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["subject"] == "Принтер в бухгалтерии"
    ticket.refresh_from_db()
    assert ticket.description == "Замятие бумаги"
    assert TicketHistory.objects.filter(ticket=ticket, field="subject").exists()


def test_patch_with_an_empty_subject_is_422(operator: User, ticket: Ticket) -> None:
    response = Api.session(operator).patch(f"/api/tickets/{ticket.number}", {"subject": ""})

    assert response.status_code == 422
    assert response.json()["field"] == "subject"


# ------------------------------------------------------------------ list


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def test_list_filters(operator: User, other_operator: User, line1: Queue, contact: Contact) -> None:
    parent = CategoryFactory.create(name="Отопление")
    child = CategoryFactory.create(name="Батареи", parent=parent)
    hot = TagFactory.create(name="авария")
    mine = TicketFactory.create(
        queue=line1, assignee=operator, status=Status.OPEN, priority=Priority.HIGH, contact=contact
    )
    theirs = TicketFactory.create(queue=line1, assignee=other_operator, status=Status.PENDING_CUSTOMER, category=child)
    nobody = TicketFactory.create(queue=line1, status=Status.NEW, channel="email", subject="Протекает крыша")
    done = TicketFactory.create(queue=line1, status=Status.RESOLVED)
    nobody.tags.add(hot)
    api = Api.session(operator)

    assert _ids(api.get("/api/tickets")) == [done.pk, nobody.pk, theirs.pk, mine.pk]
    assert set(_ids(api.get("/api/tickets?status=open&status=pending_customer"))) == {mine.pk, theirs.pk}
    assert set(_ids(api.get("/api/tickets?status=open,new"))) == {mine.pk, nobody.pk}
    assert set(_ids(api.get("/api/tickets?open=true"))) == {mine.pk, theirs.pk, nobody.pk}
    assert _ids(api.get("/api/tickets?assignee=me")) == [mine.pk]
    assert _ids(api.get(f"/api/tickets?assignee={other_operator.pk}")) == [theirs.pk]
    assert set(_ids(api.get("/api/tickets?assignee=none"))) == {nobody.pk, done.pk}
    assert _ids(api.get(f"/api/tickets?contact={contact.pk}")) == [mine.pk]
    assert _ids(api.get(f"/api/tickets?priority={Priority.HIGH.value}")) == [mine.pk]
    assert _ids(api.get(f"/api/tickets?category={parent.pk}")) == [theirs.pk]
    assert _ids(api.get("/api/tickets?channel=email")) == [nobody.pk]
    assert _ids(api.get("/api/tickets?tag=авария")) == [nobody.pk]
    assert _ids(api.get("/api/tickets?q=крыша")) == [nobody.pk]
    assert _ids(api.get(f"/api/tickets?q={mine.number}")) == [mine.pk]
    assert _ids(api.get(f"/api/tickets?queue={line1.pk}&status=resolved")) == [done.pk]


def test_list_by_creation_dates(operator: User, line1: Queue) -> None:
    may = timezone.make_aware(datetime.datetime(2025, 5, 31, 18, 0))
    june = timezone.make_aware(datetime.datetime(2025, 6, 2, 9, 0))
    in_may = TicketFactory.create(queue=line1, created_at=may)
    in_june = TicketFactory.create(queue=line1, created_at=june)
    api = Api.session(operator)

    assert _ids(api.get("/api/tickets?created_to=2025-05-31")) == [in_may.pk]
    assert _ids(api.get("/api/tickets?created_from=2025-06-01")) == [in_june.pk]
    assert _ids(api.get("/api/tickets", {"created_from": "2025-05-31T19:00:00+03:00"})) == [in_june.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("assignee=someone", "assignee"),
        ("priority=9", "priority"),
        ("created_from=yesterday", "created_from"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("cursor=%%%", "cursor"),
    ],
)
def test_bad_list_parameters_are_422(operator: User, line1: Queue, query: str, field: str) -> None:
    response = Api.session(operator).get(f"/api/tickets?{query}")

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_cursor_pages_through_every_ticket_once(operator: User, line1: Queue) -> None:
    made = [TicketFactory.create(queue=line1) for _ in range(5)]
    api = Api.session(operator)

    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/tickets", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted((t.pk for t in made), reverse=True)


def test_customer_lists_only_their_own_tickets(customer: User, other_customer: User, line1: Queue) -> None:
    own = TicketFactory.create(queue=line1, contact=customer.contact)
    TicketFactory.create(queue=line1, contact=other_customer.contact)
    TicketFactory.create(queue=line1)

    response = Api.token(customer).get("/api/tickets")

    assert _ids(response) == [own.pk]
    assert not AGENT_ONLY_KEYS & response.json()["items"][0].keys()


def test_operator_lists_only_tickets_of_their_queues(operator: User, line1: Queue, line2: Queue) -> None:
    own = TicketFactory.create(queue=line1)
    TicketFactory.create(queue=line2)

    assert _ids(Api.session(operator).get("/api/tickets")) == [own.pk]


def _make_rich_tickets(queue: Queue, assignee: User, count: int) -> None:
    """Tickets with every relation a list row shows filled, each with its own rows where it can."""
    tags = [TagFactory.create(name=f"метка-{i}") for i in range(3)]
    for _ in range(count):
        organisation = OrganisationFactory.create()
        ticket = TicketFactory.create(
            queue=queue,
            assignee=assignee,
            category=CategoryFactory.create(),
            contact=ContactFactory.create(organisation=organisation),
            organisation=organisation,
        )
        ticket.tags.add(*tags)


def _list_queries(api: Api) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/tickets", {"limit": 50})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["items"])


@pytest.mark.parametrize("who", ["operator", "customer"])
def test_list_costs_the_same_queries_for_5_or_30_tickets(
    who: str, operator: User, customer: User, line1: Queue, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    def make(count: int) -> None:
        if who == "customer":
            contact = customer.contact
            TicketFactory.create_batch(count, queue=line1, contact=contact, organisation=contact.organisation)
        else:
            _make_rich_tickets(line1, operator, count)

    api = Api.token(customer) if who == "customer" else Api.session(operator)
    make(5)
    api.get("/api/tickets")  # the token's first use writes last_used_at; keep it out of the count
    small, five = _list_queries(api)
    make(25)
    large, thirty = _list_queries(api)

    assert (five, thirty) == (5, 30)
    assert large == small
    with django_assert_max_num_queries(8):
        api.get("/api/tickets")
