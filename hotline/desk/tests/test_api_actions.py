"""The action endpoints on a ticket: each one's happy path and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory
from hotline.desk.choices import Priority, Status
from hotline.desk.models import Category, Message, Queue, SatisfactionRating, Ticket, TicketHistory, TicketLink
from hotline.desk.tests.api_client import Api
from hotline.desk.tests.factories import CustomFieldDefinitionFactory, QueueMembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db


def act(api: Api, ticket: Ticket, action: str, data: dict[str, Any] | None = None) -> Any:
    return api.post(f"/api/tickets/{ticket.number}/{action}", data or {})


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.json()
    body: dict[str, Any] = response.json()
    return body


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.json()
    body: dict[str, Any] = response.json()
    assert set(body) >= {"code", "message", "field"}
    assert body["message"]
    if field is not None:
        assert body["field"] == field
    return body


# ------------------------------------------------------------------ assignment


def test_take_then_another_agent_taking_is_409(operator: User, other_operator: User, ticket: Ticket) -> None:
    body = ok(act(Api.session(operator), ticket, "take"))
    assert body["assignee"]["id"] == operator.pk

    conflict = refused(act(Api.session(other_operator), ticket, "take"), 409)

    assert conflict["code"] == "conflict"
    assert operator.display_name in conflict["message"]
    ticket.refresh_from_db()
    assert ticket.assignee == operator


def test_taking_your_own_ticket_again_is_fine(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)
    ok(act(api, ticket, "take"))

    assert ok(act(api, ticket, "take"))["assignee"]["id"] == operator.pk


def test_customer_cannot_take(customer: User, ticket: Ticket) -> None:
    refused(act(Api.token(customer), ticket, "take"), 403)


def test_assign_and_unassign(supervisor: User, operator: User, ticket: Ticket) -> None:
    api = Api.session(supervisor)

    assert ok(act(api, ticket, "assign", {"assignee_id": operator.pk}))["assignee"]["id"] == operator.pk
    assert ok(act(api, ticket, "assign", {"assignee_id": None}))["assignee"] is None
    ok(act(api, ticket, "assign", {"assignee_id": operator.pk}))
    assert ok(act(api, ticket, "unassign"))["assignee"] is None


def test_assign_refusals(operator: User, other_operator: User, specialist: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    refused(act(api, ticket, "assign", {"assignee_id": specialist.pk}), 422, "assignee_id")
    refused(act(api, ticket, "assign", {"assignee_id": 999_999}), 422, "assignee_id")
    refused(act(api, ticket, "assign", {"assignee_id": "кто-то"}), 422, "assignee_id")
    refused(act(api, ticket, "assign", {}), 422, "assignee_id")
    ok(act(Api.session(other_operator), ticket, "take"))
    # Taking a colleague's ticket away is for the queue's lead.
    refused(act(api, ticket, "assign", {"assignee_id": operator.pk}), 403)
    refused(act(api, ticket, "unassign"), 403)


# ------------------------------------------------------------------ workflow


def test_status_change_and_an_illegal_move(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    body = ok(act(api, ticket, "status", {"status": "pending_customer", "reason": "ждём фото счётчика"}))
    assert (body["status"], body["status_label"]) == ("pending_customer", "ожидает клиента")
    assert TicketHistory.objects.filter(
        ticket=ticket, field="status", new_value="pending_customer", reason="ждём фото счётчика"
    ).exists()

    ok(act(api, ticket, "resolve", {"resolution_code": "solved"}))
    illegal = refused(act(api, ticket, "status", {"status": "pending_third_party"}), 409, "status")
    assert illegal["code"] == "invalid_transition"
    assert "closed" in illegal["message"]  # names where it may go


def test_status_must_be_a_known_one(operator: User, ticket: Ticket) -> None:
    refused(act(Api.session(operator), ticket, "status", {"status": "lost"}), 422, "status")


def test_resolve_close_reopen(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    resolved = ok(act(api, ticket, "resolve", {"resolution_code": "workaround", "resolution_note": "Перезагрузили"}))
    assert resolved["status"] == "resolved"
    assert resolved["resolution_code"] == "workaround"
    assert resolved["resolved_at"] is not None

    assert ok(act(api, ticket, "close"))["status"] == "closed"
    reopened = ok(act(api, ticket, "reopen", {"reason": "снова не работает"}))
    assert reopened["status"] == "open"
    assert reopened["reopen_count"] == 1


def test_workflow_refusals(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    refused(act(api, ticket, "resolve", {"resolution_code": "magic"}), 422, "resolution_code")
    refused(act(api, ticket, "resolve", {}), 422, "resolution_code")
    refused(act(api, ticket, "close"), 409)  # not resolved yet
    refused(act(api, ticket, "reopen"), 409)  # still open
    refused(act(api, ticket, "cancel", {"reason": "  "}), 422, "reason")


def test_cancel_with_a_reason(operator: User, ticket: Ticket) -> None:
    body = ok(act(Api.session(operator), ticket, "cancel", {"reason": "Ошибочный звонок"}))

    assert body["status"] == "cancelled"
    assert body["cancelled_at"] is not None


def test_customer_confirms_a_solution_but_cannot_resolve(customer: User, operator: User, ticket: Ticket) -> None:
    api = Api.token(customer)
    refused(act(api, ticket, "resolve", {"resolution_code": "solved"}), 403)

    ok(act(Api.session(operator), ticket, "resolve", {"resolution_code": "solved"}))
    body = ok(act(api, ticket, "close"))

    assert body["status"] == "closed"
    assert "queue" not in body


# ------------------------------------------------------------------ escalation and transfer


def test_escalate_to_the_next_line(operator: User, ticket: Ticket, line2: Queue) -> None:
    body = ok(act(Api.session(operator), ticket, "escalate", {"reason": "Нужен доступ к серверу"}))

    assert body["queue"]["id"] == line2.pk
    assert body["escalation_level"] == 1
    assert body["escalated_at"] is not None
    # The operator who escalated keeps sight of the ticket (as a watcher).
    assert ok(Api.session(operator).get(f"/api/tickets/{ticket.number}"))["queue"]["line_level"] == 2


def test_escalate_refusals(operator: User, ticket: Ticket, line2: Queue, department: Queue) -> None:
    api = Api.session(operator)

    refused(act(api, ticket, "escalate", {"reason": ""}), 422, "reason")
    refused(act(api, ticket, "escalate", {"reason": "x", "to_queue_id": department.pk}), 422, "to_queue_id")
    refused(act(api, ticket, "escalate", {"reason": "x", "to_queue_id": 999_999}), 422, "to_queue_id")


def test_escalating_past_the_top_line_is_409(specialist3: User, line3: Queue) -> None:
    ticket = TicketFactory.create(queue=line3)

    refused(act(Api.session(specialist3), ticket, "escalate", {"reason": "некуда"}), 409)


def test_transfer_to_a_department(operator: User, ticket: Ticket, department: Queue) -> None:
    body = ok(act(Api.session(operator), ticket, "transfer", {"to_queue_id": department.pk, "reason": "Вопрос оплаты"}))

    assert body["queue"] == {"id": department.pk, "name": "Бухгалтерия", "line_level": None}


def test_transfer_refusals(operator: User, ticket: Ticket, department: Queue) -> None:
    api = Api.session(operator)

    refused(act(api, ticket, "transfer", {"reason": "x"}), 422, "to_queue_id")
    refused(act(api, ticket, "transfer", {"to_queue_id": department.pk}), 422, "reason")


# ------------------------------------------------------------------ classification


def test_priority_from_the_matrix_or_explicit(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)

    body = ok(act(api, ticket, "priority", {"impact": 3, "urgency": 2}))
    assert (body["impact"], body["urgency"], body["priority"]) == (3, 2, Priority.HIGH)

    body = ok(act(api, ticket, "priority", {"impact": 1, "urgency": 1, "priority": 1, "reason": "VIP"}))
    assert (body["priority"], body["priority_label"]) == (Priority.CRITICAL, "критический")

    refused(act(api, ticket, "priority", {"impact": 5, "urgency": 1}), 422, "impact")
    refused(act(api, ticket, "priority", {"impact": 1}), 422, "urgency")


def test_category_with_custom_fields(operator: User, ticket: Ticket, category: Category) -> None:
    CustomFieldDefinitionFactory.create(category=category, key="inventory", label="Инв. номер", required=True)
    api = Api.session(operator)

    refused(act(api, ticket, "category", {"category_id": category.pk}), 422, "custom_fields.inventory")
    refused(act(api, ticket, "category", {"category_id": 999_999}), 422, "category_id")
    body = ok(act(api, ticket, "category", {"category_id": category.pk, "custom_fields": {"inventory": "ПК-0042"}}))

    assert body["category"]["name"] == "Оборудование"
    assert body["custom_fields"] == {"inventory": "ПК-0042"}
    body = ok(act(api, ticket, "custom-fields", {"custom_fields": {"inventory": "ПК-0043"}}))
    assert body["custom_fields"] == {"inventory": "ПК-0043"}
    refused(act(api, ticket, "custom-fields", {"custom_fields": {"unknown": 1}}), 422)


def test_tags_are_replaced(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)
    ok(act(api, ticket, "tags", {"tags": ["Авария", "счётчик"]}))

    body = ok(act(api, ticket, "tags", {"tags": ["счётчик", " Поверка "]}))

    assert body["tags"] == ["поверка", "счётчик"]
    refused(act(api, ticket, "tags", {"tags": "авария"}), 422, "tags")


def test_customer_cannot_classify(customer: User, ticket: Ticket) -> None:
    api = Api.token(customer)

    refused(act(api, ticket, "tags", {"tags": ["важно"]}), 403)
    refused(act(api, ticket, "priority", {"impact": 3, "urgency": 3}), 403)
    refused(act(api, ticket, "escalate", {"reason": "быстрее"}), 403)


# ------------------------------------------------------------------ relations


def test_merge_into_another_ticket(operator: User, ticket: Ticket, line1: Queue) -> None:
    target = TicketFactory.create(queue=line1, contact=ticket.contact)

    body = ok(act(Api.session(operator), ticket, "merge", {"into": target.number}))

    assert body["id"] == target.pk
    ticket.refresh_from_db()
    assert ticket.merged_into == target
    assert ok(Api.session(operator).get(f"/api/tickets/{ticket.number}"))["merged_into"]["number"] == target.number


def test_merge_into_an_unknown_or_foreign_ticket_is_404(operator: User, ticket: Ticket, line2: Queue) -> None:
    foreign = TicketFactory.create(queue=line2)
    api = Api.session(operator)

    refused(act(api, ticket, "merge", {"into": "HL-999999"}), 404)
    refused(act(api, ticket, "merge", {"into": foreign.number}), 404)
    refused(act(api, ticket, "merge", {"into": ticket.number}), 422)
    ticket.refresh_from_db()
    assert ticket.merged_into is None


def test_split_messages_into_a_new_ticket(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)
    ok(api.post(f"/api/tickets/{ticket.number}/replies", {"body_text": "Уточните адрес"}), 201)
    second = Message.objects.create(ticket=ticket, author_contact=ticket.contact, body_text="И ещё: течёт кран")

    body = ok(act(api, ticket, "split", {"message_ids": [second.pk], "subject": "Течёт кран"}), 201)

    assert body["subject"] == "Течёт кран"
    assert body["parent"] == {"id": ticket.pk, "number": ticket.number}
    refused(act(api, ticket, "split", {"message_ids": [], "subject": "x"}), 422, "message_ids")
    refused(act(api, ticket, "split", {"message_ids": [second.pk], "subject": ""}), 422)


def test_link_and_unlink(operator: User, ticket: Ticket, line1: Queue) -> None:
    other = TicketFactory.create(queue=line1)
    api = Api.session(operator)

    link = ok(act(api, ticket, "links", {"target": other.number, "kind": "duplicate"}), 201)
    assert link["ticket"]["number"] == other.number
    assert link["kind"] == "duplicate"
    refused(act(api, ticket, "links", {"target": other.number, "kind": "duplicate"}), 409)
    refused(act(api, ticket, "links", {"target": other.number, "kind": "friends"}), 422, "kind")

    seen_from_other = ok(api.get(f"/api/tickets/{other.number}"))["links"]
    assert [(entry["direction"], entry["ticket"]["id"]) for entry in seen_from_other] == [("in", ticket.pk)]

    third = TicketFactory.create(queue=line1)
    response = api.delete(f"/api/tickets/{third.number}/links/{link['id']}")
    assert response.status_code == 404  # the link is not that ticket's
    response = api.delete(f"/api/tickets/{ticket.number}/links/{link['id']}")
    assert response.status_code == 204
    assert not TicketLink.objects.exists()


def test_watchers(operator: User, other_operator: User, ticket: Ticket, customer: User) -> None:
    api = Api.session(operator)

    body = ok(act(api, ticket, "watchers", {}))
    assert [w["id"] for w in body["watchers"]] == [operator.pk]
    body = ok(act(api, ticket, "watchers", {"user_id": other_operator.pk}))
    assert [w["id"] for w in body["watchers"]] == [operator.pk, other_operator.pk]
    refused(act(api, ticket, "watchers", {"user_id": customer.pk}), 422, "user_id")

    response = api.delete(f"/api/tickets/{ticket.number}/watchers/{other_operator.pk}")
    assert [w["id"] for w in ok(response)["watchers"]] == [operator.pk]


def test_a_watcher_from_another_line_sees_but_cannot_change(operator: User, ticket: Ticket, line2: Queue) -> None:
    outsider = OperatorFactory.create(username="line2-agent")
    QueueMembershipFactory.create(queue=line2, user=outsider)
    ok(act(Api.session(operator), ticket, "watchers", {"user_id": outsider.pk}))
    api = Api.session(outsider)

    assert ok(api.get(f"/api/tickets/{ticket.number}"))["id"] == ticket.pk
    refused(act(api, ticket, "tags", {"tags": ["x"]}), 403)
    # …but may stop watching.
    assert api.delete(f"/api/tickets/{ticket.number}/watchers/{outsider.pk}").status_code == 200
    assert api.get(f"/api/tickets/{ticket.number}").status_code == 404


# ------------------------------------------------------------------ rating


def test_customer_rates_once_a_resolved_ticket(customer: User, operator: User, ticket: Ticket) -> None:
    api = Api.token(customer)
    refused(act(api, ticket, "rating", {"score": 5}), 409)  # not resolved yet
    ok(act(Api.session(operator), ticket, "resolve", {"resolution_code": "solved"}))

    body = ok(act(api, ticket, "rating", {"score": 4, "comment": "Быстро, спасибо"}), 201)

    assert (body["score"], body["comment"]) == (4, "Быстро, спасибо")
    refused(act(api, ticket, "rating", {"score": 5}), 409)
    assert SatisfactionRating.objects.get(ticket=ticket).score == 4
    assert ok(api.get(f"/api/tickets/{ticket.number}"))["rating"]["score"] == 4


def test_rating_refusals(customer: User, operator: User, ticket: Ticket) -> None:
    ticket.status = Status.RESOLVED
    ticket.save(update_fields=["status"])

    refused(act(Api.session(operator), ticket, "rating", {"score": 5}), 403)
    refused(act(Api.token(customer), ticket, "rating", {"score": 9}), 422, "score")
    refused(act(Api.token(customer), ticket, "rating", {"score": "отлично"}), 422, "score")
    assert not SatisfactionRating.objects.exists()


# ------------------------------------------------------------------ ids out of range


@pytest.mark.parametrize(
    ("method", "tail", "body", "field"),
    [
        ("post", "split", {"message_ids": [2**80], "subject": "x"}, "message_ids.0"),
        ("post", "assign", {"assignee_id": 2**64}, "assignee_id"),
        ("post", "transfer", {"to_queue_id": -1, "reason": "x"}, "to_queue_id"),
        ("delete", f"links/{2**64}", None, "link_id"),
        ("delete", "watchers/0", None, "user_id"),
    ],
)
def test_ids_beyond_a_bigint_are_422_not_a_database_error(
    operator: User, ticket: Ticket, method: str, tail: str, body: dict[str, Any] | None, field: str
) -> None:
    api = Api.session(operator)
    path = f"/api/tickets/{ticket.number}/{tail}"
    response = api.post(path, body) if method == "post" else api.delete(path)

    refused(response, 422, field)


@pytest.mark.parametrize("field", ["reason", "status"])
def test_text_with_a_nul_character_is_refused_and_changes_nothing(operator: User, ticket: Ticket, field: str) -> None:
    # PostgreSQL cannot store U+0000: without the guard this was a database error (500) on PostgreSQL.
    body = {"status": "pending_customer", "reason": "ждём фото"} | {field: "фото\x00счётчика"}
    answer = refused(act(Api.session(operator), ticket, "status", body), 422, field)
    assert "U+0000" in answer["message"]
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert not TicketHistory.objects.filter(ticket=ticket, field="status").exists()


def test_a_nul_character_in_the_query_string_is_refused(operator: User) -> None:
    response = Api.session(operator).get("/api/tickets?q=%00принтер")
    refused(response, 422, "q")


def test_an_escaped_backslash_before_u0000_is_ordinary_text(operator: User, ticket: Ticket) -> None:
    reason = "путь C:\\u0000\\файл"  # a backslash and the letters u0000, not the NUL character
    ok(act(Api.session(operator), ticket, "status", {"status": "pending_customer", "reason": reason}))
    assert TicketHistory.objects.filter(ticket=ticket, field="status", reason=reason).exists()


def test_a_nul_character_in_a_multipart_field_is_refused(operator: User, ticket: Ticket) -> None:
    api = Api.session(operator)
    response = api.client.post(f"/api/tickets/{ticket.number}/notes", {"body_text": "фото\x00счётчика"})
    refused(response, 422, "body_text")
    assert not Message.objects.filter(ticket=ticket, body_text__contains="счётчика").exists()
