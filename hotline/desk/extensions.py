"""Hooks through which upper apps add to the desk's screens without the desk importing them.

SLA, for one, puts its state beside each ticket, offers "by due time" as a sort of the queue and puts the
tickets closest to a breach on the agent's home page; it registers here from its ``AppConfig.ready``. The desk
only asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

from django.db.models import QuerySet
from django.utils.functional import Promise

from hotline.desk.models import Ticket


@dataclass(frozen=True)
class TicketBadge:
    label: str
    tone: str = "muted"  # ok | warn | danger | muted: the design system's badge colours
    title: str = ""


BadgeProvider = Callable[[Sequence[int]], dict[int, TicketBadge]]


class TicketPages(Protocol):
    """Tickets in some order read a page at a time: what Django's Paginator needs (``count()`` and slices).

    A sort may return this instead of a queryset when its order is cheaper to read page by page than to
    express as one ``ORDER BY`` over every matching ticket.
    """

    def count(self) -> int: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Ticket]: ...

    @overload
    def __getitem__(self, key: int) -> Ticket: ...

    @overload
    def __getitem__(self, key: slice) -> list[Ticket]: ...


SortProvider = Callable[[QuerySet[Ticket], bool], "QuerySet[Ticket] | TicketPages"]
# Given the open tickets an agent may see, the ids of at most ``limit`` of them worth a look, most urgent first.
WatchProvider = Callable[[QuerySet[Ticket], int], list[int]]


@dataclass(frozen=True)
class TicketSort:
    key: str
    label: str
    apply: SortProvider


@dataclass(frozen=True)
class TicketWatch:
    """A short list on the agent's home page (e.g. "close to an SLA breach") with a link to the whole queue view."""

    key: str
    title: str | Promise
    select: WatchProvider
    queue_query: str = ""  # the query string of the queue page that shows all of them
    empty: str | Promise = ""


_badge_providers: list[BadgeProvider] = []
_sorts: dict[str, TicketSort] = {}
_watches: dict[str, TicketWatch] = {}


def register_ticket_badges(provider: BadgeProvider) -> None:
    """``provider(ticket_ids)`` returns a badge per ticket id in one query, whatever the number of ids."""
    if provider not in _badge_providers:
        _badge_providers.append(provider)


def register_ticket_sort(key: str, label: str, apply: SortProvider) -> None:
    _sorts[key] = TicketSort(key=key, label=label, apply=apply)


def register_ticket_watch(watch: TicketWatch) -> None:
    _watches[watch.key] = watch


def ticket_watches() -> list[TicketWatch]:
    return list(_watches.values())


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


def sorted_by_extension(tickets: QuerySet[Ticket], sort: str) -> QuerySet[Ticket] | TicketPages | None:
    """The queryset in a registered order (``-key`` for descending), or None if no extension knows the key."""
    extension = _sorts.get(sort.lstrip("-"))
    if extension is None:
        return None
    return extension.apply(tickets, sort.startswith("-"))
