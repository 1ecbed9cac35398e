"""Every read the customer pages and endpoints need, scoped to the actor."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, CharField, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.contact_points import normalize_email, parse_phone, try_parse_phone
from hotline.core.errors import NotFound, ValidationFailed
from hotline.customers import permissions, registry
from hotline.customers.models import (
    ConsentRecord,
    Contact,
    ContactEmail,
    ContactPhone,
    Organisation,
    search_text,
)
from hotline.customers.registry import TimelineItem

MAX_TIMELINE = 200
# At least this many digits typed alone search by the end of the number («последние цифры»).
_PARTIAL_PHONE = re.compile(r"^[\d\s()+\-.]+$")
_MIN_PARTIAL_DIGITS = 4


def visible_contacts(actor: Any) -> QuerySet[Contact]:
    """Agents see every contact; a customer only their own; anyone else nothing."""
    if roles.is_agent(actor):
        return Contact.objects.all()
    if roles.is_customer(actor):
        return Contact.objects.filter(user=actor)
    return Contact.objects.none()


def with_contact_points(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """Everything a contact card or list row shows, in a fixed number of queries."""
    return queryset.select_related("organisation").prefetch_related(
        Prefetch("phones", queryset=ContactPhone.objects.order_by("-is_primary", "id")),
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "id")),
        "messengers",
        "tags",
    )


def get_contact_for(actor: Any, contact_id: int) -> Contact:
    """The contact with its contact points, if ``actor`` may see it.

    Raises:
        NotFound: no such contact, or the actor may not see it (one answer, so ids cannot be probed).
    """
    contact = with_contact_points(visible_contacts(actor)).filter(pk=contact_id).first()
    if contact is None or not permissions.can_view_contact(actor, contact):
        raise NotFound(_("Контакт не найден"))
    return contact


def lookup_by_phone(raw: str) -> list[Contact]:
    """Screen-pop: the active contacts with this number (any format; the extension is ignored),
    with their organisation, phones and e-mails; whoever holds it as their primary number first.

    Three queries: one indexed exact match on ``ContactPhone.e164`` joined to the contact and
    organisation, then phones and e-mails. It runs on every incoming call, so nothing more.

    Raises:
        ValidationFailed: ``raw`` is not a phone number (field ``phone``).
    """
    number = parse_phone(raw, field="phone")
    holders = ContactPhone.objects.filter(e164=number.e164).values("contact_id")
    contacts = list(
        Contact.objects.filter(pk__in=holders, merged_into__isnull=True, erased_at__isnull=True)
        .select_related("organisation")
        .prefetch_related("phones", "emails")
        .order_by("id")
    )

    def holds_as_primary(contact: Contact) -> bool:
        return any(p.e164 == number.e164 and p.is_primary for p in contact.phones.all())

    contacts.sort(key=lambda contact: not holds_as_primary(contact))
    return contacts


def _rank(condition: Q, rank: str) -> When:
    return When(condition, then=Value(rank))


def search_contacts(actor: Any, q: str = "", *, include_inactive: bool = False) -> QuerySet[Contact]:
    """Contacts the actor may see matching ``q``, annotated with ``sort_key`` for cursor pagination.

    A phone in any format → exact E.164 match; digits only (4+) → the number ends with them;
    an e-mail → exact; otherwise the name: prefix first, then every word contained, then the
    organisation's name. Merged and erased contacts are left out unless ``include_inactive``.
    """
    queryset = visible_contacts(actor)
    if not include_inactive:
        queryset = queryset.filter(merged_into__isnull=True, erased_at__isnull=True)
    text = " ".join((q or "").split())
    if not text:
        return with_contact_points(queryset.annotate(sort_key=F("search_name")))
    phone = try_parse_phone(text)
    if phone is not None:
        holders = ContactPhone.objects.filter(e164=phone.e164).values("contact_id")
        return with_contact_points(queryset.filter(pk__in=holders).annotate(sort_key=F("search_name")))
    digits = "".join(ch for ch in text if ch.isdigit())
    if _PARTIAL_PHONE.match(text) and len(digits) >= _MIN_PARTIAL_DIGITS:
        holders = ContactPhone.objects.filter(e164__endswith=digits).values("contact_id")
        return with_contact_points(queryset.filter(pk__in=holders).annotate(sort_key=F("search_name")))
    if "@" in text:
        try:
            email = normalize_email(text)
        except ValidationFailed:
            return Contact.objects.none().annotate(sort_key=F("search_name"))
        addressees = ContactEmail.objects.filter(email=email).values("contact_id")
        return with_contact_points(queryset.filter(pk__in=addressees).annotate(sort_key=F("search_name")))
    needle = search_text(text)
    prefix = Q(search_name__startswith=needle)
    words = Q()
    for word in needle.split():
        words &= Q(search_name__contains=word)
    # Organisations are few: their ids first, so the contact filter stays index-friendly
    # (trigram GIN on PostgreSQL) instead of a join evaluated for every contact.
    organisation_ids = list(Organisation.objects.filter(search_name__contains=needle).values_list("pk", flat=True))
    matches = words | Q(organisation_id__in=organisation_ids) if organisation_ids else words
    rank = Case(_rank(prefix, "0"), _rank(words, "1"), default=Value("2"), output_field=CharField())
    return with_contact_points(
        queryset.filter(matches).annotate(sort_key=Concat(rank, Value(" "), F("search_name"), output_field=CharField()))
    )


def contact_timeline(actor: Any, contact: Contact, limit: int = 50) -> list[TimelineItem]:
    """The contact's interaction history from every registered provider, newest first.

    Customers do not see items marked internal.

    Raises:
        NotFound: the actor may not see the contact.
        ValidationFailed: ``limit`` out of 1..200.
    """
    if not permissions.can_view_contact(actor, contact):
        raise NotFound(_("Контакт не найден"))
    if not 1 <= limit <= MAX_TIMELINE:
        raise ValidationFailed(_("limit должен быть от 1 до %(max)s") % {"max": MAX_TIMELINE}, field="limit")
    show_internal = permissions.can_see_internal(actor)
    items: list[TimelineItem] = []
    for name, provider in sorted(registry.timeline_providers().items()):
        for item in provider(contact, limit):
            if item.internal and not show_internal:
                continue
            items.append(item if item.source else _with_source(item, name))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _with_source(item: TimelineItem, source: str) -> TimelineItem:
    return dataclasses.replace(item, source=source)


def visible_organisations(actor: Any) -> QuerySet[Organisation]:
    if roles.is_agent(actor):
        return Organisation.objects.all()
    contact = getattr(actor, "contact", None) if roles.is_customer(actor) else None
    if contact is not None and contact.organisation_id is not None:
        return Organisation.objects.filter(pk=contact.organisation_id)
    return Organisation.objects.none()


def list_organisations(actor: Any, q: str = "") -> QuerySet[Organisation]:
    """Organisations the actor may see, filtered by name, INN or e-mail domain, with active contact counts."""
    queryset = visible_organisations(actor)
    text = " ".join((q or "").split())
    if text:
        needle = search_text(text)
        condition = Q(search_name__contains=needle)
        if text.isdigit():
            condition |= Q(inn__startswith=text)
        if "." in text:
            condition |= Q(domain=text.lower().removeprefix("@"))
        queryset = queryset.filter(condition)
    active = Q(contacts__merged_into__isnull=True, contacts__erased_at__isnull=True)
    return queryset.annotate(contacts_count=Count("contacts", filter=active)).prefetch_related("tags")


def get_organisation_for(actor: Any, organisation_id: int) -> Organisation:
    """Raises:
    NotFound: missing or not visible to the actor.
    """
    organisation = list_organisations(actor).filter(pk=organisation_id).first()
    if organisation is None or not permissions.can_view_organisation(actor, organisation):
        raise NotFound(_("Организация не найдена"))
    return organisation


def latest_advertising_consents(contact_ids: Iterable[int]) -> dict[int, ConsentRecord]:
    """Each contact's latest advertising consent record (granted or withdrawn); contacts with none are absent."""
    latest: dict[int, ConsentRecord] = {}
    ids = list(contact_ids)
    if not ids:
        return latest
    records = ConsentRecord.objects.filter(kind=ConsentRecord.Kind.ADVERTISING, contact_id__in=ids).order_by(
        "contact_id", "at", "id"
    )
    for record in records:
        latest[record.contact_id] = record
    return latest


def has_advertising_consent(contact: Contact) -> bool:
    record = latest_advertising_consents([contact.pk]).get(contact.pk)
    return record is not None and record.is_granted
