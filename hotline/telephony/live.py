"""The screen-pop's channel: topic ``phone:<user id>``, which only that agent may listen to.

A push says which call and what happened (ringing, answered, transferred, ended); the browser then fetches
the caller's card, so what it shows is rendered with that agent's own access rights.
"""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.web.live import broadcast, register_topic

TOPIC = "phone"


def topic_for(user_id: int) -> str:
    return f"{TOPIC}:{user_id}"


def _may_listen(user: Any, argument: str) -> bool:
    return roles.is_agent(user) and argument == str(user.pk)


def push_call(*, user_id: int, call_id: int, state: str, ticket: str = "") -> None:
    """Tell the agent's browser about the call once the current transaction commits."""
    broadcast(topic_for(user_id), {"call": call_id, "state": state, "ticket": ticket})


def register() -> None:
    register_topic(TOPIC, _may_listen)
