"""SLA reads: the state of tickets (for the API, the UI, lists), sorting and filtering by due time, compliance.

``sla_state_for`` answers for any number of tickets with one query (calendars come from the per-process cache
of ``hotline.core.calendar.api``). Ticket querysets sort and filter by SLA through subqueries, so ``desk`` never
needs to know about SLA tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hotline.core.calendar.api import get_calendar
from hotline.core.errors import ValidationFailed
from hotline.desk.models import Ticket
from hotline.sla import clock
from hotline.sla.models import ACTIVE_STATUSES, SlaPolicy, SlaTimer, SlaTimerEvent, TimerKind, TimerStatus

StateName = Literal["none", "on_track", "at_risk", "breached", "paused", "met"]
STATES: tuple[StateName, ...] = ("none", "on_track", "at_risk", "breached", "paused", "met")
# Worst first: the state a ticket shows is that of its worst active timer.
_SEVERITY: dict[str, int] = {"breached": 0, "at_risk": 1, "on_track": 2, "paused": 3}


@dataclass(frozen=True)
class TimerState:
    timer_id: int
    kind: str
    state: StateName
    status: str
    target_minutes: int
    due_at: dt.datetime | None
    minutes_left: int | None  # business minutes; negative once overdue; frozen while paused
    elapsed_minutes: int
    breached_at: dt.datetime | None
    stopped_at: dt.datetime | None


@dataclass(frozen=True)
class SlaState:
    ticket_id: int
    state: StateName
    kind: str | None = None  # the timer the state is about
    due_at: dt.datetime | None = None
    minutes_left: int | None = None
    policy_id: int | None = None
    policy_name: str = ""
    timers: tuple[TimerState, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


STATE_LABELS: dict[str, str] = {
    "none": "без SLA",
    "on_track": "в срок",
    "at_risk": "срок подходит",
    "breached": "срок нарушен",
    "paused": "на паузе",
    "met": "выполнен",
}


def _timer_state(timer: SlaTimer, now: dt.datetime) -> TimerState:
    calendar = get_calendar(timer.policy.calendar_id)
    elapsed = timer.elapsed_seconds
    minutes_left: int | None = None
    state: StateName
    if timer.status == TimerStatus.RUNNING:
        if timer.running_since is not None:
            elapsed += clock.business_seconds(calendar, timer.running_since, now)
        if timer.due_at is not None:
            minutes_left = clock.business_minutes_left(calendar, now, timer.due_at)
        if timer.breached_at is not None or (timer.due_at is not None and timer.due_at <= now):
            state = "breached"
        elif timer.warned_at is not None or (timer.warn_at is not None and timer.warn_at <= now):
            state = "at_risk"
        else:
            state = "on_track"
    elif timer.status == TimerStatus.PAUSED:
        left = timer.target_minutes * 60 - elapsed
        minutes_left = left // 60 if left >= 0 else -(-left // 60)
        state = "breached" if timer.breached_at is not None else "paused"
    else:
        state = "breached" if timer.breached_at is not None else "met"
    return TimerState(
        timer_id=timer.pk,
        kind=timer.kind,
        state=state,
        status=timer.status,
        target_minutes=timer.target_minutes,
        due_at=timer.due_at,
        minutes_left=minutes_left,
        elapsed_minutes=elapsed // 60,
        breached_at=timer.breached_at,
        stopped_at=timer.stopped_at,
    )


def _ticket_state(ticket_id: int, timers: Sequence[SlaTimer], now: dt.datetime) -> SlaState:
    if not timers:
        return SlaState(ticket_id=ticket_id, state="none")
    states = [_timer_state(timer, now) for timer in timers]
    active = [(s, t) for s, t in zip(states, timers, strict=True) if t.status in ACTIVE_STATUSES]
    latest_policy = timers[-1].policy
    if active:
        never = dt.datetime.max.replace(tzinfo=dt.UTC)
        worst, worst_timer = min(active, key=lambda pair: (_SEVERITY[pair[0].state], pair[0].due_at or never))
        return SlaState(
            ticket_id=ticket_id,
            state=worst.state,
            kind=worst.kind,
            due_at=worst.due_at,
            minutes_left=worst.minutes_left,
            policy_id=worst_timer.policy_id,
            policy_name=worst_timer.policy.name,
            timers=tuple(states),
        )
    breached = [s for s in states if s.state == "breached"]
    return SlaState(
        ticket_id=ticket_id,
        state="breached" if breached else "met",
        kind=breached[0].kind if breached else None,
        policy_id=latest_policy.pk,
        policy_name=latest_policy.name,
        timers=tuple(states),
    )


def sla_state_for(ticket_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, SlaState]:
    """The SLA state of each ticket (``none`` for tickets without timers), in one query."""
    ids = list(dict.fromkeys(ticket_ids))
    now = now or timezone.now()
    by_ticket: dict[int, list[SlaTimer]] = defaultdict(list)
    if ids:
        for timer in SlaTimer.objects.filter(ticket_id__in=ids).select_related("policy").order_by("ticket_id", "id"):
            by_ticket[timer.ticket_id].append(timer)
    return {ticket_id: _ticket_state(ticket_id, by_ticket.get(ticket_id, []), now) for ticket_id in ids}


def timer_history(ticket_id: int) -> list[SlaTimerEvent]:
    """Every pause, resume, warning, breach and action on the ticket's timers, oldest first."""
    return list(SlaTimerEvent.objects.filter(ticket_id=ticket_id).select_related("timer", "actor").order_by("at", "id"))


