"""Duplicate detection and merge: two cards of one person become one, nothing lost."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events, roles
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog
from hotline.customers import permissions
from hotline.customers.events import ContactsMerged
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.services._common import actor_id, ensure_active, require

MAX_DUPLICATES = 50


@dataclasses.dataclass(frozen=True)
class DuplicateCandidate:
    contact: Contact
    reasons: list[str]  # "phone", "email", "messenger", "name"


def find_duplicates(*, actor: Any, contact: Contact, limit: int = MAX_DUPLICATES) -> list[DuplicateCandidate]:
    """Active contacts that share a phone, an e-mail, a messenger account or the full name with ``contact``.

    A one-word name («Иван») is too common to count as a match on its own.

    Raises:
        Forbidden: the actor is not an agent.
    """
    require(actor is None or roles.is_agent(actor), _("Недостаточно прав для поиска дубликатов"))
    phones = set(contact.phones.values_list("e164", flat=True))
    emails = set(contact.emails.values_list("email", flat=True))
    messengers = set(contact.messengers.values_list("kind", "external_id"))
    name = contact.search_name if len(contact.search_name.split()) >= 2 else ""
    match = Q(pk__in=[])
    if phones:
        match |= Q(phones__e164__in=phones)
    if emails:
        match |= Q(emails__email__in=emails)
    for kind, external_id in messengers:
        match |= Q(messengers__kind=kind, messengers__external_id=external_id)
    if name:
        match |= Q(search_name=name)
    ids = (
        Contact.objects.filter(match, merged_into__isnull=True, erased_at__isnull=True)
        .exclude(pk=contact.pk)
        .values_list("pk", flat=True)
        .distinct()
    )
    found = (
        Contact.objects.filter(pk__in=list(ids[:limit]))
        .select_related("organisation")
        .prefetch_related("phones", "emails", "messengers", "tags")
        .order_by("id")
    )
    candidates: list[DuplicateCandidate] = []
    for other in found:
        reasons = []
        if phones & {p.e164 for p in other.phones.all()}:
            reasons.append("phone")
        if emails & {e.email for e in other.emails.all()}:
            reasons.append("email")
        if messengers & {(m.kind, m.external_id) for m in other.messengers.all()}:
            reasons.append("messenger")
        if name and other.search_name == name:
            reasons.append("name")
        candidates.append(DuplicateCandidate(contact=other, reasons=reasons))
    candidates.sort(key=lambda c: (-len(c.reasons), c.contact.pk))
    return candidates


def _latest(*values: datetime | None) -> datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _move_contact_points(survivor: Contact, duplicate: Contact) -> dict[str, int]:
    """Re-point the duplicate's phones, e-mails and messengers; the ones the survivor has already go."""
    moved: dict[str, int] = {}
    for name, key in (
        ("phones", ("e164", "extension")),
        ("emails", ("email",)),
        ("messengers", ("kind", "external_id")),
    ):
        have = {tuple(getattr(row, k) for k in key) for row in getattr(survivor, name).all()}
        has_primary = any(getattr(row, "is_primary", False) for row in getattr(survivor, name).all())
        count = 0
        for row in list(getattr(duplicate, name).all()):
            if tuple(getattr(row, k) for k in key) in have:
                row.delete()
                continue
            row.contact = survivor
            fields = ["contact"]
            if has_primary and getattr(row, "is_primary", False):
                row.is_primary = False
                fields.append("is_primary")
            row.save(update_fields=fields)
            count += 1
        moved[name] = count
    return moved


