"""Admin of notifications: templates, webhooks, preferences, and the delivery logs with retry/replay.

Every write goes through a service (validated and audited); the logs are read-only apart from their actions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.notify.defaults import default_template, variables_for
from hotline.notify.models import (
    EmailDelivery,
    MailOptOut,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    Webhook,
    WebhookDelivery,
)
from hotline.notify.services import preferences, sending, templates, webhooks


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _run_each[M: Model](modeladmin: admin.ModelAdmin[M], request: HttpRequest, rows: QuerySet[M], call: Any) -> None:
    done = 0
    for row in rows:
        try:
            call(row)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{row}: {exc.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, _("Готово: %(n)d") % {"n": done}, messages.SUCCESS)


class ReadOnlyLog[M: Model](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


# ---------------------------------------------------------------- templates


class TemplateForm(forms.ModelForm[NotificationTemplate]):
    actor: User | None = None

    class Meta:
        model = NotificationTemplate
        fields = ("kind", "language", "subject", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "cols": 100})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        kind = data.get("kind") or self.instance.kind
        language = data.get("language") or self.instance.language
        try:
            self.instance = templates.save_template(
                actor=self.actor, kind=kind, language=language, subject=data["subject"], body=data["body"]
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, ValidationError(exc.message))
        return data

    def validate_unique(self) -> None:
        """The service updates the row of (kind, language) in place: no duplicate can arise."""


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin[NotificationTemplate]):
    form = TemplateForm
    list_display = ("kind", "language", "subject", "updated_at", "updated_by")
    list_filter = ("kind", "language")
    search_fields = ("subject", "body")
    actions = ["reset_to_default"]

    def get_readonly_fields(self, request: HttpRequest, obj: NotificationTemplate | None = None) -> Any:
        fixed = ("kind", "language") if obj is not None else ()
        return (*fixed, "variables", "updated_at", "updated_by")

    def get_form(
        self, request: HttpRequest, obj: NotificationTemplate | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("BoundTemplateForm", (form,), {"actor": _actor(request)})

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        kind, language = initial.get("kind"), initial.get("language")
        if isinstance(kind, str) and isinstance(language, str):
            default = default_template(kind, language)
            initial.setdefault("subject", default.subject)
            initial.setdefault("body", default.body)
        return initial

    @admin.display(description=_("переменные"))
    def variables(self, obj: NotificationTemplate) -> SafeString:
        rows = format_html_join("", "<li><code>{{{{ {} }}}}</code> — {}</li>", sorted(variables_for(obj.kind).items()))
        return format_html(
            "<ul>{}</ul><p>{}</p>",
            rows,
            _("Номер заявки добавляется в тему автоматически; клиентам — подпись очереди в конце письма."),
        )

    def save_model(self, request: HttpRequest, obj: NotificationTemplate, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""

    @admin.action(description=_("Вернуть стандартный текст"))
    def reset_to_default(self, request: HttpRequest, queryset: QuerySet[NotificationTemplate]) -> None:
        _run_each(self, request, queryset, lambda row: templates.reset_template(actor=_actor(request), row=row))


# ---------------------------------------------------------------- preferences and opt-outs


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    list_display = ("user", "kind", "channel", "enabled", "updated_at")
    list_filter = ("kind", "channel", "enabled")
    search_fields = ("user__username", "user__last_name", "user__email")
    raw_id_fields = ("user",)
    fields = ("user", "kind", "channel", "enabled")

    def get_readonly_fields(self, request: HttpRequest, obj: NotificationPreference | None = None) -> Any:
        return ("user", "kind", "channel") if obj is not None else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: NotificationPreference, form: Any, change: bool) -> None:
        try:
            preferences.set_preferences(
                actor=_actor(request),
                user=obj.user,
                changes=[preferences.PreferenceChange(obj.kind, obj.channel, obj.enabled)],
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(MailOptOut)
class MailOptOutAdmin(admin.ModelAdmin[MailOptOut]):
    list_display = ("contact", "created_at", "source")
    search_fields = ("contact__full_name", "contact__emails__email")
    readonly_fields = ("contact", "created_at", "source")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MailOptOut | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: MailOptOut) -> None:
        preferences.resubscribe_contact(actor=_actor(request), contact=obj.contact, source="администратор")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MailOptOut]) -> None:
        for row in queryset.select_related("contact"):
            self.delete_model(request, row)


# ---------------------------------------------------------------- mail log and in-app


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyLog[EmailDelivery]):
    list_display = ("created_at", "kind", "recipient_email", "ticket", "status", "attempts", "next_attempt_at", "error")
    list_filter = ("status", "kind", "to_customer", "language")
    search_fields = ("recipient_email", "message_id", "subject")
    list_select_related = ("ticket",)
    date_hierarchy = "created_at"
    actions = ["retry_now", "cancel"]
    fields = (
        "kind",
        "ticket",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "last_error",
        "from_email",
        "recipient_email",
        "language",
        "subject",
        "body_text",
        "message_id",
        "in_reply_to",
        "references",
        "extra_headers",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("ошибка"))
    def error(self, obj: EmailDelivery) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Отправить сейчас (повторить)"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[EmailDelivery]) -> None:
        _run_each(self, request, queryset, lambda row: sending.retry_email(actor=_actor(request), row=row))

    @admin.action(description=_("Больше не пытаться отправить"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[EmailDelivery]) -> None:
        _run_each(self, request, queryset, lambda row: sending.cancel_email(actor=_actor(request), row=row))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLog[Notification]):
    list_display = ("created_at", "user", "kind", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "title")
    list_select_related = ("user",)


# ---------------------------------------------------------------- webhooks


class WebhookForm(forms.ModelForm[Webhook]):
    actor: User | None = None
    event_types = forms.MultipleChoiceField(
        label=_("события"), widget=forms.CheckboxSelectMultiple, choices=[(n, n) for n in webhooks.event_names()]
    )
    new_secret = forms.CharField(
        label=_("новый секрет"),
        required=False,
        help_text=_("Пусто — у нового вебхука секрет создаётся сам, у существующего остаётся прежним"),
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "event_types", "is_active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.instance = webhooks.save_webhook(
                actor=self.actor,
                webhook=self.instance if self.instance.pk else None,
                name=data["name"],
                url=data["url"],
                event_types=data.get("event_types") or [],
                secret=data.get("new_secret", ""),
                is_active=data.get("is_active", True),
            )
        except DomainError as exc:
            field = "new_secret" if exc.field == "secret" else exc.field
            self.add_error(field if field in self.fields else None, ValidationError(exc.message))
        return data


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    form = WebhookForm
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")

    def get_readonly_fields(self, request: HttpRequest, obj: Webhook | None = None) -> Any:
        return ("secret", "signing") if obj is not None else ("signing",)

    def get_form(self, request: HttpRequest, obj: Webhook | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("BoundWebhookForm", (form,), {"actor": _actor(request)})

    @admin.display(description=_("как проверить подпись"))
    def signing(self, obj: Webhook | None) -> SafeString:
        return format_html(
            "{}<br><code>X-Hotline-Signature: sha256=HMAC_SHA256(секрет, X-Hotline-Timestamp + '.' + тело)</code>",
            _("Каждый запрос подписан; отвергайте запросы с отметкой времени старше 5 минут."),
        )

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        """Already saved by the service during validation."""


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyLog[WebhookDelivery]):
    list_display = (
        "created_at",
        "webhook",
        "event_name",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "replay_of",
    )
    list_filter = ("status", "event_name", "webhook")
    search_fields = ("event_id", "event_name")
    list_select_related = ("webhook",)
    date_hierarchy = "created_at"
    actions = ["replay", "retry_now", "cancel"]
    fields = (
        "webhook",
        "event_name",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "last_error",
        "response_status",
        "response_body",
        "duration_ms",
        "payload",
        "replay_of",
        "created_at",
    )
    readonly_fields = fields

    @admin.action(description=_("Отправить событие заново (повтор)"))
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        _run_each(self, request, queryset, lambda row: webhooks.replay_webhook(actor=_actor(request), row=row))

    @admin.action(description=_("Повторить попытку сейчас"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        _run_each(self, request, queryset, lambda row: webhooks.retry_webhook(actor=_actor(request), row=row))

    @admin.action(description=_("Больше не пытаться доставить"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        _run_each(self, request, queryset, lambda row: webhooks.cancel_webhook_delivery(actor=_actor(request), row=row))