# --- ticket querysets ------------------------------------------------------------------------------------------
def _running(ticket_ref: Any = None) -> QuerySet[SlaTimer]:
    return SlaTimer.objects.filter(
        ticket_id=OuterRef("pk") if ticket_ref is None else ticket_ref, status=TimerStatus.RUNNING
    )


def with_sla_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``sla_due_at``: the nearest due time among the ticket's running timers (None: none running)."""
    nearest = _running().order_by("due_at").values("due_at")[:1]
    return tickets.annotate(sla_due_at=Subquery(nearest))


def tickets_due_soonest(tickets: QuerySet[Ticket], limit: int, *, now: dt.datetime | None = None) -> list[int]:
    """Ids of at most ``limit`` of ``tickets`` whose running timers fall due next (not overdue yet), soonest first.

    Read from the timers' (status, due_at) index, so it costs the same however many tickets are open.
    """
    now = now or timezone.now()
    # A ticket has up to two running timers: read enough rows to find ``limit`` distinct tickets.
    rows = (
        SlaTimer.objects.filter(status=TimerStatus.RUNNING, due_at__gt=now, ticket__in=tickets.values("pk"))
        .order_by("due_at", "id")
        .values_list("ticket_id", flat=True)[: limit * 2]
    )
    return list(dict.fromkeys(rows))[:limit]


def order_by_sla_due(tickets: QuerySet[Ticket], *, descending: bool = False) -> QuerySet[Ticket]:
    """Most urgent first (or last); tickets with no running timer come after the rest, then by id."""
    annotated = with_sla_due(tickets)
    key = F("sla_due_at").desc(nulls_last=True) if descending else F("sla_due_at").asc(nulls_last=True)
    return annotated.order_by(key, "pk")


