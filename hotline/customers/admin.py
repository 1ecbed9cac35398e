"""Admin for the customer base: read-only, because every change must go through the services
(normalisation, audit, events). Contacts and organisations are edited in the agent workspace or API;
here administrators look things up, and opening a contact is audited like any view of personal data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from hotline.core.admin_accounts import ReadOnlyAdmin
from hotline.customers import services
from hotline.customers.models import ConsentRecord, Contact, ContactEmail, ContactPhone, MessengerAccount, Organisation


class _ReadOnlyInline[M: Any](admin.TabularInline[M, Contact]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PhoneInline(_ReadOnlyInline[ContactPhone]):
    model = ContactPhone
    fields = ("e164", "extension", "kind", "is_primary", "failing")


class EmailInline(_ReadOnlyInline[ContactEmail]):
    model = ContactEmail
    fields = ("email", "is_primary", "failing")


class MessengerInline(_ReadOnlyInline[MessengerAccount]):
    model = MessengerAccount
    fields = ("kind", "external_id")


class ConsentInline(_ReadOnlyInline[ConsentRecord]):
    model = ConsentRecord
    fk_name = "contact"
    fields = ("action", "at", "source", "recorded_by")


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin[Contact]):
    list_display = ("full_name", "organisation", "created_at", "merged_into", "erased_at")
    list_filter = ("erased_at",)
    search_fields = ("full_name", "search_name", "phones__e164", "emails__email")
    list_select_related = ("organisation", "merged_into")
    inlines = (PhoneInline, EmailInline, MessengerInline, ConsentInline)
    exclude = ("search_name",)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        contact = self.get_object(request, object_id)
        if contact is not None:
            services.record_contact_view(actor=request.user, contact=contact)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin[Organisation]):
    list_display = ("name", "inn", "kpp", "domain", "phone")
    search_fields = ("name", "search_name", "inn", "domain")
    exclude = ("search_name",)
