"""Phones, e-mail addresses and messenger accounts of a contact."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.core import audit, events, roles
from hotline.core.contact_points import NormalizedPhone, normalize_email, parse_phone
from hotline.core.errors import Conflict, NotFound, ValidationFailed
from hotline.core.models import AuditLog
from hotline.customers import permissions
from hotline.customers.events import ContactUpdated
from hotline.customers.models import Contact, ContactEmail, ContactPhone, MessengerAccount
from hotline.customers.services._common import actor_id, ensure_active, lock, refuse_nul, require

_USERNAME = re.compile(r"^[a-z0-9_.]{3,64}$")


@dataclass(frozen=True)
class NewPhone:
    number: str
    kind: str = ContactPhone.Kind.MOBILE
    is_primary: bool = False


@dataclass(frozen=True)
class NewMessenger:
    kind: str
    external_id: str


def clean_phone_kind(kind: str, *, field: str) -> str:
    if kind not in ContactPhone.Kind.values:
        raise ValidationFailed(
            _("Тип телефона должен быть одним из: %(kinds)s") % {"kinds": ", ".join(ContactPhone.Kind.values)},
            field=field,
        )
    return kind


def normalize_messenger(kind: str, raw: str, *, field: str, kind_field: str) -> tuple[str, str]:
    """The id in the form a messenger gateway will report it, so lookups are exact.

    Raises:
        ValidationFailed: unknown messenger or an id that cannot be one.
    """
    if kind not in MessengerAccount.Kind.values:
        raise ValidationFailed(
            _("Мессенджер должен быть одним из: %(kinds)s") % {"kinds": ", ".join(MessengerAccount.Kind.values)},
            field=kind_field,
        )
    refuse_nul(raw, field=field)
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed(_("Укажите идентификатор в мессенджере"), field=field)
    if kind in (MessengerAccount.Kind.WHATSAPP, MessengerAccount.Kind.VIBER):
        # These identify people by phone number: store E.164 so a gateway's «79123456789» matches.
        return kind, parse_phone(text, field=field).e164
    if kind in (MessengerAccount.Kind.TELEGRAM, MessengerAccount.Kind.VK):
        text = text.removeprefix("https://").removeprefix("t.me/").removeprefix("vk.com/").lstrip("@")
        if not text.isdigit():
            # Usernames are case-insensitive in both.
            text = text.lower()
            if not _USERNAME.match(text):
                raise ValidationFailed(_("Некорректное имя пользователя «%(id)s»") % {"id": raw}, field=field)
    if len(text) > 128:
        raise ValidationFailed(_("Идентификатор не длиннее 128 символов"), field=field)
    return kind, text


def _guard(actor: Any, contact: Contact) -> Contact:
    require(
        actor is None or permissions.can_edit_contact(actor, contact), _("Недостаточно прав для изменения контакта")
    )
    contact = lock(contact)
    ensure_active(contact)
    return contact


def _changed(*, actor: Any, contact: Contact, field: str, summary: str) -> None:
    contact.save(update_fields=["updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=contact, summary=summary, changes={"fields": [field]})
    events.publish(ContactUpdated(actor_id=actor_id(actor), contact_id=contact.pk, fields=[field]))


def attach_phone(*, contact: Contact, phone: NormalizedPhone, kind: str, is_primary: bool) -> ContactPhone:
    """Store a parsed phone on a locked, active contact; the caller audits and publishes."""
    has_primary = contact.phones.filter(is_primary=True).exists()
    if is_primary and has_primary:
        contact.phones.filter(is_primary=True).update(is_primary=False)
    return ContactPhone.objects.create(
        contact=contact,
        e164=phone.e164,
        extension=phone.extension,
        kind=kind,
        is_primary=is_primary or not has_primary,
    )


def attach_email(*, contact: Contact, email: str, is_primary: bool) -> ContactEmail:
    has_primary = contact.emails.filter(is_primary=True).exists()
    if is_primary and has_primary:
        contact.emails.filter(is_primary=True).update(is_primary=False)
    return ContactEmail.objects.create(contact=contact, email=email, is_primary=is_primary or not has_primary)


@transaction.atomic
def add_phone(
    *, actor: Any, contact: Contact, number: str, kind: str = ContactPhone.Kind.MOBILE, is_primary: bool = False
) -> ContactPhone:
    """Add a phone typed in any format; it is stored in E.164 with the extension apart.

    Raises:
        Forbidden, Conflict (contact merged/erased, or the number is already there), ValidationFailed.
    """
    contact = _guard(actor, contact)
    phone = parse_phone(number, field="number")
    kind = clean_phone_kind(kind, field="kind")
    if contact.phones.filter(e164=phone.e164, extension=phone.extension).exists():
        raise Conflict(_("У контакта уже есть номер %(phone)s") % {"phone": phone}, field="number")
    row = attach_phone(contact=contact, phone=phone, kind=kind, is_primary=is_primary)
    _changed(actor=actor, contact=contact, field="phones", summary=f"phone #{row.pk} added")
    return row


@transaction.atomic
def remove_phone(*, actor: Any, contact: Contact, phone_id: int) -> None:
    """Remove one of the contact's phones; another becomes primary if it was.

    Raises:
        Forbidden, Conflict, NotFound: the phone is not this contact's.
    """
    contact = _guard(actor, contact)
    phone = contact.phones.filter(pk=phone_id).first()
    if phone is None:
        raise NotFound(_("Телефон не найден"), field="phone_id")
    phone.delete()
    if phone.is_primary:
        successor = contact.phones.order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    _changed(actor=actor, contact=contact, field="phones", summary=f"phone #{phone_id} removed")


@transaction.atomic
def add_email(*, actor: Any, contact: Contact, email: str, is_primary: bool = False) -> ContactEmail:
    """Add an e-mail address (stored lower-cased).

    Raises:
        Forbidden, Conflict (merged/erased, or already there), ValidationFailed.
    """
    contact = _guard(actor, contact)
    address = normalize_email(email, field="email")
    if contact.emails.filter(email=address).exists():
        raise Conflict(_("У контакта уже есть адрес %(email)s") % {"email": address}, field="email")
    row = attach_email(contact=contact, email=address, is_primary=is_primary)
    _changed(actor=actor, contact=contact, field="emails", summary=f"email #{row.pk} added")
    return row


@transaction.atomic
def remove_email(*, actor: Any, contact: Contact, email_id: int) -> None:
    """Remove one of the contact's addresses; another becomes primary if it was.

    Raises:
        Forbidden, Conflict, NotFound.
    """
    contact = _guard(actor, contact)
    row = contact.emails.filter(pk=email_id).first()
    if row is None:
        raise NotFound(_("Адрес не найден"), field="email_id")
    row.delete()
    if row.is_primary:
        successor = contact.emails.order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    _changed(actor=actor, contact=contact, field="emails", summary=f"email #{email_id} removed")


@transaction.atomic
def mark_email_failing(*, actor: Any, email: str, reason: str = "") -> int:
    """Mark ``email`` as failing on every contact that has it (mail to it bounces); returns how many rows changed.

    An address nobody has changes nothing. Raises: Forbidden — the actor is not an agent or the system.
    """
    require(actor is None or roles.is_agent(actor), _("Недостаточно прав для изменения контакта"))
    address = (email or "").strip().lower()
    rows = list(ContactEmail.objects.select_related("contact").filter(email=address, failing=False))
    for row in rows:
        row.failing = True
        row.failing_reason = (reason or "").strip()[:255]
        row.save(update_fields=["failing", "failing_reason"])
        _changed(actor=actor, contact=row.contact, field="emails", summary=f"email #{row.pk} failing")
    return len(rows)


@transaction.atomic
def add_messenger(*, actor: Any, contact: Contact, kind: str, external_id: str) -> MessengerAccount:
    """Link a messenger account (Telegram, WhatsApp, VK, MAX, Viber) to the contact.

    Raises:
        Forbidden, Conflict (merged/erased, or already linked), ValidationFailed.
    """
    contact = _guard(actor, contact)
    kind, external = normalize_messenger(kind, external_id, field="external_id", kind_field="kind")
    if contact.messengers.filter(kind=kind, external_id=external).exists():
        raise Conflict(_("Этот аккаунт уже привязан к контакту"), field="external_id")
    row = MessengerAccount.objects.create(contact=contact, kind=kind, external_id=external)
    _changed(actor=actor, contact=contact, field="messengers", summary=f"messenger #{row.pk} added")
    return row


@transaction.atomic
def remove_messenger(*, actor: Any, contact: Contact, messenger_id: int) -> None:
    """Unlink a messenger account.

    Raises:
        Forbidden, Conflict, NotFound.
    """
    contact = _guard(actor, contact)
    deleted, _rows = contact.messengers.filter(pk=messenger_id).delete()
    if not deleted:
        raise NotFound(_("Аккаунт мессенджера не найден"), field="messenger_id")
    _changed(actor=actor, contact=contact, field="messengers", summary=f"messenger #{messenger_id} removed")
