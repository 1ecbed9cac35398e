"""The screen-pop's channel: topic ``phone:<user id>``, which only that agent may listen to.

A push says which call and what happened (ringing, answered, transferred, ended), with the number and the
matched caller's name so the browser can show who is calling at once; it then fetches the full card, rendered
with that agent's own access rights.
"""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.telephony.models import Call
from hotline.web.live import broadcast, register_topic

TOPIC = "phone"


def topic_for(user_id: int) -> str:
    return f"{TOPIC}:{user_id}"


def _may_listen(user: Any, argument: str) -> bool:
    return roles.is_agent(user) and argument == str(user.pk)


def push_call(*, user_id: int, call: Call, state: str) -> None:
    """Tell the agent's browser about the call once the current transaction commits."""
    payload = {
        "call": call.pk,
        "state": state,
        "ticket": call.ticket.number if call.ticket_id and call.ticket is not None else "",
        "number": call.customer_e164 or call.customer_number,
        "name": call.contact.full_name if call.contact_id and call.contact is not None else call.caller_name,
    }
    broadcast(topic_for(user_id), payload)


def register() -> None:
    register_topic(TOPIC, _may_listen)
