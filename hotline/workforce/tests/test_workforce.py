"""Agent states (UI and telephony), occupancy, shifts and swaps, the desk's availability filter, and the staffing
view's Erlang C figures against the roster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from time_machine import Traveller

from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import OutboxEvent, User
from hotline.core.tests.factories import OperatorFactory, SupervisorFactory
from hotline.desk.choices import AssignmentMode
from hotline.desk.models import Queue
from hotline.desk.services.assignment import pick_assignee
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory, TicketFactory
from hotline.telephony.choices import Direction, Outcome
from hotline.telephony.events import CallAnswered, CallEnded
from hotline.telephony.models import Call
from hotline.telephony.tests.factories import LineFactory, PbxSourceFactory
from hotline.workforce import selectors, subscribers
from hotline.workforce.models import AgentState, AgentStatus, Shift, StateSpan, SwapStatus, Team
from hotline.workforce.services import roster, states
from hotline.workforce.services.roster import TeamInput

MSK = ZoneInfo("Europe/Moscow")
VLAD = ZoneInfo("Asia/Vladivostok")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=MSK)


@pytest.fixture
def frozen() -> Iterator[Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def supervisor(db: None) -> User:
    return SupervisorFactory.create(username="boss")


@pytest.fixture
def agent(db: None) -> User:
    return OperatorFactory.create(username="anna", time_zone="Europe/Moscow")


@pytest.fixture
def colleague(db: None) -> User:
    return OperatorFactory.create(username="boris", time_zone="Asia/Vladivostok")


@pytest.fixture
def queue(db: None) -> Queue:
    return LineQueueFactory.create(assignment_mode=AssignmentMode.ROUND_ROBIN)


@pytest.fixture
def team(supervisor: User, agent: User, colleague: User, queue: Queue) -> Team:
    return roster.save_team(
        actor=supervisor,
        data=TeamInput(
            name="Первая линия", time_zone="Asia/Vladivostok", member_ids=[agent.pk, colleague.pk], queue_ids=[queue.pk]
        ),
    )


# --- states --------------------------------------------------------------------------------------------------
def test_states_keep_their_history_with_timestamps(frozen: Traveller, agent: User) -> None:
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.AVAILABLE)
    frozen.shift(timedelta(minutes=30))
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.BREAK)
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.BREAK)  # the same state: nothing new
    spans = list(StateSpan.objects.filter(user=agent).values_list("state", "started_at", "ended_at"))
    assert spans == [
        (AgentState.AVAILABLE, MONDAY, MONDAY + timedelta(minutes=30)),
        (AgentState.BREAK, MONDAY + timedelta(minutes=30), None),
    ]
    assert AgentStatus.objects.get(user=agent).state == AgentState.BREAK
    assert OutboxEvent.objects.filter(name="workforce.AgentStateChanged").count() == 2


def test_only_supervisors_set_someone_elses_state(agent: User, colleague: User, supervisor: User) -> None:
    with pytest.raises(Forbidden):
        states.set_agent_state(actor=agent, agent=colleague, state=AgentState.OFFLINE)
    states.set_agent_state(actor=supervisor, agent=colleague, state=AgentState.OFFLINE)
    with pytest.raises(ValidationFailed):
        states.set_agent_state(actor=agent, agent=agent, state="napping")


def test_telephony_calls_move_the_agents_state(frozen: Traveller, agent: User) -> None:
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.AVAILABLE)
    source = PbxSourceFactory.create()
    call = Call.objects.create(
        source=source,
        provider_call_id="c1",
        direction=Direction.INBOUND,
        agent=agent,
        started_at=MONDAY + timedelta(minutes=1),
        answered_at=MONDAY + timedelta(minutes=2),
        ended_at=MONDAY + timedelta(minutes=7),
    )
    subscribers.on_call_answered(CallAnswered(call_id=call.pk, agent_id=agent.pk))
    subscribers.on_call_ended(CallEnded(call_id=call.pk, outcome="answered", agent_id=agent.pk))
    spans = list(
        StateSpan.objects.filter(user=agent).order_by("started_at").values_list("state", "started_at", "source")
    )
    assert spans[1:] == [
        (AgentState.ON_CALL, MONDAY + timedelta(minutes=2), "telephony"),
        (AgentState.AFTER_CALL, MONDAY + timedelta(minutes=7), "telephony"),
    ]
    # A missed ring on a phone whose agent is on a break does not put them into after-call work.
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.BREAK)
    subscribers.on_call_ended(CallEnded(call_id=call.pk, outcome="missed", agent_id=agent.pk))
    assert AgentStatus.objects.get(user=agent).state == AgentState.BREAK


def test_occupancy_and_utilisation_from_states(frozen: Traveller, agent: User) -> None:
    plan = [
        (AgentState.AVAILABLE, 60),
        (AgentState.ON_CALL, 90),
        (AgentState.AFTER_CALL, 30),
        (AgentState.BREAK, 60),
        (AgentState.TRAINING, 60),
    ]
    for state, minutes in plan:
        states.set_agent_state(actor=agent, agent=agent, state=state)
        frozen.shift(timedelta(minutes=minutes))
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.OFFLINE)
    times = selectors.agent_times([agent], MONDAY, MONDAY + timedelta(hours=8))[0]
    assert times.occupancy == pytest.approx(120 / 180)  # handling over handling + ready
    assert times.utilisation == pytest.approx(180 / 300)  # handling + ready over all logged-in time
    assert times.hours_by_state[0] == pytest.approx(1.0)


# --- shifts and swaps ------------------------------------------------------------------------------------------
def test_a_template_shift_is_the_teams_local_time_and_each_viewer_sees_it_in_their_own(
    supervisor: User, agent: User, colleague: User, team: Team
) -> None:
    template = roster.save_template(
        actor=supervisor, team=team, name="Утро", start_time=time(9), duration_minutes=540, break_minutes=60
    )
    result = roster.fill_from_template(
        actor=supervisor,
        team=team,
        template=template,
        users=[agent, colleague],
        days=[date(2026, 3, 2), date(2026, 3, 3)],
    )
    assert len(result.created) == 4
    shift = Shift.objects.filter(user=agent).order_by("starts_at").first()
    assert shift is not None
    assert shift.starts_at == datetime(2026, 3, 2, 9, 0, tzinfo=VLAD)
    # Anna in Moscow sees 02:00–11:00; Boris in Vladivostok 09:00–18:00.
    _days, rows = selectors.roster_week(team, date(2026, 3, 2), MSK)
    anna = next(r for r in rows if r.user == agent)
    monday_shift = anna.days[0][0]
    assert monday_shift.starts_at.astimezone(MSK).time() == time(2, 0)
    assert anna.minutes == 2 * 540
    again = roster.fill_from_template(
        actor=supervisor, team=team, template=template, users=[agent], days=[date(2026, 3, 2)]
    )
    assert again.created == []
    assert "уже есть смена" in again.skipped[0]


def test_shifts_refuse_overlaps_and_non_members(supervisor: User, agent: User, team: Team) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=MSK)
    roster.create_shift(actor=supervisor, team=team, user=agent, starts_at=start, ends_at=start + timedelta(hours=8))
    with pytest.raises(Conflict):
        roster.create_shift(
            actor=supervisor,
            team=team,
            user=agent,
            starts_at=start + timedelta(hours=7),
            ends_at=start + timedelta(hours=12),
        )
    stranger = OperatorFactory.create()
    with pytest.raises(ValidationFailed):
        roster.create_shift(
            actor=supervisor, team=team, user=stranger, starts_at=start, ends_at=start + timedelta(hours=8)
        )
    with pytest.raises(Forbidden):
        roster.create_shift(
            actor=agent,
            team=team,
            user=agent,
            starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=8),
        )


def test_a_swap_needs_a_supervisors_approval(
    frozen: Traveller, supervisor: User, agent: User, colleague: User, team: Team
) -> None:
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=MSK)
    mine = roster.create_shift(
        actor=supervisor, team=team, user=agent, starts_at=tuesday, ends_at=tuesday + timedelta(hours=8)
    )
    theirs = roster.create_shift(
        actor=supervisor,
        team=team,
        user=colleague,
        starts_at=tuesday + timedelta(days=1),
        ends_at=tuesday + timedelta(days=1, hours=8),
    )
    with pytest.raises(Forbidden):
        roster.request_swap(actor=colleague, shift=mine, counterpart=colleague)
    swap = roster.request_swap(
        actor=agent, shift=mine, counterpart=colleague, counterpart_shift=theirs, reason="к врачу"
    )
    with pytest.raises(Conflict):
        roster.request_swap(actor=agent, shift=mine, counterpart=colleague)
    assert Shift.objects.get(pk=mine.pk).user == agent  # nothing changes before the decision
    with pytest.raises(Forbidden):
        roster.decide_swap(actor=agent, swap=swap, approve=True)
    roster.decide_swap(actor=supervisor, swap=swap, approve=True)
    assert Shift.objects.get(pk=mine.pk).user == colleague
    assert Shift.objects.get(pk=theirs.pk).user == agent
    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    assert OutboxEvent.objects.filter(name="workforce.ShiftSwapDecided").exists()


def test_a_swap_that_would_double_book_is_refused(
    frozen: Traveller, supervisor: User, agent: User, colleague: User, team: Team
) -> None:
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=MSK)
    mine = roster.create_shift(
        actor=supervisor, team=team, user=agent, starts_at=tuesday, ends_at=tuesday + timedelta(hours=8)
    )
    roster.create_shift(
        actor=supervisor,
        team=team,
        user=colleague,
        starts_at=tuesday + timedelta(hours=4),
        ends_at=tuesday + timedelta(hours=12),
    )
    swap = roster.request_swap(actor=agent, shift=mine, counterpart=colleague)
    with pytest.raises(Conflict):
        roster.decide_swap(actor=supervisor, swap=swap, approve=True)
    roster.decide_swap(actor=supervisor, swap=swap, approve=False)
    assert Shift.objects.get(pk=mine.pk).user == agent


# --- the desk's assignment consults workforce ---------------------------------------------------------------
def test_round_robin_picks_only_agents_on_shift_and_available(
    frozen: Traveller, supervisor: User, agent: User, colleague: User, team: Team, queue: Queue
) -> None:
    for user in (agent, colleague):
        QueueMembershipFactory.create(queue=queue, user=user)
    ticket = TicketFactory.create(queue=queue)
    assert pick_assignee(ticket) is None  # nobody on shift yet
    roster.create_shift(
        actor=supervisor,
        team=team,
        user=agent,
        starts_at=MONDAY - timedelta(hours=1),
        ends_at=MONDAY + timedelta(hours=7),
    )
    roster.create_shift(
        actor=supervisor,
        team=team,
        user=colleague,
        starts_at=MONDAY - timedelta(hours=1),
        ends_at=MONDAY + timedelta(hours=7),
    )
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.BREAK)
    states.set_agent_state(actor=colleague, agent=colleague, state=AgentState.AVAILABLE)
    assert pick_assignee(ticket) == colleague
    states.set_agent_state(actor=colleague, agent=colleague, state=AgentState.OFFLINE)
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.AVAILABLE)
    assert pick_assignee(ticket) == agent
    # Switched off for the team: the desk assigns as it always did.
    team.assign_only_available = False  # as the team form saves it (the setting is cached per process)
    team.save(update_fields=["assign_only_available"])
    states.set_agent_state(actor=agent, agent=agent, state=AgentState.OFFLINE)
    assert pick_assignee(ticket) in (agent, colleague)


def test_a_queue_given_to_an_available_only_team_is_restricted_at_once(team: Team, agent: User) -> None:
    other = LineQueueFactory.create(assignment_mode=AssignmentMode.ROUND_ROBIN)
    QueueMembershipFactory.create(queue=other, user=agent)
    ticket = TicketFactory.create(queue=other)
    assert pick_assignee(ticket) == agent  # no team serves the queue (and that answer is now cached)
    team.queues.add(other)  # the team assigns only to agents on shift and available: nobody is
    assert pick_assignee(ticket) is None
    team.queues.remove(other)
    assert pick_assignee(ticket) == agent


def test_queues_without_a_team_are_left_alone(agent: User) -> None:
    queue = LineQueueFactory.create(assignment_mode=AssignmentMode.ROUND_ROBIN)
    QueueMembershipFactory.create(queue=queue, user=agent)
    assert pick_assignee(TicketFactory.create(queue=queue)) == agent


# --- the staffing view -----------------------------------------------------------------------------------------
def _history(team: Team, queue: Queue, day: date, calls_at_ten: int, weeks: int) -> None:
    source = PbxSourceFactory.create()
    line = LineFactory.create(queue=queue)
    zone = ZoneInfo(team.time_zone)
    rows = []
    for week in range(1, weeks + 1):
        moment = datetime.combine(day - timedelta(weeks=week), time(10, 0), tzinfo=zone)
        for i in range(calls_at_ten):
            rows.append(
                Call(
                    source=source,
                    provider_call_id=f"w{week}-{i}",
                    direction=Direction.INBOUND,
                    line=line,
                    started_at=moment + timedelta(seconds=i * 17),
                    outcome=Outcome.ANSWERED,
                    talk_seconds=180,
                )
            )
        # A different weekday does not count.
        rows.append(
            Call(
                source=source,
                provider_call_id=f"x{week}",
                direction=Direction.INBOUND,
                line=line,
                started_at=moment + timedelta(days=1),
            )
        )
    Call.objects.bulk_create(rows)


def test_the_staffing_view_matches_the_published_erlang_c_example(
    supervisor: User, agent: User, team: Team, queue: Queue
) -> None:
    """100 calls per 30 minutes, AHT 180 s, 80 % in 20 s → 14 agents, SL 88.8 %, occupancy 71.4 %, 20 staff at 30 %."""
    Team.objects.filter(pk=team.pk).update(
        default_aht_seconds=999, shrinkage=0.3, target_service_level=0.8, answer_seconds=20
    )
    team.refresh_from_db()
    day = date(2026, 3, 2)
    _history(team, queue, day, calls_at_ten=100, weeks=4)
    zone = ZoneInfo(team.time_zone)
    for _ in range(15):
        person = OperatorFactory.create()
        team.members.add(person)
        roster.create_shift(
            actor=supervisor,
            team=team,
            user=person,
            starts_at=datetime.combine(day, time(9), tzinfo=zone),
            ends_at=datetime.combine(day, time(18), tzinfo=zone),
        )
    view = selectors.staffing_view(team, day)
    assert view.aht_s == pytest.approx(180)  # measured: 400 answered calls of 180 s, no after-call work recorded
    assert view.aht_source == "history"
    ten = next(r for r in view.rows if r.start.astimezone(zone).time() == time(10, 0))
    assert ten.calls == pytest.approx(100)
    assert ten.result.agents == 14
    assert ten.result.service_level == pytest.approx(0.888, abs=0.0005)
    assert ten.result.occupancy == pytest.approx(0.714, abs=0.0005)
    assert ten.result.staff == 20
    assert ten.rostered == 15
    assert ten.gap == -5
    assert ten.status == "under"
    night = next(r for r in view.rows if r.start.astimezone(zone).time() == time(3, 0))
    assert (night.calls, night.result.staff, night.rostered, night.status) == (0, 0, 0, "ok")
    nine = next(r for r in view.rows if r.start.astimezone(zone).time() == time(9, 0))
    assert nine.status == "over"  # 15 rostered, no calls forecast
    assert len(view.rows) == 48
    assert view.under_hours == 0.5


def test_without_enough_history_the_teams_aht_is_used(team: Team) -> None:
    view = selectors.staffing_view(team, date(2026, 3, 2))
    assert view.aht_source == "team"
    assert view.aht_s == team.default_aht_seconds
    assert all(r.result.agents == 0 for r in view.rows)


# --- pages ---------------------------------------------------------------------------------------------------------
def test_pages_render_for_a_supervisor_with_constant_queries(
    client: Client, supervisor: User, agent: User, team: Team, queue: Queue, django_assert_max_num_queries: Any
) -> None:
    zone = ZoneInfo(team.time_zone)
    for i in range(6):
        person = OperatorFactory.create()
        team.members.add(person)
        start = datetime.combine(date(2026, 3, 2) + timedelta(days=i % 3), time(9), tzinfo=zone)
        roster.create_shift(
            actor=supervisor, team=team, user=person, starts_at=start, ends_at=start + timedelta(hours=9)
        )
        states.set_agent_state(actor=supervisor, agent=person, state=AgentState.AVAILABLE)
    client.force_login(supervisor)
    pages = [
        f"{reverse('workforce:roster')}?team={team.pk}&week=2026-03-02",
        f"{reverse('workforce:staffing')}?team={team.pk}&date=2026-03-02",
        f"{reverse('workforce:agents')}?team={team.pk}",
        reverse("workforce:swaps"),
        reverse("workforce:teams"),
        reverse("workforce:team", args=[team.pk]),
    ]
    for url in pages:
        with django_assert_max_num_queries(22):
            response = client.get(url)
        assert response.status_code == 200, url


def test_an_agent_sets_their_state_and_sees_their_shifts(
    client: Client, supervisor: User, agent: User, team: Team
) -> None:
    start = datetime(2030, 3, 4, 9, 0, tzinfo=MSK)
    with time_machine.travel(datetime(2030, 3, 1, 12, 0, tzinfo=MSK), tick=False):
        roster.create_shift(
            actor=supervisor, team=team, user=agent, starts_at=start, ends_at=start + timedelta(hours=8)
        )
        client.force_login(agent)
        client.post(reverse("workforce:state"), {"state": "available"})
        assert AgentStatus.objects.get(user=agent).state == AgentState.AVAILABLE
        page = client.get(reverse("workforce:my")).content.decode()
    assert "09:00–17:00" in page  # Anna's own zone is Moscow
    assert client.get(reverse("workforce:roster")).status_code == 403
