"""SLA on the desk's screens: a badge per ticket and the queue sorted by due time (via desk.extensions)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.desk.extensions import (
    TicketBadge,
    TicketWatch,
    register_ticket_badges,
    register_ticket_sort,
    register_ticket_watch,
)
from hotline.desk.models import Ticket
from hotline.sla.selectors import SlaState, TicketsBySlaDue, sla_state_for, tickets_due_soonest

TONES = {"on_track": "ok", "at_risk": "warn", "breached": "danger", "paused": "muted", "met": "ok"}


def _time_left(minutes: int) -> str:
    sign = "−" if minutes < 0 else ""
    minutes = abs(minutes)
    if minutes >= 24 * 60:
        return f"{sign}{minutes // (24 * 60)} д {minutes % (24 * 60) // 60} ч"
    if minutes >= 60:
        return f"{sign}{minutes // 60} ч {minutes % 60:02d} мин"
    return f"{sign}{minutes} мин"


def badge_for(state: SlaState) -> TicketBadge | None:
    if state.state == "none":
        return None
    label = f"SLA: {_(state.label)}"
    if state.minutes_left is not None and state.state in ("on_track", "at_risk", "breached"):
        label = f"SLA {_time_left(state.minutes_left)}"
    title = _(state.label)
    if state.due_at is not None:
        title = f"{title} · {state.policy_name}".strip(" ·")
    return TicketBadge(label=label, tone=TONES.get(state.state, "muted"), title=title)


def sla_badges(ticket_ids: Sequence[int]) -> dict[int, TicketBadge]:
    badges: dict[int, TicketBadge] = {}
    for ticket_id, state in sla_state_for(ticket_ids).items():
        badge = badge_for(state)
        if badge is not None:
            badges[ticket_id] = badge
    return badges


def by_sla_due(tickets: QuerySet[Ticket], descending: bool) -> TicketsBySlaDue:
    # Read a page at a time from the timers' due-time index: the queue is not sorted as a whole.
    return TicketsBySlaDue(tickets, descending=descending)


def register() -> None:
    register_ticket_badges(sla_badges)
    register_ticket_sort("sla", "SLA", by_sla_due)
    register_ticket_watch(
        TicketWatch(
            key="sla_due",
            title=gettext_lazy("Близко к нарушению SLA"),
            select=lambda tickets, limit: tickets_due_soonest(tickets, limit),
            queue_query="status=open_all&sort=sla",
            empty=gettext_lazy("Ни одна заявка в ваших очередях не подходит к сроку"),
        )
    )
