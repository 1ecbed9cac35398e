"""Events workforce publishes."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgentStateChanged(Event):
    user_id: int
    old_state: str
    new_state: str
    source: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ShiftSwapRequested(Event):
    swap_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ShiftSwapDecided(Event):
    swap_id: int
    status: str