class TicketsBySlaDue:
    """``tickets`` in ``order_by_sla_due``'s order, read a page at a time (what Django's Paginator asks: ``count()``
    and slices).

    ``order_by_sla_due`` computes every ticket's nearest due time and sorts them all: a queue's open tickets grow
    with the data (70 000 in the busiest queue at a million tickets). Here a page walks the running timers'
    (status, due_at) index from the most urgent, keeps the tickets of ``tickets`` at their nearest timer and
    stops when the page is full, so the first pages cost the same however many tickets there are. Tickets with
    no running timer follow by number, as there. The rows come from ``tickets`` (its joins and prefetches), with
    ``sla_due_at`` set.
    """

    ordered = True  # for the Paginator

    def __init__(self, tickets: QuerySet[Ticket], *, descending: bool = False) -> None:
        self.tickets = tickets.order_by()
        self.descending = descending
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.tickets.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _nearest(self) -> QuerySet[SlaTimer]:
        """Each of ``tickets``' nearest running timer (the earliest due, then the lowest id), most urgent first."""
        running = SlaTimer.objects.filter(status=TimerStatus.RUNNING, due_at__isnull=False)
        nearer = running.filter(ticket_id=OuterRef("ticket_id")).filter(
            Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk"))
        )
        return (
            running.filter(Exists(self.tickets.filter(pk=OuterRef("ticket_id"))))
            .exclude(Exists(nearer))
            .order_by("-due_at" if self.descending else "due_at", "ticket_id")
        )

    def __iter__(self) -> Iterator[Ticket]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, key: int) -> Ticket: ...

    @overload
    def __getitem__(self, key: slice) -> list[Ticket]: ...

    def __getitem__(self, key: int | slice) -> Ticket | list[Ticket]:
        if isinstance(key, int):
            found = self[key : key + 1] if key >= 0 else []
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step not in (None, 1):
            raise TypeError("TicketsBySlaDue takes slices without a step")
        start = max(key.start or 0, 0)
        stop = key.stop if key.stop is not None else self.count()
        if stop <= start:
            return []
        walked = list(self._nearest().values_list("ticket_id", "due_at")[start:stop])
        due: dict[int, dt.datetime | None] = dict(walked)
        order = [ticket_id for ticket_id, _ in walked]
        missing = stop - start - len(walked)
        if missing:
            # Past the tickets with a running timer: the others, by number.
            with_timer = start + len(walked) if walked else self._nearest().count()
            offset = max(start + len(walked) - with_timer, 0)
            timed = SlaTimer.objects.filter(ticket_id=OuterRef("pk"), status=TimerStatus.RUNNING, due_at__isnull=False)
            rest = self.tickets.exclude(Exists(timed)).order_by("pk").values_list("pk", flat=True)
            order += list(rest[offset : offset + missing])
        rows = {ticket.pk: ticket for ticket in self.tickets.filter(pk__in=order)}
        page = []
        for ticket_id in order:
            ticket = rows.get(ticket_id)
            if ticket is not None:
                ticket.sla_due_at = due.get(ticket_id)  # type: ignore[attr-defined]
                page.append(ticket)
        return page


