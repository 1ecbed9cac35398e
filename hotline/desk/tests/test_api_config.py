"""Queues and the category tree for ticket forms; the published OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.core.models import User
from hotline.desk.choices import CustomFieldType
from hotline.desk.models import Queue
from hotline.desk.tests.api_client import Api
from hotline.desk.tests.factories import CategoryFactory, CustomFieldDefinitionFactory, QueueFactory

pytestmark = pytest.mark.django_db


def test_queues_an_agent_may_transfer_to_and_their_own(
    operator: User, line1: Queue, line2: Queue, department: Queue
) -> None:
    QueueFactory.create(name="Архив", slug="archive", is_active=False)
    api = Api.session(operator)

    every = api.get("/api/queues").json()
    mine = api.get("/api/queues?mine=true").json()

    # Lines in order; where departments (no line) sort depends on the database's NULL ordering.
    assert [q["name"] for q in every if q["line_level"]] == ["Первая линия", "Вторая линия"]
    assert {q["name"] for q in every} == {"Бухгалтерия", "Первая линия", "Вторая линия"}
    assert next(q for q in every if q["name"] == "Бухгалтерия")["is_department"] is True
    assert [q["id"] for q in mine] == [line1.pk]
    assert mine[0]["is_default"] is True


def test_customers_see_no_queues(customer: User, line1: Queue) -> None:
    response = Api.token(customer).get("/api/queues")

    assert response.status_code == 200
    assert response.json() == []


def test_category_tree_with_custom_fields(operator: User) -> None:
    heating = CategoryFactory.create(name="Отопление", sort_order=1)
    radiators = CategoryFactory.create(name="Батареи", parent=heating)
    CategoryFactory.create(name="Старое", is_active=False)
    CustomFieldDefinitionFactory.create(
        category=heating, key="flat", label="Квартира", field_type=CustomFieldType.INTEGER, required=True
    )
    CustomFieldDefinitionFactory.create(
        category=radiators, key="kind", label="Тип", field_type=CustomFieldType.CHOICE, choices=["чугун", "биметалл"]
    )

    tree: list[dict[str, Any]] = Api.session(operator).get("/api/categories").json()

    assert [node["name"] for node in tree] == ["Отопление"]
    top = tree[0]
    assert top["custom_fields"] == [
        {"key": "flat", "label": "Квартира", "field_type": "integer", "required": True, "choices": []}
    ]
    assert [child["name"] for child in top["children"]] == ["Батареи"]
    assert top["children"][0]["custom_fields"][0]["choices"] == ["чугун", "биметалл"]


def test_categories_cost_a_fixed_number_of_queries(operator: User, django_assert_max_num_queries: Any) -> None:
    for i in range(20):
        parent = CategoryFactory.create(name=f"Раздел {i}")
        CustomFieldDefinitionFactory.create(category=parent)
        CategoryFactory.create(name=f"Подраздел {i}", parent=parent)
    api = Api.session(operator)

    with django_assert_max_num_queries(5):
        assert len(api.get("/api/categories").json()) == 20


def test_openapi_documents_the_desk(db: None) -> None:
    response = Api.anonymous().get("/api/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    reply = paths["/api/tickets/{ref}/replies"]["post"]
    assert set(reply["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    create = paths["/api/tickets"]["post"]
    assert {"200", "201", "401", "409", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    # Every desk operation documents the error answers an integrator must handle.
    for path, operations in paths.items():
        if path.startswith(("/api/tickets", "/api/attachments")):
            for operation in operations.values():
                assert {"401", "404"} <= set(operation["responses"]), path
