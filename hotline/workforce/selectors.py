"""Reads for workforce pages: the roster week, occupancy and utilisation, and the staffing view.

The staffing view forecasts each 30-minute interval of a day from the same weekday of the last weeks: inbound
calls of the team's queues (telephony's call log, by the line's queue) plus tickets of those queues that did not
come by phone (a phone ticket is the same contact as its call). AHT is the team's figure unless enough answered
calls exist to measure it (talk time plus the after-call work recorded in agent states). Erlang C
(``staffing.staff_forecast``) turns that into agents needed, against the heads rostered in each interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from hotline.core.models import User
from hotline.desk.choices import Channel
from hotline.desk.models import Ticket
from hotline.telephony.choices import Direction, Outcome
from hotline.telephony.models import Call
from hotline.workforce.models import (
    HANDLING_STATES,
    LOGGED_IN_STATES,
    PRODUCTIVE_STATES,
    AgentState,
    AgentStatus,
    Shift,
    ShiftSwap,
    StateSpan,
    SwapStatus,
    Team,
)
from hotline.workforce.staffing import IntervalForecast, StaffingResult, staff_forecast

INTERVAL = timedelta(minutes=30)
MIN_CALLS_FOR_AHT = 20


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "Europe/Moscow")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Moscow")


def team_zone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Moscow")


def list_teams() -> QuerySet[Team]:
    return Team.objects.annotate(member_count=Count("members", distinct=True)).order_by("name")


# --- roster ------------------------------------------------------------------------------------------------------
@dataclass
class RosterRow:
    user: User
    days: list[list[Shift]]
    minutes: int = 0


def roster_week(team: Team, monday: date, zone: ZoneInfo) -> tuple[list[date], list[RosterRow]]:
    """The team's shifts for the week starting ``monday`` in ``zone`` (the viewer's), one row per member."""
    days = [monday + timedelta(days=i) for i in range(7)]
    start = datetime.combine(monday, time(), tzinfo=zone)
    end = start + timedelta(days=7)
    members = list(team.members.filter(is_active=True).order_by("last_name", "first_name", "username"))
    rows = {m.pk: RosterRow(user=m, days=[[] for _ in days]) for m in members}
    shifts = Shift.objects.filter(team=team, starts_at__lt=end, ends_at__gt=start).select_related("template")
    for shift in shifts.order_by("starts_at"):
        row = rows.get(shift.user_id)
        if row is None:
            continue
        local = shift.starts_at.astimezone(zone).date()
        index = (local - monday).days
        if 0 <= index < 7:
            row.days[index].append(shift)
        row.minutes += int((min(shift.ends_at, end) - max(shift.starts_at, start)).total_seconds() // 60)
    return days, list(rows.values())


def my_shifts(user: User, *, days: int = 21) -> QuerySet[Shift]:
    now = timezone.now()
    return (
        Shift.objects.filter(user=user, ends_at__gt=now, starts_at__lt=now + timedelta(days=days))
        .select_related("team")
        .order_by("starts_at")
    )


def pending_swaps(team_ids: Iterable[int] | None = None) -> QuerySet[ShiftSwap]:
    qs = ShiftSwap.objects.filter(status=SwapStatus.PENDING).select_related(
        "shift", "shift__team", "requested_by", "counterpart", "counterpart_shift"
    )
    if team_ids is not None:
        qs = qs.filter(shift__team_id__in=list(team_ids))
    return qs.order_by("shift__starts_at", "pk")


# --- occupancy and utilisation -----------------------------------------------------------------------------------
@dataclass
class AgentTimes:
    user: User
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    current: AgentStatus | None = None

    def total(self, states: Iterable[str]) -> float:
        return sum(self.seconds.get(s, 0.0) for s in states)

    @property
    def occupancy(self) -> float | None:
        """Handling time (calls and after-call work) over handling plus waiting-ready time."""
        productive = self.total(PRODUCTIVE_STATES)
        return self.total(HANDLING_STATES) / productive if productive else None

    @property
    def utilisation(self) -> float | None:
        """Time ready or handling over all logged-in time (breaks and training included)."""
        logged = self.total(LOGGED_IN_STATES)
        return self.total(PRODUCTIVE_STATES) / logged if logged else None

    @property
    def hours_by_state(self) -> list[float]:
        """Hours in each state, in ``AgentState`` order (the table's columns)."""
        return [self.seconds.get(state, 0.0) / 3600 for state in AgentState.values]


def agent_times(users: Sequence[User], start: datetime, end: datetime) -> list[AgentTimes]:
    """Seconds per state for each user between ``start`` and ``end`` (an open span counts up to now). Two queries."""
    now = timezone.now()
    result = {u.pk: AgentTimes(user=u) for u in users}
    spans = StateSpan.objects.filter(user_id__in=list(result), started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    for span in spans.only("user_id", "state", "started_at", "ended_at"):
        a = max(span.started_at, start)
        b = min(span.ended_at or now, end)
        if b > a:
            result[span.user_id].seconds[span.state] += (b - a).total_seconds()
    for status in AgentStatus.objects.filter(user_id__in=list(result)):
        result[status.user_id].current = status
    return list(result.values())


# --- the staffing view -------------------------------------------------------------------------------------------
@dataclass
class IntervalRow:
    start: datetime
    calls: float
    result: StaffingResult
    rostered: int

    @property
    def gap(self) -> int:
        """Heads rostered minus heads needed (negative: understaffed)."""
        return self.rostered - self.result.staff

    @property
    def status(self) -> str:
        if self.gap < 0:
            return "under"
        return "over" if self.gap > 0 else "ok"


@dataclass
class StaffingView:
    team: Team
    day: date
    rows: list[IntervalRow]
    aht_s: float
    aht_source: str  # "history" or "team"
    weeks: int

    @property
    def under_hours(self) -> float:
        return sum(1 for r in self.rows if r.status == "under") * INTERVAL.total_seconds() / 3600

    @property
    def peak_staff(self) -> int:
        return max((r.result.staff for r in self.rows), default=0)


def _intervals(day: date, zone: ZoneInfo) -> list[datetime]:
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    points: list[datetime] = []
    moment = start
    while moment < end:  # wall-clock steps would repeat or skip an hour on a DST day; UTC steps do not
        points.append(moment)
        moment = (moment.astimezone(ZoneInfo("UTC")) + INTERVAL).astimezone(zone)
    return points


def _arrivals(team: Team, since: datetime, until: datetime) -> list[datetime]:
    queue_ids = list(team.queues.values_list("pk", flat=True))
    if not queue_ids:
        return []
    calls = Call.objects.filter(
        direction=Direction.INBOUND, line__queue_id__in=queue_ids, started_at__gte=since, started_at__lt=until
    ).values_list("started_at", flat=True)
    tickets = (
        Ticket.objects.filter(queue_id__in=queue_ids, created_at__gte=since, created_at__lt=until)
        .exclude(channel=Channel.PHONE)
        .values_list("created_at", flat=True)
    )
    return [*calls, *tickets]


def measured_aht(team: Team, since: datetime, until: datetime) -> float | None:
    """Average handling time from history: answered inbound calls' talk time plus agents' after-call work."""
    queue_ids = list(team.queues.values_list("pk", flat=True))
    calls = Call.objects.filter(
        direction=Direction.INBOUND,
        line__queue_id__in=queue_ids,
        outcome=Outcome.ANSWERED,
        started_at__gte=since,
        started_at__lt=until,
    ).aggregate(n=Count("pk"), talk=Avg("talk_seconds"))
    if not calls["n"] or calls["n"] < MIN_CALLS_FOR_AHT or calls["talk"] is None:
        return None
    wrap: list[float] = [
        (span.ended_at - span.started_at).total_seconds()
        for span in StateSpan.objects.filter(
            user__in=team.members.all(),
            state=AgentState.AFTER_CALL,
            started_at__gte=since,
            started_at__lt=until,
            ended_at__isnull=False,
        ).only("started_at", "ended_at")
        if span.ended_at is not None
    ]
    return float(calls["talk"]) + (sum(wrap) / len(wrap) if wrap else 0.0)


def staffing_view(team: Team, day: date) -> StaffingView:
    """Forecast, agents and staff needed (Erlang C) and heads rostered for each 30-minute interval of ``day``."""
    zone = team_zone(team)
    points = _intervals(day, zone)
    weeks = team.history_weeks
    counts: dict[tuple[int, int], int] = defaultdict(int)
    history_start = datetime.combine(day - timedelta(weeks=weeks), time(), tzinfo=zone)
    history_end = datetime.combine(day, time(), tzinfo=zone)
    for moment in _arrivals(team, history_start, history_end):
        local = moment.astimezone(zone)
        if local.weekday() == day.weekday():
            counts[(local.hour, local.minute // 30)] += 1
    aht = measured_aht(team, history_start, history_end)
    aht_source = "history" if aht is not None else "team"
    aht_s = aht if aht is not None else float(team.default_aht_seconds)
    forecast = [IntervalForecast(start=p, calls=counts.get((p.hour, p.minute // 30), 0) / weeks) for p in points]
    staffed = staff_forecast(
        forecast,
        interval_s=INTERVAL.total_seconds(),
        aht_s=aht_s,
        target=team.target_service_level,
        answer_s=float(team.answer_seconds),
        shrinkage=team.shrinkage,
    )
    day_start, day_end = points[0], points[-1] + INTERVAL
    shifts = list(
        Shift.objects.filter(team=team, starts_at__lt=day_end, ends_at__gt=day_start).values_list(
            "starts_at", "ends_at"
        )
    )
    rows = [
        IntervalRow(
            start=s.start,
            calls=s.calls,
            result=s.result,
            rostered=sum(1 for a, b in shifts if a < s.start + INTERVAL and b > s.start),
        )
        for s in staffed
    ]
    return StaffingView(team=team, day=day, rows=rows, aht_s=aht_s, aht_source=aht_source, weeks=weeks)


def agents_overview(users: Sequence[User], start: datetime, end: datetime) -> list[AgentTimes]:
    return sorted(agent_times(users, start, end), key=lambda t: t.user.display_name)