def filter_by_sla_state(tickets: QuerySet[Ticket], state: str, *, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Tickets whose SLA state (as ``sla_state_for`` computes it) is ``state``.

    Raises:
        ValidationFailed: an unknown state.
    """
    if state not in STATES:
        raise ValidationFailed(f"Состояние SLA: одно из {', '.join(STATES)}", field="sla_state")
    now = now or timezone.now()
    active = SlaTimer.objects.filter(ticket_id=OuterRef("pk"), status__in=ACTIVE_STATUSES)
    breached = active.filter(Q(breached_at__isnull=False) | Q(status=TimerStatus.RUNNING, due_at__lte=now))
    at_risk = active.filter(Q(status=TimerStatus.RUNNING) & (Q(warned_at__isnull=False) | Q(warn_at__lte=now))).exclude(
        Q(breached_at__isnull=False) | Q(due_at__lte=now)
    )
    running = active.filter(status=TimerStatus.RUNNING)
    any_timer = SlaTimer.objects.filter(ticket_id=OuterRef("pk"))
    done_breached = any_timer.filter(breached_at__isnull=False)
    if state == "breached":
        return tickets.filter(Exists(breached) | (~Exists(active) & Exists(done_breached)))
    if state == "at_risk":
        return tickets.filter(Exists(at_risk) & ~Exists(breached))
    if state == "on_track":
        return tickets.filter(Exists(running) & ~Exists(at_risk) & ~Exists(breached))
    if state == "paused":
        return tickets.filter(Exists(active) & ~Exists(running) & ~Exists(breached))
    if state == "met":
        return tickets.filter(Exists(any_timer) & ~Exists(active) & ~Exists(done_breached))
    return tickets.filter(~Exists(any_timer))


# --- policies ---------------------------------------------------------------------------------------------------
def list_policies() -> QuerySet[SlaPolicy]:
    """All policies in matching order, with their conditions (a constant number of queries)."""
    return (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("queues", "categories", "organisations", "customer_tags")
        .order_by("order", "id")
    )


# --- compliance -------------------------------------------------------------------------------------------------
GroupKey = Literal["queue", "line", "agent", "month", "kind", "policy"]
GROUP_FIELDS: dict[str, str] = {
    "queue": "queue_id",
    "line": "queue__line_level",
    "agent": "assignee_id",
    "month": "month",
    "kind": "kind",
    "policy": "policy_id",
}
GROUP_LABELS: dict[str, str] = {
    "queue": "queue__name",
    "agent": "assignee__username",
    "policy": "policy__name",
}


@dataclass(frozen=True)
class ComplianceRow:
    key: dict[str, Any]
    labels: dict[str, str]
    total: int
    met: int
    breached: int

    @property
    def percent(self) -> float | None:
        """Share met, in per cent (None with nothing decided)."""
        return round(100 * self.met / self.total, 1) if self.total else None


def compliance(
    *,
    start: dt.datetime,
    end: dt.datetime,
    group_by: Sequence[str] = ("queue",),
    kind: str | None = None,
    queue_ids: Sequence[int] | None = None,
) -> list[ComplianceRow]:
    """Met and breached timers decided in ``[start, end)``, grouped (by queue, line, agent, month, kind, policy).

    A timer is decided when it stops in time (met) or when its time runs out (breached); cancelled tickets do not
    count. Queue and agent are those responsible at that moment; months are in the installation's time zone.

    Raises:
        ValidationFailed: an unknown grouping or kind, or an empty period.
    """
    unknown = [key for key in group_by if key not in GROUP_FIELDS]
    if unknown:
        raise ValidationFailed(f"Группировка: из {', '.join(GROUP_FIELDS)}", field="group_by")
    if kind is not None and kind not in TimerKind.values:
        raise ValidationFailed(f"Срок: один из {', '.join(TimerKind.values)}", field="kind")
    if end <= start:
        raise ValidationFailed("Конец периода должен быть позже начала", field="end")
    timers = SlaTimer.objects.filter(decided_at__gte=start, decided_at__lt=end).exclude(status=TimerStatus.CANCELLED)
    if kind is not None:
        timers = timers.filter(kind=kind)
    if queue_ids is not None:
        timers = timers.filter(queue_id__in=list(queue_ids))
    if "month" in group_by:
        timers = timers.annotate(month=TruncMonth("decided_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
    fields = [GROUP_FIELDS[key] for key in group_by]
    label_fields = [GROUP_LABELS[key] for key in group_by if key in GROUP_LABELS]
    rows = (
        timers.values(*fields, *label_fields)
        .annotate(total=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False)))
        .order_by(*fields)
    )
    result = []
    for row in rows:
        key = {name: row[GROUP_FIELDS[name]] for name in group_by}
        if "month" in key and isinstance(key["month"], dt.datetime):
            key["month"] = key["month"].date().isoformat()[:7]
        labels = {name: str(row[GROUP_LABELS[name]] or "") for name in group_by if name in GROUP_LABELS}
        result.append(
            ComplianceRow(
                key=key, labels=labels, total=row["total"], met=row["total"] - row["breached"], breached=row["breached"]
            )
        )
    return result
