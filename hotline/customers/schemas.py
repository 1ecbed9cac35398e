"""API shapes of the customer base: ``<Entity><Action>In`` for input, ``<Entity>Out`` for output.

Agents' notes and tags about a person are internal: a customer reading their own card gets ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import phonenumbers
from ninja import Field, P, PathEx, Schema
from pydantic import AfterValidator

from hotline.customers import permissions
from hotline.customers.models import Contact, ContactEmail, ContactPhone, Organisation

MAX_ID = 2**63 - 1
# A row id: anything outside a bigint is no id (and would overflow the database's integer).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = PathEx[int, P(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; say so instead of failing in the database.
    if "\x00" in value:
        raise ValueError("Недопустимый символ U+0000")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


# Documented on every operation; the bodies come from the handlers in hotline.api.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _sees_internal(context: Any) -> bool:
    request = (context or {}).get("request")
    return request is not None and permissions.can_see_internal(request.user)


class PhoneCreateIn(Schema):
    number: Text = Field(..., description="В любом формате: «8 (912) 345-67-89», «+7 912 3456789», «… доб. 12»")
    kind: Text = ContactPhone.Kind.MOBILE
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
    email: Text
    is_primary: bool = False


class EmailOut(Schema):
    id: int
    email: str
    is_primary: bool
    failing: bool


class MessengerCreateIn(Schema):
    kind: Text = Field(..., description="telegram, whatsapp, vk, max, viber, other")
    external_id: Text


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
    full_name: Text = ""
    last_name: Text = ""
    first_name: Text = ""
    middle_name: Text = ""
    phones: list[PhoneCreateIn | Text] = Field(default_factory=list)
    emails: list[Text] = Field(default_factory=list)
    messengers: list[MessengerCreateIn] = Field(default_factory=list)
    organisation_id: Id | None = None
    position: Text = ""
    notes: Text = ""
    tags: list[Text] = Field(default_factory=list)
    language: Text = "ru"
    time_zone: Text = ""
    can_view_organisation_tickets: bool = False


class ContactUpdateIn(Schema):
    """Only the fields sent change; ``organisation_id: null`` detaches the organisation."""

    full_name: Text | None = None
    last_name: Text | None = None
    first_name: Text | None = None
    middle_name: Text | None = None
    organisation_id: Id | None = None
    position: Text | None = None
    notes: Text | None = None
    language: Text | None = None
    time_zone: Text | None = None
    can_view_organisation_tickets: bool | None = None


class TagsSetIn(Schema):
    tags: list[Text]


class ConsentRecordIn(Schema):
    source: Text = Field(..., description="Как получено: «устно по телефону», «форма на портале», номер документа")
    at: datetime | None = None


class ConsentWithdrawIn(Schema):
    source: Text = ""
    at: datetime | None = None


class ContactMergeIn(Schema):
    duplicate_id: Id


class ContactEraseIn(Schema):
    reason: Text = ""


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
    name: Text
    inn: Text = ""
    kpp: Text = ""
    address: Text = ""
    phone: Text = ""
    email: Text = ""
    domain: Text = ""
    notes: Text = ""


class OrganisationUpdateIn(Schema):
    name: Text | None = None
    inn: Text | None = None
    kpp: Text | None = None
    address: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    domain: Text | None = None
    notes: Text | None = None


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
