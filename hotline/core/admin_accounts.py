"""Admin for users and roles, API tokens, the audit log and the outbox (imported by core.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.core import tokens
from hotline.core.models import ApiToken, AuditLog, OutboxEvent, User
from hotline.core.outbox import deliver_event


@admin.register(User)
class HotlineUserAdmin(UserAdmin[User]):
    list_display = ("username", "last_name", "first_name", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Горячая линия"), {"fields": ("role", "language", "time_zone", "phone_extension")}),
    )
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        (_("Горячая линия"), {"fields": ("role", "first_name", "last_name", "email")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # a token's owner and value never change; revoke and issue a new one instead
        assert isinstance(request.user, User)
        token, raw = tokens.issue_token(actor=request.user, user=obj.user, name=obj.name)
        obj.pk = token.pk
        self.message_user(
            request,
            _("Токен создан. Скопируйте его сейчас, он больше не будет показан: %(raw)s") % {"raw": raw},
            messages.WARNING,
        )

    @admin.action(description=_("Отозвать выбранные токены"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(actor=request.user, token=token)


class ReadOnlyAdmin[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin[AuditLog]):
    list_display = ("at", "actor", "action", "object_type", "object_id", "summary", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "summary", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin[OutboxEvent]):
    list_display = ("created_at", "name", "processed_at", "attempts", "next_attempt_at", "short_error")
    list_filter = ("name", ("processed_at", admin.EmptyFieldListFilter))
    actions = ["redeliver"]

    @admin.display(description=_("ошибка"))
    def short_error(self, obj: OutboxEvent) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Доставить повторно сейчас"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        delivered = sum(
            1 for pk in queryset.filter(processed_at__isnull=True).values_list("pk", flat=True) if deliver_event(pk)
        )
        self.message_user(request, _("Доставлено: %(n)d") % {"n": delivered})
