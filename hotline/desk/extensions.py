"""Hooks through which upper apps add to the desk's screens without the desk importing them.

SLA, for one, puts its state beside each ticket and offers "by due time" as a sort of the queue;
it registers here from its ``AppConfig.ready``. The desk only asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from hotline.desk.models import Ticket


@dataclass(frozen=True)
class TicketBadge:
    label: str
    tone: str = "muted"  # ok | warn | danger | muted: the design system's badge colours
    title: str = ""


BadgeProvider = Callable[[Sequence[int]], dict[int, TicketBadge]]
SortProvider = Callable[[QuerySet[Ticket], bool], QuerySet[Ticket]]


@dataclass(frozen=True)
class TicketSort:
    key: str
    label: str
    apply: SortProvider


_badge_providers: list[BadgeProvider] = []
_sorts: dict[str, TicketSort] = {}


def register_ticket_badges(provider: BadgeProvider) -> None:
    """``provider(ticket_ids)`` returns a badge per ticket id in one query, whatever the number of ids."""
    if provider not in _badge_providers:
        _badge_providers.append(provider)


def register_ticket_sort(key: str, label: str, apply: SortProvider) -> None:
    _sorts[key] = TicketSort(key=key, label=label, apply=apply)


def ticket_badges(ticket_ids: Sequence[int]) -> dict[int, list[TicketBadge]]:
    badges: dict[int, list[TicketBadge]] = {}
    if not ticket_ids:
        return badges
    for provider in _badge_providers:
        for ticket_id, badge in provider(ticket_ids).items():
            badges.setdefault(ticket_id, []).append(badge)
    return badges


def attach_badges(tickets: Sequence[Ticket]) -> None:
    """Set ``extra_badges`` on each ticket for the templates (one query per provider for the whole page)."""
    badges = ticket_badges([t.pk for t in tickets])
    for ticket in tickets:
        ticket.extra_badges = badges.get(ticket.pk, [])  # type: ignore[attr-defined]


def extra_sorts() -> list[TicketSort]:
    return list(_sorts.values())


def sorted_by_extension(tickets: QuerySet[Ticket], sort: str) -> QuerySet[Ticket] | None:
    """The queryset in a registered order (``-key`` for descending), or None if no extension knows the key."""
    extension = _sorts.get(sort.lstrip("-"))
    if extension is None:
        return None
    return extension.apply(tickets, sort.startswith("-"))
