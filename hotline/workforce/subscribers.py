"""What workforce does on other apps' events: telephony's calls move agents' states, and desk's automatic
assignment asks workforce who is on shift and available."""

from __future__ import annotations

from hotline.core.events import subscribe
from hotline.core.models import User
from hotline.desk.services.assignment import register_availability_filter
from hotline.telephony.events import CallAnswered, CallEnded
from hotline.telephony.models import Call
from hotline.workforce.availability import available_agent_ids
from hotline.workforce.models import AgentState, AgentStatus, StateSource
from hotline.workforce.services.states import set_agent_state


def _agent(agent_id: int | None) -> User | None:
    if agent_id is None:
        return None
    return User.objects.filter(pk=agent_id, is_active=True).first()


def on_call_answered(event: CallAnswered) -> None:
    agent = _agent(event.agent_id)
    if agent is None:
        return
    call = Call.objects.filter(pk=event.call_id).only("answered_at").first()
    at = call.answered_at if call is not None else None
    set_agent_state(actor=None, agent=agent, state=AgentState.ON_CALL, source=StateSource.TELEPHONY, at=at)


def on_call_ended(event: CallEnded) -> None:
    agent = _agent(event.agent_id)
    if agent is None:
        return
    # Only a call the agent was on leads to after-call work; a missed ring leaves the state alone.
    if not AgentStatus.objects.filter(user=agent, state=AgentState.ON_CALL).exists():
        return
    call = Call.objects.filter(pk=event.call_id).only("ended_at").first()
    at = call.ended_at if call is not None else None
    set_agent_state(actor=None, agent=agent, state=AgentState.AFTER_CALL, source=StateSource.TELEPHONY, at=at)


def register() -> None:
    # After commit, from the outbox: a hiccup here must never fail the PBX's event.
    subscribe(CallAnswered, on_call_answered, mode="async")
    subscribe(CallEnded, on_call_ended, mode="async")
    register_availability_filter("workforce", available_agent_ids)
