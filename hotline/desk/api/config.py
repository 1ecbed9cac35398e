"""What a client needs to fill a ticket form: the actor's queues and the category tree."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest
from ninja import Router

from hotline.desk import selectors
from hotline.desk.api import presenters
from hotline.desk.api.common import ERRORS, actor
from hotline.desk.models import Category, CustomFieldDefinition
from hotline.desk.schemas import CategoryNodeOut, CustomFieldDefinitionOut, QueueOut

router = Router(tags=["configuration"])


@router.get(
    "/queues",
    response={200: list[QueueOut], **ERRORS},
    summary="Очереди",
    description="Очереди, в которые сотрудник может передать заявку; `mine=true` — те, где он состоит.",
)
def list_queues(request: HttpRequest, mine: bool = False) -> list[QueueOut]:
    user = actor(request)
    queues = selectors.my_queues(user) if mine else selectors.list_queues_for(user)
    return [presenters.queue(q) for q in queues]


def _field(definition: CustomFieldDefinition) -> CustomFieldDefinitionOut:
    return CustomFieldDefinitionOut(
        key=definition.key,
        label=definition.label,
        field_type=definition.field_type,
        required=definition.required,
        choices=list(definition.choices or []),
    )


@router.get(
    "/categories",
    response={200: list[CategoryNodeOut], **ERRORS},
    summary="Дерево категорий с дополнительными полями",
    description="У каждой категории — её собственные поля; подкатегория наследует поля предков.",
)
def list_categories(request: HttpRequest) -> list[CategoryNodeOut]:
    categories: list[Category] = list(selectors.list_categories().prefetch_related("custom_fields"))
    nodes = {
        c.pk: CategoryNodeOut(
            id=c.pk,
            name=c.name,
            path=c.path,
            custom_fields=[_field(d) for d in c.custom_fields.all()],
            children=[],
        )
        for c in categories
    }
    children: defaultdict[int | None, list[CategoryNodeOut]] = defaultdict(list)
    for c in categories:
        # A child of an inactive (filtered-out) parent would be unreachable; show it at the top instead.
        parent = c.parent_id if c.parent_id in nodes else None
        children[parent].append(nodes[c.pk])
    for pk, node in nodes.items():
        node.children = children.get(pk, [])
    return children.get(None, [])
