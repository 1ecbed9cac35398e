"""Admin for the desk's configuration. Every save goes through a service, so it is validated and audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.desk.models import (
    Category,
    CustomFieldDefinition,
    PriorityRule,
    Queue,
    QueueMembership,
    RoutingRule,
    Skill,
    Ticket,
)
from hotline.desk.services import categories, configuration, priority


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class ServiceForm[M: Model](ModelForm[M]):
    """Runs the service in ``clean`` so its refusals show next to the field, not as a 500."""

    service_call: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.service_call is None:
            return data
        try:
            self.instance = self.service_call(self.instance, data)
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, ValidationError(exc.message))
        return data


def _no_change_log(formset: Any) -> None:
    # The admin's own change message reads these; the services keep the real audit trail.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class MembershipInline(admin.TabularInline[QueueMembership, Queue]):
    model = QueueMembership
    extra = 1
    fields = ("user", "role", "accepts_assignments", "last_assigned_at")
    readonly_fields = ("last_assigned_at",)
    autocomplete_fields = ("user",)


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ("name", "line_level", "assignment_mode", "escalation_queue", "is_default", "is_active")
    list_filter = ("line_level", "assignment_mode", "is_active")
    search_fields = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    def get_form(self, request: HttpRequest, obj: Queue | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = _actor(request)

        def call(instance: Queue, data: dict[str, Any]) -> Queue:
            values = {k: v for k, v in data.items() if k in configuration.QUEUE_FIELDS}
            return configuration.save_queue(actor=actor, queue=instance if instance.pk else None, **values)

        return type("QueueServiceForm", (ServiceForm, form), {"service_call": staticmethod(call)})

    def save_model(self, request: HttpRequest, obj: Queue, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        actor = _actor(request)
        queue = form.instance
        _no_change_log(formset)
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or not data.get("user"):
                continue
            if data.get("DELETE"):
                configuration.remove_queue_member(actor=actor, queue=queue, user=data["user"])
            else:
                configuration.set_queue_member(
                    actor=actor,
                    queue=queue,
                    user=data["user"],
                    role=data["role"],
                    accepts_assignments=data["accepts_assignments"],
                )


class CustomFieldInline(admin.TabularInline[CustomFieldDefinition, Category]):
    model = CustomFieldDefinition
    extra = 0
    fields = ("key", "label", "field_type", "required", "choices", "sort_order")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "parent", "required_skill", "is_active", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "parent", "required_skill", "is_active", "sort_order")
    inlines = [CustomFieldInline]

    def get_form(self, request: HttpRequest, obj: Category | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = _actor(request)

        def call(instance: Category, data: dict[str, Any]) -> Category:
            return categories.save_category(
                actor=actor,
                category=instance if instance.pk else None,
                name=data["name"],
                parent=data.get("parent"),
                required_skill=data.get("required_skill"),
                is_active=data.get("is_active", True),
                sort_order=data.get("sort_order") or 0,
            )

        return type("CategoryServiceForm", (ServiceForm, form), {"service_call": staticmethod(call)})

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        actor = _actor(request)
        _no_change_log(formset)
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or not data.get("key"):
                continue
            if data.get("DELETE") and inline_form.instance.pk:
                inline_form.instance.delete()
                continue
            categories.save_custom_field(
                actor=actor,
                category=form.instance,
                key=data["key"],
                label=data["label"],
                field_type=data["field_type"],
                required=data["required"],
                choices=data.get("choices") or [],
                sort_order=data.get("sort_order") or 0,
            )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ("order", "name", "channel", "category", "organisation", "mailbox", "keywords", "queue", "is_active")
    list_display_links = ("name",)
    list_filter = ("is_active", "channel", "queue")
    ordering = ("order", "id")
    fields = (
        "name", "order", "is_active", "channel", "category", "organisation", "mailbox", "keywords", "queue",
        "set_priority",
    )  # fmt: skip
    autocomplete_fields = ("organisation",)

    def get_form(
        self, request: HttpRequest, obj: RoutingRule | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = _actor(request)

        def call(instance: RoutingRule, data: dict[str, Any]) -> RoutingRule:
            return configuration.save_routing_rule(
                actor=actor,
                rule=instance if instance.pk else None,
                name=data["name"],
                queue=data["queue"],
                order=data.get("order") or 0,
                is_active=data.get("is_active", True),
                channel=data.get("channel") or "",
                category=data.get("category"),
                organisation=data.get("organisation"),
                mailbox=data.get("mailbox") or "",
                keywords=data.get("keywords") or "",
                set_priority=data.get("set_priority"),
            )

        return type("RoutingRuleServiceForm", (ServiceForm, form), {"service_call": staticmethod(call)})

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin[PriorityRule]):
    list_display = ("impact", "urgency", "priority")
    ordering = ("-impact", "-urgency")

    def get_form(
        self, request: HttpRequest, obj: PriorityRule | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = _actor(request)

        def call(instance: PriorityRule, data: dict[str, Any]) -> PriorityRule:
            rule = priority.set_priority_rule(
                actor=actor, impact=data["impact"], urgency=data["urgency"], priority=data["priority"]
            )
            return rule or instance

        return type("PriorityRuleServiceForm", (ServiceForm, form), {"service_call": staticmethod(call)})

    def save_model(self, request: HttpRequest, obj: PriorityRule, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    """Read-only: tickets are worked in the workspace, where every change is a service with history."""

    list_display = ("number", "subject", "status", "priority", "queue", "assignee", "contact", "created_at")
    list_filter = ("status", "priority", "channel", "queue")
    search_fields = ("subject",)
    list_select_related = ("queue", "assignee", "contact")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
