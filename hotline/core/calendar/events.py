"""Events about calendars: upper apps (sla) recompute due times when the working time they rely on changes."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class BusinessCalendarChanged(Event):
    calendar_id: int
    change: str  # created, updated, deleted, exception_set, exception_removed


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductionCalendarChanged(Event):
    year: int
    date: str  # ISO date of the day that changed
    change: str  # set, removed, loaded (a whole year copied in for editing)
