"""Events the customer base publishes."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactCreated(Event):
    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactUpdated(Event):
    contact_id: int
    fields: list[str]


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactsMerged(Event):
    """Sync subscribers move what they own from ``duplicate_id`` to ``survivor_id``."""

    survivor_id: int
    duplicate_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactErased(Event):
    """Sync subscribers scrub the personal data they keep about the contact."""

    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentRecorded(Event):
    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentWithdrawn(Event):
    """Campaigns stop calling and notify stops non-essential messages to this contact."""

    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AdvertisingConsentRecorded(Event):
    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AdvertisingConsentWithdrawn(Event):
    """Advertising calls and messages to this contact stop at once (38-ФЗ art. 18)."""

    contact_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganisationCreated(Event):
    organisation_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganisationUpdated(Event):
    organisation_id: int
    fields: list[str]


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganisationDeleted(Event):
    organisation_id: int
