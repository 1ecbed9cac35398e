"""Admin for the outbound call gateways (PBX originate endpoints): configuration an administrator keeps.

Campaigns, lists, dispositions and the do-not-call list are managed on the campaign screens, through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from hotline.campaigns.models import Gateway
from hotline.core import audit
from hotline.core.models import AuditLog


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin[Gateway]):
    list_display = ("name", "originate_url", "caller_id", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "originate_url")
    fields = ("name", "is_active", "originate_url", "report_url", "secret", "caller_id", "ring_timeout_s")

    def save_model(self, request: HttpRequest, obj: Gateway, form: ModelForm[Gateway], change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE,
            obj=obj,
            summary=obj.name,
            changes={name: "…" if name == "secret" else str(form.cleaned_data.get(name)) for name in form.changed_data},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A gateway that placed calls stays for the record: switch it off instead.
        return obj is None or not obj.campaigns.exists()
