"""API shapes of the customer base: ``<Entity><Action>In`` for input, ``<Entity>Out`` for output.

Agents' notes and tags about a person are internal: a customer reading their own card gets ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import phonenumbers
from ninja import Field, Schema

from hotline.customers import permissions
from hotline.customers.models import Contact, ContactEmail, ContactPhone, Organisation


def _sees_internal(context: Any) -> bool:
    request = (context or {}).get("request")
    return request is not None and permissions.can_see_internal(request.user)


class PhoneCreateIn(Schema):
    number: str = Field(..., description="В любом формате: «8 (912) 345-67-89», «+7 912 3456789», «… доб. 12»")
    kind: str = ContactPhone.Kind.MOBILE
    is_primary: bool = False


class PhoneOut(Schema):
    id: int
    e164: str
    extension: str
    kind: str
    is_primary: bool
    failing: bool
    display: str

    @staticmethod
    def resolve_display(obj: ContactPhone) -> str:
        formatted = phonenumbers.format_number(
            phonenumbers.parse(obj.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return f"{formatted} доб. {obj.extension}" if obj.extension else str(formatted)


class EmailCreateIn(Schema):
    email: str
    is_primary: bool = False


class EmailOut(Schema):
    id: int
    email: str
    is_primary: bool
    failing: bool


class MessengerCreateIn(Schema):
    kind: str = Field(..., description="telegram, whatsapp, vk, max, viber, other")
    external_id: str


class MessengerOut(Schema):
    id: int
    kind: str
    external_id: str


class OrganisationBriefOut(Schema):
    id: int
    name: str
    inn: str


class ContactOut(Schema):
    id: int
    full_name: str
    last_name: str
    first_name: str
    middle_name: str
    position: str
    organisation: OrganisationBriefOut | None
    phones: list[PhoneOut]
    emails: list[EmailOut]
    messengers: list[MessengerOut]
    tags: list[str] | None = Field(None, description="Только для сотрудников")
    language: str
    time_zone: str
    has_consent: bool
    pd_consent_at: datetime | None
    pd_consent_withdrawn_at: datetime | None
    merged_into_id: int | None
    erased_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj: Contact, context: Any) -> list[str] | None:
        return [tag.name for tag in obj.tags.all()] if _sees_internal(context) else None


def _primary_first[T: ContactPhone | ContactEmail](rows: Iterable[T]) -> list[T]:
    return sorted(rows, key=lambda row: (not row.is_primary, row.pk))


class ContactLookupOut(Schema):
    """The screen-pop card: who is calling, from which organisation, how else to reach them."""

    id: int
    full_name: str
    position: str
    organisation: OrganisationBriefOut | None
    phones: list[PhoneOut]
    emails: list[EmailOut]
    has_consent: bool
    created_at: datetime

    @staticmethod
    def resolve_phones(obj: Contact) -> list[ContactPhone]:
        return _primary_first(obj.phones.all())

    @staticmethod
    def resolve_emails(obj: Contact) -> list[ContactEmail]:
        return _primary_first(obj.emails.all())


class ContactDetailOut(ContactOut):
    notes: str | None = Field(None, description="Только для сотрудников")
    pd_consent_source: str
    can_view_organisation_tickets: bool
    user_id: int | None
    merged_at: datetime | None

    @staticmethod
    def resolve_notes(obj: Contact, context: Any) -> str | None:
        return obj.notes if _sees_internal(context) else None


class ContactPageOut(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactCreateIn(Schema):
    full_name: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    phones: list[PhoneCreateIn | str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    messengers: list[MessengerCreateIn] = Field(default_factory=list)
    organisation_id: int | None = None
    position: str = ""
    notes: str = ""
    tags: list[str] = Field(default_factory=list)
    language: str = "ru"
    time_zone: str = ""
    can_view_organisation_tickets: bool = False


class ContactUpdateIn(Schema):
    """Only the fields sent change; ``organisation_id: null`` detaches the organisation."""

    full_name: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    organisation_id: int | None = None
    position: str | None = None
    notes: str | None = None
    language: str | None = None
    time_zone: str | None = None
    can_view_organisation_tickets: bool | None = None


class TagsSetIn(Schema):
    tags: list[str]


class ConsentRecordIn(Schema):
    source: str = Field(..., description="Как получено: «устно по телефону», «форма на портале», номер документа")
    at: datetime | None = None


class ConsentWithdrawIn(Schema):
    source: str = ""
    at: datetime | None = None


class ContactMergeIn(Schema):
    duplicate_id: int


class ContactEraseIn(Schema):
    reason: str = ""


class DuplicateOut(Schema):
    contact: ContactOut
    reasons: list[str] = Field(..., description="phone, email, messenger, name")


class TimelineItemOut(Schema):
    at: datetime
    kind: str
    title: str
    text: str
    object_type: str
    object_id: str
    url: str
    source: str
    data: dict[str, Any]


class OrganisationCreateIn(Schema):
    name: str
    inn: str = ""
    kpp: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    domain: str = ""
    notes: str = ""


class OrganisationUpdateIn(Schema):
    name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    domain: str | None = None
    notes: str | None = None


class OrganisationOut(Schema):
    id: int
    name: str
    inn: str
    kpp: str
    address: str
    phone: str
    phone_extension: str
    email: str
    domain: str
    notes: str | None = Field(None, description="Только для сотрудников")
    contacts_count: int | None = None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_notes(obj: Organisation, context: Any) -> str | None:
        return obj.notes if _sees_internal(context) else None

    @staticmethod
    def resolve_contacts_count(obj: Organisation) -> int | None:
        return getattr(obj, "contacts_count", None)


class OrganisationPageOut(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None
