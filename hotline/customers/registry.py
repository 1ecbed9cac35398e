"""Where upper apps plug into a contact's history and personal-data export without customers importing them.

The desk registers a timeline provider (its tickets and messages) and an export provider from its
``AppConfig.ready``; telephony will add calls the same way. Providers are called with an active or
merged contact and must return only what they hold about that contact.

    registry.register_timeline_provider("desk", desk_timeline)   # (contact, limit) -> list[TimelineItem]
    registry.register_export_provider("desk", desk_export)       # (contact) -> dict (JSON-serialisable)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotline.customers.models import Contact


@dataclasses.dataclass(frozen=True, kw_only=True)
class TimelineItem:
    """One thing that happened with a contact, for the history shown on the contact's card."""

    at: datetime
    kind: str  # "ticket", "message", "call", "consent", "merge", …
    title: str
    text: str = ""
    object_type: str = ""  # e.g. "desk.ticket"
    object_id: str = ""
    url: str = ""
    source: str = ""  # filled with the provider's name
    # Agents-only items (internal notes, agents' actions) are left out when the customer looks.
    internal: bool = False
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


TimelineProvider = Callable[["Contact", int], list[TimelineItem]]
ExportProvider = Callable[["Contact"], dict[str, Any]]

_timeline: dict[str, TimelineProvider] = {}
_export: dict[str, ExportProvider] = {}


def register_timeline_provider(name: str, provider: TimelineProvider) -> None:
    """Register (or replace, so a reload is harmless) the timeline provider called ``name``."""
    _timeline[name] = provider


def register_export_provider(name: str, provider: ExportProvider) -> None:
    """Register (or replace) the personal-data export provider called ``name``."""
    _export[name] = provider


def unregister_timeline_provider(name: str) -> None:
    _timeline.pop(name, None)


def unregister_export_provider(name: str) -> None:
    _export.pop(name, None)


def timeline_providers() -> dict[str, TimelineProvider]:
    return dict(_timeline)


def export_providers() -> dict[str, ExportProvider]:
    return dict(_export)
