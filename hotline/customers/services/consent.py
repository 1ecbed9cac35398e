"""Consent to personal-data processing (152-ФЗ art. 9) and to advertising (38-ФЗ «О рекламе» art. 18): given,
withdrawn, given again — every step kept as a ``ConsentRecord``, audited and published."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers import permissions
from hotline.customers.events import (
    AdvertisingConsentRecorded,
    AdvertisingConsentWithdrawn,
    ConsentRecorded,
    ConsentWithdrawn,
)
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.selectors import latest_advertising_consents
from hotline.customers.services._common import actor_id, clean_text, ensure_active, lock, require

EARLIEST_YEAR = 1990


def _when(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationFailed(_("Укажите дату согласия с часовым поясом"), field="at")
    if at > now:
        raise ValidationFailed(_("Дата согласия не может быть в будущем"), field="at")
    # Kept in UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
    at = at.astimezone(UTC)
    if at.year < EARLIEST_YEAR:
        raise ValidationFailed(_("Дата согласия не может быть раньше %(y)s года") % {"y": EARLIEST_YEAR}, field="at")
    return at


def _guard(actor: Any, contact: Contact) -> Contact:
    require(
        actor is None or permissions.can_manage_consent(actor, contact),
        _("Недостаточно прав для изменения согласия"),
    )
    contact = lock(contact)
    ensure_active(contact)
    return contact


def _keep(actor: Any, contact: Contact, kind: str, action: str, when: datetime, source: str) -> ConsentRecord:
    """The evidence of one consent given or withdrawn: what, when, how, and who recorded it."""
    return ConsentRecord.objects.create(
        contact=contact,
        kind=kind,
        action=action,
        at=when,
        source=source,
        recorded_by=actor if isinstance(actor, User) else None,
    )


@transaction.atomic
def record_consent(*, actor: Any, contact: Contact, source: str, at: datetime | None = None) -> Contact:
    """Record that the contact consented (``source``: how — «устно по телефону», «форма на портале», a document №).

    Raises:
        Forbidden, Conflict (merged or erased contact), ValidationFailed: no source, a future date.
    """
    contact = _guard(actor, contact)
    source = clean_text(source, field="source", max_length=200, label=_("Источник согласия"))
    if not source:
        raise ValidationFailed(_("Укажите, как получено согласие"), field="source")
    when = _when(at)
    _keep(actor, contact, ConsentRecord.Kind.PERSONAL_DATA, ConsentRecord.Action.GRANTED, when, source)
    contact.pd_consent_at = when
    contact.pd_consent_source = source
    contact.pd_consent_withdrawn_at = None
    contact.save(update_fields=["pd_consent_at", "pd_consent_source", "pd_consent_withdrawn_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=contact,
        summary="consent granted",
        changes={"fields": ["pd_consent_at"]},
    )
    events.publish(ConsentRecorded(actor_id=actor_id(actor), contact_id=contact.pk))
    return contact


@transaction.atomic
def withdraw_consent(*, actor: Any, contact: Contact, source: str = "", at: datetime | None = None) -> Contact:
    """Record the withdrawal of consent; the grant stays in the history as evidence.

    Raises:
        Forbidden, Conflict: no consent to withdraw, or the contact is merged/erased. ValidationFailed.
    """
    contact = _guard(actor, contact)
    if not contact.has_consent:
        raise Conflict(_("Согласие на обработку персональных данных не было дано или уже отозвано"))
    source = clean_text(source, field="source", max_length=200, label=_("Основание")) or _("отзыв согласия")
    when = _when(at)
    if contact.pd_consent_at is not None and when < contact.pd_consent_at:
        raise ValidationFailed(_("Отзыв не может быть раньше согласия"), field="at")
    _keep(actor, contact, ConsentRecord.Kind.PERSONAL_DATA, ConsentRecord.Action.WITHDRAWN, when, source)
    contact.pd_consent_withdrawn_at = when
    contact.save(update_fields=["pd_consent_withdrawn_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=contact,
        summary="consent withdrawn",
        changes={"fields": ["pd_consent_withdrawn_at"]},
    )
    events.publish(ConsentWithdrawn(actor_id=actor_id(actor), contact_id=contact.pk))
    return contact


@transaction.atomic
def record_advertising_consent(*, actor: Any, contact: Contact, source: str, at: datetime | None = None) -> Contact:
    """Record the contact's prior consent to advertising calls and messages (``source``: how it was obtained —
    a signed form №, «галочка на портале», a recorded call).

    Raises:
        Forbidden, Conflict (merged or erased contact), ValidationFailed: no source, a future date.
    """
    contact = _guard(actor, contact)
    source = clean_text(source, field="source", max_length=200, label=_("Источник согласия"))
    if not source:
        raise ValidationFailed(_("Укажите, как получено согласие на рекламу"), field="source")
    when = _when(at)
    _keep(actor, contact, ConsentRecord.Kind.ADVERTISING, ConsentRecord.Action.GRANTED, when, source)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=contact,
        summary="advertising consent granted",
        changes={"advertising_consent": ["", when.isoformat()], "source": source},
    )
    events.publish(AdvertisingConsentRecorded(actor_id=actor_id(actor), contact_id=contact.pk))
    return contact


@transaction.atomic
def withdraw_advertising_consent(
    *, actor: Any, contact: Contact, source: str = "", at: datetime | None = None
) -> Contact:
    """Record that the contact revoked consent to advertising: advertising campaigns stop calling at once.

    Raises:
        Forbidden, Conflict: no consent to revoke, or the contact is merged/erased. ValidationFailed.
    """
    contact = _guard(actor, contact)
    current = latest_advertising_consents([contact.pk]).get(contact.pk)
    if current is None or not current.is_granted:
        raise Conflict(_("Согласия на рекламу нет или оно уже отозвано"))
    source = clean_text(source, field="source", max_length=200, label=_("Основание")) or _("отзыв согласия")
    when = _when(at)
    if when < current.at:
        raise ValidationFailed(_("Отзыв не может быть раньше согласия"), field="at")
    _keep(actor, contact, ConsentRecord.Kind.ADVERTISING, ConsentRecord.Action.WITHDRAWN, when, source)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=contact,
        summary="advertising consent withdrawn",
        changes={"advertising_consent": [current.at.isoformat(), ""], "source": source},
    )
    events.publish(AdvertisingConsentWithdrawn(actor_id=actor_id(actor), contact_id=contact.pk))
    return contact
