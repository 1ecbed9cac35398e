"""Personal data under 152-ФЗ: who looked, a full export on request, erasure on request."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.errors import Conflict
from hotline.core.models import AuditLog, User
from hotline.customers import permissions, registry
from hotline.customers.events import ContactErased
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.services._common import actor_id, clean_text, lock, require

EXPORT_FORMAT = "hotline.contact-export/1"
ERASED_NAME = "Удалённый контакт #{id}"


def jsonable(value: Any) -> Any:
    """Plain JSON types only, so the export can be written to a file as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record_contact_view(*, actor: Any, contact: Contact) -> None:
    """Audit that ``actor`` opened the contact's personal data (152-ФЗ wants views logged, not only changes)."""
    audit.record_view(actor=actor, obj=contact, summary="contact card viewed")


def _contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "full_name": contact.full_name,
        "last_name": contact.last_name,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "position": contact.position,
        "notes": contact.notes,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "merged_into_id": contact.merged_into_id,
        "merged_at": contact.merged_at,
        "erased_at": contact.erased_at,
    }


@transaction.atomic
def export_contact(*, actor: Any, contact: Contact) -> dict[str, Any]:
    """Everything held about the contact, as JSON-ready data: card, contact points, consent history,
    portal account, merged-in cards, the processing log and what upper apps hold (registry export providers).

    Raises:
        Forbidden: not a supervisor or admin.
    """
    require(
        actor is None or permissions.can_export_contact(actor),
        _("Выгружать персональные данные могут только руководители и администраторы"),
    )
    organisation = contact.organisation
    user = contact.user
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "contact": _contact_data(contact),
        "organisation": (
            {"id": organisation.pk, "name": organisation.name, "inn": organisation.inn} if organisation else None
        ),
        "phones": [
            {"e164": p.e164, "extension": p.extension, "kind": p.kind, "is_primary": p.is_primary, "failing": p.failing}
            for p in contact.phones.order_by("id")
        ],
        "emails": [
            {"email": e.email, "is_primary": e.is_primary, "failing": e.failing} for e in contact.emails.order_by("id")
        ],
        "messengers": [{"kind": m.kind, "external_id": m.external_id} for m in contact.messengers.order_by("id")],
        "tags": list(contact.tags.values_list("name", flat=True)),
        "consent": {
            "granted_at": contact.pd_consent_at,
            "source": contact.pd_consent_source,
            "withdrawn_at": contact.pd_consent_withdrawn_at,
            "history": [
                {"kind": r.kind, "action": r.action, "at": r.at, "source": r.source}
                for r in ConsentRecord.objects.filter(contact=contact).order_by("at", "id")
            ],
        },
        "portal_account": (
            {
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "is_active": user.is_active,
            }
            if user
            else None
        ),
        "merged_from": [_contact_data(c) for c in contact.merged_from.order_by("id")],
        # Who did what with the data; the people who did it are staff, not the subject, so no names.
        "processing_log": [
            {"at": row.at, "action": row.action}
            for row in AuditLog.objects.filter(
                object_type=contact._meta.label_lower, object_id=str(contact.pk)
            ).order_by("at", "id")
        ],
        "related": {name: provider(contact) for name, provider in sorted(registry.export_providers().items())},
    }
    audit.record(actor=actor, action=AuditLog.Action.EXPORT, obj=contact, summary="personal data exported")
    return jsonable(data)  # type: ignore[no-any-return]


def _scrub(contact: Contact, *, now: datetime, actor: Any) -> None:
    contact.phones.all().delete()
    contact.emails.all().delete()
    contact.messengers.all().delete()
    contact.tags.clear()
    if contact.has_consent:
        ConsentRecord.objects.create(
            contact=contact,
            action=ConsentRecord.Action.WITHDRAWN,
            at=now,
            source="обезличивание по требованию",
            recorded_by=actor if isinstance(actor, User) else None,
        )
        contact.pd_consent_withdrawn_at = now
    contact.full_name = ERASED_NAME.format(id=contact.pk)
    contact.last_name = contact.first_name = contact.middle_name = ""
    contact.position = contact.notes = contact.time_zone = ""
    contact.organisation = None
    contact.erased_at = now
    contact.save(
        update_fields=[
            "full_name", "last_name", "first_name", "middle_name", "position", "notes", "time_zone",
            "organisation", "erased_at", "pd_consent_withdrawn_at", "updated_at",
        ]
    )  # fmt: skip
    user = contact.user
    if user is not None:
        user.is_active = False
        user.username = f"erased-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.save(update_fields=["is_active", "username", "first_name", "last_name", "email", "password"])


@transaction.atomic
def erase_contact(*, actor: Any, contact: Contact, reason: str = "") -> Contact:
    """Anonymise the contact on the data subject's request: name replaced, contact points, notes and tags
    deleted, portal account deactivated; cards merged into it are erased too. ``ContactErased`` lets upper
    apps scrub what they hold. The row stays so tickets keep their statistics.

    Raises:
        Forbidden: not a supervisor or admin.
        Conflict: already erased.
    """
    require(
        actor is None or permissions.can_erase_contact(actor),
        _("Обезличивать контакты могут только руководители и администраторы"),
    )
    contact = lock(contact)
    if contact.erased_at is not None:
        raise Conflict(_("Контакт уже обезличен"))
    reason = clean_text(reason, field="reason", max_length=255, label=_("Основание"))
    now = timezone.now()
    targets = [contact, *Contact.objects.select_for_update().filter(merged_into=contact, erased_at__isnull=True)]
    for target in targets:
        _scrub(target, now=now, actor=actor)
        audit.record(
            actor=actor,
            action=AuditLog.Action.ERASE,
            obj=target,
            summary=reason or "erased on request",
            changes={"erased_with": contact.pk} if target is not contact else {},
        )
        events.publish(ContactErased(actor_id=actor_id(actor), contact_id=target.pk))
    return contact
