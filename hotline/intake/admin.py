"""Admin: mailboxes (saved through ``services.save_mailbox``, password never shown back) and the log of every
message received, with its raw original to download and a way to process a failed or held-back one again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox, MailboxFolder, MailboxKind
from hotline.intake.services import delete_mailbox, reprocess, save_mailbox

REPROCESSABLE = (InboundStatus.FAILED, InboundStatus.THROTTLED, InboundStatus.AUTO_REPLY, InboundStatus.BOUNCE)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class MailboxForm(forms.ModelForm[Mailbox]):
    imap_password = forms.CharField(
        label=_("пароль"),
        required=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Оставьте пустым, чтобы не менять"),
    )
    request: HttpRequest | None = None

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "kind",
            "queue",
            "is_active",
            "is_default",
            "closed_reply",
            "loop_limit",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_verify_tls",
            "imap_username",
            "imap_password",
            "imap_folders",
            "after_import",
            "move_to_folder",
            "use_idle",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        mailbox = self.instance
        for name in self.fields:
            if name == "imap_password" and not data.get(name):
                continue  # blank: keep the stored password
            setattr(mailbox, name, data.get(name))
        try:
            self.instance = save_mailbox(actor=_actor(self.request), mailbox=mailbox)
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, ValidationError(exc.message))
        return data


class FolderInline(admin.TabularInline[MailboxFolder, Mailbox]):
    model = MailboxFolder
    extra = 0
    can_delete = False
    fields = ("name", "uid_validity", "last_uid", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = ("name", "address", "kind", "queue", "is_active", "is_default", "last_polled_at", "problem")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address")
    readonly_fields = ("last_polled_at", "last_error", "last_error_at")
    inlines = [FolderInline]
    actions = ["poll_now"]
    fieldsets = (
        (None, {"fields": ("name", "address", "kind", "queue", "is_active", "is_default")}),
        (_("Обработка писем"), {"fields": ("closed_reply", "loop_limit")}),
        (
            _("IMAP"),
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_verify_tls",
                    "imap_username",
                    "imap_password",
                    "imap_folders",
                    "after_import",
                    "move_to_folder",
                    "use_idle",
                )
            },
        ),
        (_("Состояние"), {"fields": ("last_polled_at", "last_error", "last_error_at")}),
    )

    @admin.display(description=_("ошибка"))
    def problem(self, obj: Mailbox) -> str:
        return obj.last_error[:120]

    def get_form(self, request: HttpRequest, obj: Mailbox | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: Mailbox, form: Any, change: bool) -> None:
        """Saved by the service in the form's ``clean``."""

    def delete_model(self, request: HttpRequest, obj: Mailbox) -> None:
        try:
            delete_mailbox(actor=_actor(request), mailbox=obj)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            self.delete_model(request, mailbox)

    @admin.action(description=_("Забрать почту сейчас (IMAP)"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        from hotline.intake.imap import poll_mailbox

        for mailbox in queryset.filter(kind=MailboxKind.IMAP):
            report = poll_mailbox(mailbox)
            if report.error:
                self.message_user(request, f"{mailbox.address}: {report.error}", level=messages.ERROR)
            elif report.skipped:
                self.message_user(
                    request, gettext("%(a)s: сейчас опрашивается другим процессом") % {"a": mailbox.address}
                )
            else:
                self.message_user(
                    request,
                    gettext("%(a)s: новых писем %(n)d, повторных %(d)d")
                    % {"a": mailbox.address, "n": report.taken, "d": report.duplicates},
                )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    list_display = ("received_at", "mailbox", "from_email", "subject", "status", "ticket_link", "source")
    list_filter = ("status", "source", "mailbox")
    search_fields = ("from_email", "subject", "message_id")
    list_select_related = ("mailbox", "ticket")
    date_hierarchy = "received_at"
    actions = ["process_again"]
    readonly_fields = (
        "mailbox",
        "received_at",
        "source",
        "source_ref",
        "from_email",
        "subject",
        "message_id",
        "status",
        "ticket_link",
        "raw_link",
        "size",
        "auto_reason",
        "quote_offset",
        "warnings",
        "error",
        "processed_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record that a message came in, and its raw original, are kept

    @admin.display(description=_("заявка"))
    def ticket_link(self, obj: InboundMessage) -> str:
        if obj.ticket is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("desk:ticket", args=[obj.ticket.number]), obj.ticket.number)

    @admin.display(description=_("исходное письмо"))
    def raw_link(self, obj: InboundMessage) -> str:
        url = reverse("admin:intake_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("скачать .eml"))

    def get_urls(self) -> list[URLPattern]:
        raw = path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="intake_inboundmessage_raw")
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, pk: int) -> FileResponse:
        inbound = InboundMessage.objects.filter(pk=pk).first()
        if inbound is None or not self.has_view_permission(request, inbound) or not inbound.raw:
            raise Http404
        try:
            handle = inbound.raw.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle, as_attachment=True, filename=f"message-{inbound.pk}.eml", content_type="message/rfc822"
        )

    @admin.action(description=_("Обработать снова (для ошибок, отложенных и автоответов)"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        for inbound in queryset.filter(status__in=REPROCESSABLE):
            try:
                result = reprocess(actor=_actor(request), inbound=inbound)
            except DomainError as exc:
                self.message_user(request, f"#{inbound.pk}: {exc.message}", level=messages.ERROR)
                continue
            self.message_user(request, f"#{inbound.pk}: {InboundStatus(result.status).label}")
