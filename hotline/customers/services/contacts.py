"""Creating and editing contacts, their tags, and the phone-intake path."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.contact_points import NormalizedPhone, normalize_email, parse_phone
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.prefetch import prime_related
from hotline.core.roles import Role
from hotline.customers import permissions
from hotline.customers.events import ContactCreated, ContactUpdated
from hotline.customers.models import Contact, ContactEmail, ContactPhone, MessengerAccount, Organisation, Tag
from hotline.customers.services._common import (
    UNSET,
    Unset,
    actor_id,
    clean_language,
    clean_multiline,
    clean_text,
    clean_time_zone,
    ensure_active,
    lock,
    refuse_nul,
    require,
    require_agent_or_system,
)
from hotline.customers.services.contact_points import (
    NewMessenger,
    NewPhone,
    clean_phone_kind,
    normalize_messenger,
)

NAME_PARTS = ("last_name", "first_name", "middle_name")
NOTES_MAX = 10_000


def compose_full_name(last_name: str, first_name: str, middle_name: str) -> str:
    """«Фамилия Имя Отчество», the order Russian registers use."""
    return " ".join(part for part in (last_name, first_name, middle_name) if part)


def _clean_names(values: dict[str, str]) -> dict[str, str]:
    labels = {"last_name": _("Фамилия"), "first_name": _("Имя"), "middle_name": _("Отчество")}
    return {key: clean_text(value, field=key, max_length=100, label=labels[key]) for key, value in values.items()}


def _clean_full_name(value: str) -> str:
    return clean_text(value, field="full_name", max_length=320, label=_("ФИО"))


def clean_tags(names: Sequence[str], *, field: str = "tags") -> list[str]:
    """Tags are lower-case and trimmed so «VIP» and «vip » are one tag."""
    cleaned: list[str] = []
    for index, name in enumerate(names):
        refuse_nul(name, field=f"{field}.{index}")
        tag = " ".join(str(name).split()).lower()
        if not tag:
            continue
        if len(tag) > 64:
            raise ValidationFailed(_("Метка не длиннее 64 символов"), field=f"{field}.{index}")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


# The contact whose ContactCreated is being published right now (see ``contact_being_created``).
_being_created: ContextVar[Contact | None] = ContextVar("hotline_contact_being_created", default=None)


def tag_objects(names: Sequence[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        # ignore_conflicts: a parallel request may have created the same tag a moment ago.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [existing[name] for name in names]


def _parse_phones(phones: Sequence[NewPhone | str]) -> list[tuple[NormalizedPhone, str, bool]]:
    parsed: list[tuple[NormalizedPhone, str, bool]] = []
    seen: set[NormalizedPhone] = set()
    for index, item in enumerate(phones):
        entry = NewPhone(number=item) if isinstance(item, str) else item
        phone = parse_phone(entry.number, field=f"phones.{index}")
        kind = clean_phone_kind(entry.kind, field=f"phones.{index}.kind")
        if phone not in seen:
            seen.add(phone)
            parsed.append((phone, kind, entry.is_primary))
    return parsed


def _check_user(user: User | None, *, contact: Contact | None = None) -> None:
    if user is None:
        return
    if user.role != Role.CUSTOMER:
        raise ValidationFailed(_("К контакту привязывается только учётная запись клиента"), field="user_id")
    taken = Contact.objects.filter(user=user)
    if contact is not None:
        taken = taken.exclude(pk=contact.pk)
    if taken.exists():
        raise Conflict(_("Эта учётная запись уже привязана к другому контакту"), field="user_id")


@transaction.atomic
def create_contact(
    *,
    actor: Any,
    full_name: str = "",
    last_name: str = "",
    first_name: str = "",
    middle_name: str = "",
    phones: Sequence[NewPhone | str] = (),
    emails: Sequence[str] = (),
    messengers: Sequence[NewMessenger] = (),
    organisation: Organisation | None = None,
    position: str = "",
    notes: str = "",
    tags: Sequence[str] = (),
    language: str = "ru",
    time_zone: str = "",
    user: User | None = None,
    can_view_organisation_tickets: bool = False,
) -> Contact:
    """Create a contact with its phones, e-mails and messengers; invalid items name their position (``phones.0``).

    Raises:
        Forbidden: the actor is not an agent.
        ValidationFailed: nothing to identify the person by, or an invalid name, phone, e-mail, messenger.
        Conflict: ``user`` already belongs to another contact.
    """
    require_agent_or_system(actor)
    names = _clean_names({"last_name": last_name, "first_name": first_name, "middle_name": middle_name})
    full = _clean_full_name(full_name) or compose_full_name(**names)
    parsed_phones = _parse_phones(phones)
    addresses = list(dict.fromkeys(normalize_email(raw, field=f"emails.{i}") for i, raw in enumerate(emails)))
    accounts = list(
        dict.fromkeys(
            normalize_messenger(m.kind, m.external_id, field=f"messengers.{i}", kind_field=f"messengers.{i}.kind")
            for i, m in enumerate(messengers)
        )
    )
    if not (full or parsed_phones or addresses or accounts):
        raise ValidationFailed(_("Укажите ФИО или хотя бы один телефон, e-mail или мессенджер"), field="full_name")
    tag_names = clean_tags(tags)
    _check_user(user)
    contact = Contact(
        full_name=full,
        **names,
        organisation=organisation,
        position=clean_text(position, field="position", max_length=200, label=_("Должность")),
        notes=clean_multiline(notes, field="notes", max_length=NOTES_MAX, label=_("Заметки")),
        language=clean_language(language),
        time_zone=clean_time_zone(time_zone),
        user=user,
        can_view_organisation_tickets=can_view_organisation_tickets,
    )
    contact.save()
    # The rows attach_phone/attach_email would write one by one (a primary one takes over, else the first is
    # primary), in one insert each: a new contact has nothing to look up first.
    phone_rows: list[ContactPhone] = []
    for phone, kind, is_primary in parsed_phones:
        has_primary = any(row.is_primary for row in phone_rows)
        if is_primary and has_primary:
            for row in phone_rows:
                row.is_primary = False
        phone_rows.append(
            ContactPhone(
                contact=contact,
                e164=phone.e164,
                extension=phone.extension,
                kind=kind,
                is_primary=is_primary or not has_primary,
            )
        )
    ContactPhone.objects.bulk_create(phone_rows)
    email_rows = [
        ContactEmail(contact=contact, email=address, is_primary=i == 0) for i, address in enumerate(addresses)
    ]
    ContactEmail.objects.bulk_create(email_rows)
    messenger_rows = MessengerAccount.objects.bulk_create(
        [MessengerAccount(contact=contact, kind=kind, external_id=external) for kind, external in accounts]
    )
    tag_rows = tag_objects(tag_names) if tag_names else []
    if tag_rows:
        contact.tags.set(tag_rows)
    # The instance knows its rows (in the card's order), so presenting or indexing it reads nothing back.
    prime_related(contact, "phones", sorted(phone_rows, key=lambda row: (not row.is_primary, row.pk)))
    prime_related(contact, "emails", sorted(email_rows, key=lambda row: (not row.is_primary, row.pk)))
    prime_related(contact, "messengers", messenger_rows)
    prime_related(contact, "tags", sorted(tag_rows, key=lambda tag: tag.name))
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=contact, summary=f"contact #{contact.pk}")
    announcing = _being_created.set(contact)
    try:
        events.publish(ContactCreated(actor_id=actor_id(actor), contact_id=contact.pk))
    finally:
        _being_created.reset(announcing)
    return contact


def contact_being_created(contact_id: int) -> Contact | None:
    """For ContactCreated's sync subscribers: the instance ``create_contact`` is announcing, with its phones,
    e-mails, messengers and tags primed (the rows it wrote a moment ago). None for any other contact or moment.

    Subscribers read it and must not change it: the caller of ``create_contact`` gets this same instance.
    """
    contact = _being_created.get()
    return contact if contact is not None and contact.pk == contact_id else None


@transaction.atomic
def update_contact(
    *,
    actor: Any,
    contact: Contact,
    full_name: str | None = None,
    last_name: str | None = None,
    first_name: str | None = None,
    middle_name: str | None = None,
    organisation: Organisation | Unset | None = UNSET,
    position: str | None = None,
    notes: str | None = None,
    language: str | None = None,
    time_zone: str | None = None,
    can_view_organisation_tickets: bool | None = None,
) -> Contact:
    """Change the given fields (``None``/UNSET = leave as is); a change of name parts recomposes the full name.

    Raises:
        Forbidden, Conflict (merged or erased contact), ValidationFailed.
    """
    require(
        permissions.can_edit_contact(actor, contact) or actor is None, _("Недостаточно прав для изменения контакта")
    )
    contact = lock(contact)
    ensure_active(contact)
    new: dict[str, Any] = {}
    parts = dict(zip(NAME_PARTS, (last_name, first_name, middle_name), strict=True))
    new.update(_clean_names({key: value for key, value in parts.items() if value is not None}))
    if full_name is not None:
        new["full_name"] = _clean_full_name(full_name)
    elif any(key in new for key in NAME_PARTS):
        old_parts = [getattr(contact, key) for key in NAME_PARTS]
        # Recompose only when the full name was built from the parts, so a typed-in name is not truncated.
        if not contact.full_name or contact.full_name == compose_full_name(*old_parts):
            new["full_name"] = compose_full_name(*(new.get(key, getattr(contact, key)) for key in NAME_PARTS))
    if not isinstance(organisation, Unset):
        new["organisation_id"] = organisation.pk if organisation is not None else None
    if position is not None:
        new["position"] = clean_text(position, field="position", max_length=200, label=_("Должность"))
    if notes is not None:
        new["notes"] = clean_multiline(notes, field="notes", max_length=NOTES_MAX, label=_("Заметки"))
    if language is not None:
        new["language"] = clean_language(language)
    if time_zone is not None:
        new["time_zone"] = clean_time_zone(time_zone)
    if can_view_organisation_tickets is not None:
        new["can_view_organisation_tickets"] = can_view_organisation_tickets
    changed = [key for key, value in new.items() if getattr(contact, key) != value]
    if not changed:
        return contact
    if "full_name" in changed and not new["full_name"] and not _has_contact_points(contact):
        raise ValidationFailed(
            _("Без ФИО у контакта должен остаться телефон, e-mail или мессенджер"), field="full_name"
        )
    for key in changed:
        setattr(contact, key, new[key])
    contact.save(update_fields=[*changed, "updated_at"])
    fields = [key.removesuffix("_id") for key in changed]
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=contact, changes={"fields": fields})
    events.publish(ContactUpdated(actor_id=actor_id(actor), contact_id=contact.pk, fields=fields))
    return contact


def _has_contact_points(contact: Contact) -> bool:
    return contact.phones.exists() or contact.emails.exists() or contact.messengers.exists()


@transaction.atomic
def set_tags(*, actor: Any, contact: Contact, tags: Sequence[str]) -> Contact:
    """Replace the contact's tags (trimmed, lower-cased, without repeats).

    Raises:
        Forbidden, Conflict, ValidationFailed: a tag longer than 64 characters.
    """
    require(
        permissions.can_edit_contact(actor, contact) or actor is None, _("Недостаточно прав для изменения контакта")
    )
    contact = lock(contact)
    ensure_active(contact)
    names = clean_tags(tags)
    if sorted(names) == sorted(contact.tags.values_list("name", flat=True)):
        return contact
    contact.tags.set(tag_objects(names))
    contact.save(update_fields=["updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=contact, changes={"fields": ["tags"], "tags": names})
    events.publish(ContactUpdated(actor_id=actor_id(actor), contact_id=contact.pk, fields=["tags"]))
    return contact


def _serialise_phone_intake(e164: str) -> None:
    """Two calls from one new number at once must not create two contacts.

    SQLite runs one writer at a time (IMMEDIATE transactions); PostgreSQL needs a lock on the number
    itself, since there is no row to lock yet.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x484C, zlib.crc32(e164.encode()) - 2**31])


@transaction.atomic
def find_or_create_contact_by_phone(*, actor: Any, phone: str, full_name: str = "") -> Contact:
    """The contact a call or SMS from ``phone`` belongs to, created if nobody has that number.

    Several contacts may share a number (a family landline): the one whose primary phone it is wins,
    then the longest-known. A contact merged away is never returned.

    Raises:
        Forbidden: the actor is a customer.
        ValidationFailed: ``phone`` is not a phone number (field ``phone``).
    """
    require_agent_or_system(actor)
    number = parse_phone(phone, field="phone")
    _serialise_phone_intake(number.e164)
    existing = (
        Contact.objects.filter(phones__e164=number.e164, merged_into__isnull=True, erased_at__isnull=True)
        .order_by("-phones__is_primary", "id")
        .first()
    )
    if existing is not None:
        return existing
    return create_contact(
        actor=actor,
        full_name=full_name,
        phones=[NewPhone(number=phone, kind=ContactPhone.Kind.MOBILE)],
    )
