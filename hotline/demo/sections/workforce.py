"""Workforce: two teams (the contact centre in two shifts, the round-the-clock emergency dispatch), this week's
roster from shift templates, and where each agent is right now (ready, on a call, on a break, offline)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from hotline.workforce.models import AgentState, StateSource, Team
from hotline.workforce.services.roster import TeamInput, fill_from_template, save_team, save_template
from hotline.workforce.services.states import set_agent_state

if TYPE_CHECKING:
    from hotline.demo.modules import Demo

# team, queues, members, templates: (name, start, hours, break minutes, {member: weekdays (Monday is 0)})
TEAMS: tuple[dict[str, Any], ...] = (
    {
        "name": "Контакт-центр",
        "queues": ["cc"],
        "members": ["operator", "operator2", "operator3"],
        "aht": 240,
        "templates": (
            ("Утро 08–17", time(8), 9, 60, {"operator": (0, 1, 2, 3, 4), "operator3": (5, 6)}),
            ("Вечер 12–21", time(12), 9, 60, {"operator2": (0, 1, 2, 3, 4), "operator3": (0, 2)}),
        ),
    },
    {
        "name": "Аварийно-диспетчерская служба",
        "queues": ["ads", "eng3"],
        "members": ["dispatcher", "engineer"],
        "aht": 360,
        "templates": (
            ("Сутки с 08:00", time(8), 24, 120, {"dispatcher": (0, 3, 6), "engineer": (1, 4)}),
            ("День 08–20", time(8), 12, 60, {"engineer": (2, 5)}),
        ),
    },
)
# Where each agent's day went, minutes before now, ending with their state at this moment.
STATES: dict[str, tuple[tuple[str, int], ...]] = {
    "operator": ((AgentState.AVAILABLE, 240), (AgentState.BREAK, 75), (AgentState.AVAILABLE, 60)),
    "operator2": ((AgentState.AVAILABLE, 120), (AgentState.ON_CALL, 4)),
    "operator3": ((AgentState.AVAILABLE, 200), (AgentState.AFTER_CALL, 20), (AgentState.BREAK, 10)),
    "dispatcher": ((AgentState.AVAILABLE, 300),),
    "specialist": ((AgentState.AVAILABLE, 180),),
    "specialist2": ((AgentState.TRAINING, 90),),
    "supervisor": ((AgentState.AVAILABLE, 240),),
    "engineer": ((AgentState.OFFLINE, 600),),
}


def is_loaded() -> bool:
    return Team.objects.exists()


def _this_week() -> list[date]:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def load_section(demo: Demo) -> str:
    week = _this_week()
    shifts = 0
    for spec in TEAMS:
        team = save_team(
            actor=demo.supervisor,
            data=TeamInput(
                name=spec["name"],
                member_ids=[demo.users[name].pk for name in spec["members"]],
                queue_ids=[demo.queues[slug].pk for slug in spec["queues"]],
                default_aht_seconds=spec["aht"],
            ),
        )
        for name, start, hours, break_minutes, roster in spec["templates"]:
            template = save_template(
                actor=demo.supervisor,
                team=team,
                name=name,
                start_time=start,
                duration_minutes=hours * 60,
                break_minutes=break_minutes,
            )
            for username, weekdays in roster.items():
                filled = fill_from_template(
                    actor=demo.supervisor,
                    team=team,
                    template=template,
                    users=[demo.users[username]],
                    days=[week[d] for d in weekdays],
                )
                shifts += len(filled.created)
    now = timezone.now()
    for username, steps in STATES.items():
        agent = demo.users[username]
        for state, minutes_ago in steps:
            set_agent_state(
                actor=demo.supervisor,
                agent=agent,
                state=state,
                source=StateSource.SUPERVISOR if agent != demo.supervisor else StateSource.UI,
                at=now - timedelta(minutes=minutes_ago),
            )
    return f"{len(TEAMS)} команды, {shifts} смен на эту неделю, состояния {len(STATES)} сотрудников"
