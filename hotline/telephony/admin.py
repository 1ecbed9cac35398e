"""Admin: PBX sources and lines are configuration; calls, events and refused requests are read-only records.

Callbacks and scripts are worked on in the telephony screens, through their services; here they can be looked up.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm, PasswordInput
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.core import audit
from hotline.core.models import AuditLog
from hotline.telephony.models import (
    Call,
    Callback,
    CallEvent,
    CallScript,
    Line,
    Origination,
    PbxSource,
    RejectedRequest,
)


class ReadOnlyAdmin[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin[M: Any](admin.ModelAdmin[M]):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE
        audit.record(actor=request.user, action=action, obj=obj, changes={"fields": list(form.changed_data)})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, action=AuditLog.Action.DELETE, obj=obj, summary=str(obj))
        super().delete_model(request, obj)


class SourceForm(ModelForm[PbxSource]):
    class Meta:
        model = PbxSource
        fields = (
            "name",
            "slug",
            "kind",
            "is_active",
            "api_key",
            "secret",
            "host",
            "port",
            "recording_url_template",
            "time_zone",
            "api_url",
            "originate_context",
            "originate_channel",
        )
        widgets = {"secret": PasswordInput(render_value=True)}


@admin.register(PbxSource)
class PbxSourceAdmin(AuditedAdmin[PbxSource]):
    form = SourceForm
    list_display = ("name", "kind", "slug", "is_active", "webhook")
    list_filter = ("kind", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "is_active")}),
        (_("Проверка подлинности"), {"fields": ("api_key", "secret")}),
        (_("Asterisk AMI"), {"fields": ("host", "port", "recording_url_template")}),
        (_("Исходящие вызовы"), {"fields": ("api_url", "originate_context", "originate_channel")}),
        (_("Прочее"), {"fields": ("time_zone",)}),
    )

    @admin.display(description=_("адрес вебхука"))
    def webhook(self, obj: PbxSource) -> str:
        return "—" if obj.kind == "asterisk" else f"/telephony/hooks/{obj.slug}/"


@admin.register(Line)
class LineAdmin(AuditedAdmin[Line]):
    list_display = ("name", "number", "queue", "category", "is_active")
    list_editable = ("queue", "category", "is_active")
    search_fields = ("name", "number")


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin[Call]):
    list_display = ("started_at", "direction", "caller_number", "called_number", "line", "agent", "status", "outcome")
    list_filter = ("direction", "status", "outcome", "source")
    search_fields = ("customer_e164", "caller_number", "called_number", "provider_call_id")
    list_select_related = ("line", "agent")
    date_hierarchy = "started_at"


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdmin[CallEvent]):
    list_display = ("received_at", "source", "provider_call_id", "leg", "kind", "sequence", "processed_at", "attempts")
    list_filter = ("source", "kind")
    search_fields = ("provider_call_id", "dedupe_key")
    list_select_related = ("source",)


@admin.register(RejectedRequest)
class RejectedRequestAdmin(ReadOnlyAdmin[RejectedRequest]):
    list_display = ("at", "source", "status", "code", "reason", "remote_addr")
    list_filter = ("status", "code", "source")
    list_select_related = ("source",)


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin[Callback]):
    list_display = ("number_e164", "status", "missed_count", "first_missed_at", "assignee", "result")
    list_filter = ("status", "result")
    search_fields = ("number_e164",)
    list_select_related = ("assignee",)


@admin.register(CallScript)
class CallScriptAdmin(ReadOnlyAdmin[CallScript]):
    list_display = ("name", "is_active", "campaign_code", "updated_at")
    search_fields = ("name",)


@admin.register(Origination)
class OriginationAdmin(ReadOnlyAdmin[Origination]):
    list_display = ("requested_at", "source", "extension", "number", "state", "result", "error")
    list_filter = ("source", "state", "result")
    search_fields = ("correlation_id", "number", "provider_call_id")
    list_select_related = ("source",)
    date_hierarchy = "requested_at"