@transaction.atomic
def merge_contacts(*, actor: Any, survivor: Contact, duplicate: Contact) -> Contact:
    """Merge ``duplicate`` into ``survivor``: contact points, tags, notes, consent, portal account and
    (through ``ContactsMerged`` subscribers) tickets and history move; the duplicate keeps ``merged_into``.

    Raises:
        Forbidden: not a supervisor or admin.
        ValidationFailed: a contact merged with itself (field ``duplicate_id``).
        Conflict: either contact is already merged or erased, or both have portal accounts.
    """
    require(
        actor is None or permissions.can_merge_contacts(actor),
        _("Объединять контакты могут только руководители и администраторы"),
    )
    if survivor.pk == duplicate.pk:
        raise ValidationFailed(_("Нельзя объединить контакт с самим собой"), field="duplicate_id")
    # Lock in id order so two merges of the same pair in opposite directions cannot deadlock.
    list(Contact.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk]).order_by("pk"))
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    ensure_active(survivor)
    try:
        ensure_active(duplicate)
    except Conflict as exc:
        raise Conflict(exc.message, field="duplicate_id", code=exc.code) from exc
    if survivor.user_id and duplicate.user_id:
        raise Conflict(
            _("У обоих контактов есть учётные записи портала; отвяжите одну из них перед объединением"),
            field="duplicate_id",
        )

    moved = _move_contact_points(survivor, duplicate)
    survivor_fields: list[str] = []
    duplicate_fields: list[str] = ["merged_into", "merged_at", "updated_at"]

    tags = list(duplicate.tags.all())
    if tags:
        survivor.tags.add(*tags)
        duplicate.tags.clear()
    moved["tags"] = len(tags)

    if duplicate.notes and duplicate.notes not in survivor.notes:
        header = _("Из контакта #%(id)s «%(name)s»:") % {"id": duplicate.pk, "name": duplicate.full_name}
        survivor.notes = "\n\n".join(part for part in (survivor.notes, f"{header}\n{duplicate.notes}") if part)
        survivor_fields.append("notes")
    if duplicate.notes:
        duplicate.notes = ""
        duplicate_fields.append("notes")

    if not survivor.full_name and duplicate.full_name:
        for key in ("full_name", "last_name", "first_name", "middle_name"):
            setattr(survivor, key, getattr(duplicate, key))
            survivor_fields.append(key)
    for key in ("organisation_id", "position", "time_zone"):
        if not getattr(survivor, key) and getattr(duplicate, key):
            setattr(survivor, key, getattr(duplicate, key))
            survivor_fields.append(key)

    if duplicate.user_id:
        user_id = duplicate.user_id
        duplicate.user = None
        duplicate.save(update_fields=["user"])  # free the one-to-one before the survivor takes it
        survivor.user_id = user_id
        survivor_fields.append("user")

    consent_at = _latest(survivor.pd_consent_at, duplicate.pd_consent_at)
    if consent_at != survivor.pd_consent_at:
        survivor.pd_consent_at = consent_at
        survivor.pd_consent_source = duplicate.pd_consent_source
        survivor_fields += ["pd_consent_at", "pd_consent_source"]
    withdrawn_at = _latest(survivor.pd_consent_withdrawn_at, duplicate.pd_consent_withdrawn_at)
    if withdrawn_at != survivor.pd_consent_withdrawn_at:
        survivor.pd_consent_withdrawn_at = withdrawn_at
        survivor_fields.append("pd_consent_withdrawn_at")
    moved["consent_records"] = ConsentRecord.objects.filter(contact=duplicate).update(contact=survivor)

    # Earlier merges into the duplicate now point at the survivor, so merged_into is never a chain.
    Contact.objects.filter(merged_into=duplicate).update(merged_into=survivor)

    survivor.save(update_fields=[*dict.fromkeys(survivor_fields), "updated_at"])
    duplicate.merged_into = survivor
    duplicate.merged_at = timezone.now()
    duplicate.save(update_fields=duplicate_fields)

    changes = {"survivor_id": survivor.pk, "duplicate_id": duplicate.pk, "moved": moved}
    audit.record(
        actor=actor,
        action=AuditLog.Action.MERGE,
        obj=survivor,
        summary=f"merged #{duplicate.pk} into this",
        changes=changes,
    )
    audit.record(
        actor=actor, action=AuditLog.Action.MERGE, obj=duplicate, summary=f"merged into #{survivor.pk}", changes=changes
    )
    events.publish(ContactsMerged(actor_id=actor_id(actor), survivor_id=survivor.pk, duplicate_id=duplicate.pk))
    return survivor
