"""Admin for SLA policies (ordered: the first matching one wins) and a read-only view of timers and history.

Every policy save goes through ``services.policies.save_policy``, so it is validated, audited and re-targets the
running timers; ``order`` is editable right in the list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.sla.models import SlaPolicy, SlaTimer, SlaTimerEvent
from hotline.sla.services import policies

M2M_FIELDS = ("queues", "categories", "organisations", "customer_tags")


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PolicyForm(ModelForm[SlaPolicy]):
    request: HttpRequest | None = None

    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "description",
            "is_active",
            "order",
            "priorities",
            "channels",
            *M2M_FIELDS,
            "calendar",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "warning_percent",
            "notify_on_warning",
            "notify_on_breach",
            "raise_priority_to",
            "escalate_on_breach",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        values: dict[str, Any] = {name: data.get(name) for name in self.fields}
        for name in M2M_FIELDS:
            values[name] = list(values.get(name) or [])
        values["priorities"] = values.get("priorities") or []
        values["channels"] = values.get("channels") or []
        try:
            with_instance = self.instance if self.instance.pk else None
            self.instance = policies.save_policy(actor=_actor(self.request), policy=with_instance, **values)
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, ValidationError(exc.message))
        return data


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    form = PolicyForm
    list_display = (
        "name",
        "order",
        "is_active",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warning_percent",
        "calendar",
    )
    list_editable = ("order", "is_active")
    list_display_links = ("name",)
    ordering = ("order", "id")
    filter_horizontal = M2M_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active", "order")}),
        ("Условия (пусто — любая заявка)", {"fields": ("priorities", "channels", *M2M_FIELDS)}),
        (
            "Сроки в рабочих минутах",
            {"fields": ("calendar", "first_response_minutes", "next_response_minutes", "resolution_minutes")},
        ),
        (
            "Предупреждение и нарушение",
            {
                "fields": (
                    "warning_percent",
                    "notify_on_warning",
                    "notify_on_breach",
                    "raise_priority_to",
                    "escalate_on_breach",
                )
            },
        ),
    )

    def get_form(self, request: HttpRequest, obj: SlaPolicy | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        if getattr(form, "request", None) is not None:
            return  # saved by the service in the form's clean()
        # The list's inline edits (order, active): through the service too, keeping the other values.
        try:
            values: dict[str, Any] = {field: getattr(obj, field) for field in _plain_fields()}
            values.update({name: list(getattr(obj, name).all()) for name in M2M_FIELDS})
            policies.save_policy(actor=_actor(request), policy=SlaPolicy.objects.get(pk=obj.pk), **values)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service already set the conditions."""

    def delete_model(self, request: HttpRequest, obj: SlaPolicy) -> None:
        try:
            policies.delete_policy(actor=_actor(request), policy=obj)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)


def _plain_fields() -> list[str]:
    skip = {"id", "created_at", "updated_at"}
    return [f.name for f in SlaPolicy._meta.concrete_fields if f.name not in skip and not f.many_to_many]


class TimerEventInline(admin.TabularInline[SlaTimerEvent, SlaTimer]):
    model = SlaTimerEvent
    fk_name = "timer"
    extra = 0
    can_delete = False
    fields = ("at", "action", "note", "due_at", "elapsed_seconds", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaTimer)
class SlaTimerAdmin(admin.ModelAdmin[SlaTimer]):
    list_display = ("ticket", "kind", "status", "policy", "due_at", "breached_at", "stopped_at")
    list_filter = ("kind", "status", "policy")
    list_select_related = ("ticket", "policy")
    search_fields = ("ticket__id",)
    inlines = [TimerEventInline]
    readonly_fields = [f.name for f in SlaTimer._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
