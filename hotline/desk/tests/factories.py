"""Factories for desk models; the API tests build on them too.

``ContactFactory`` and ``OrganisationFactory`` are the customers app's, re-exported here.
Tickets made here skip the services (no history, no events): use them for fixtures and list
pages; tests of a use case call the service.
"""

from __future__ import annotations

from typing import Any

import factory

from hotline.core.tests.factories import OperatorFactory, UserFactory
from hotline.customers.tests.factories import ContactFactory, OrganisationFactory
from hotline.desk.choices import AssignmentMode, Channel, CustomFieldType, QueueRole, Status
from hotline.desk.models import (
    AgentSkill,
    Category,
    CustomFieldDefinition,
    Queue,
    QueueMembership,
    RoutingRule,
    Skill,
    Tag,
    Ticket,
)


class SkillFactory(factory.django.DjangoModelFactory[Skill]):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"навык-{n}")


class AgentSkillFactory(factory.django.DjangoModelFactory[AgentSkill]):
    class Meta:
        model = AgentSkill

    user = factory.SubFactory(OperatorFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 1


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    """A 1st-line queue by default; ``DepartmentFactory`` for a department (no line)."""

    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Очередь {n}")
    slug = factory.Sequence(lambda n: f"queue-{n}")
    line_level: int | None = 1
    assignment_mode = AssignmentMode.MANUAL


class LineQueueFactory(QueueFactory):
    """``LineQueueFactory(line_level=2)`` — a queue of a support line."""

    name = factory.LazyAttributeSequence(lambda q, n: f"Линия {q.line_level} ({n})")


class DepartmentFactory(QueueFactory):
    name = factory.Sequence(lambda n: f"Отдел {n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")
    line_level = None


class QueueMembershipFactory(factory.django.DjangoModelFactory[QueueMembership]):
    class Meta:
        model = QueueMembership

    queue = factory.SubFactory(QueueFactory)
    user = factory.SubFactory(OperatorFactory)
    role = QueueRole.MEMBER


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    """Saved directly, with ``path`` filled the way ``save_category`` fills it."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Категория {n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Category], *args: Any, **kwargs: Any) -> Category:
        category = model_class.objects.create(*args, **kwargs)
        parent_path = category.parent.path if category.parent is not None else "/"
        category.path = f"{parent_path}{category.pk}/"
        category.save(update_fields=["path"])
        return category


class CustomFieldDefinitionFactory(factory.django.DjangoModelFactory[CustomFieldDefinition]):
    class Meta:
        model = CustomFieldDefinition

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Поле {n}")
    field_type = CustomFieldType.TEXT
    required = False


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Правило {n}")
    queue = factory.SubFactory(QueueFactory)


class TagFactory(factory.django.DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"метка-{n}")


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Не работает принтер №{n}")
    description = "Принтер в бухгалтерии не печатает."
    channel = Channel.PHONE
    contact = factory.SubFactory(ContactFactory)
    queue = factory.SubFactory(QueueFactory)
    status = Status.NEW
    created_by = factory.SubFactory(UserFactory)


__all__ = [
    "AgentSkillFactory",
    "CategoryFactory",
    "ContactFactory",
    "CustomFieldDefinitionFactory",
    "DepartmentFactory",
    "LineQueueFactory",
    "OrganisationFactory",
    "QueueFactory",
    "QueueMembershipFactory",
    "RoutingRuleFactory",
    "SkillFactory",
    "TagFactory",
    "TicketFactory",
]
