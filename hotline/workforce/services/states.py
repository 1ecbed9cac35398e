"""Agent states: the current one and its history, from the UI, a supervisor or telephony's call events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, roles
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.workforce import permissions
from hotline.workforce.events import AgentStateChanged
from hotline.workforce.models import AgentState, AgentStatus, StateSource, StateSpan


def _actor_id(actor: Any) -> int | None:
    return actor.pk if isinstance(actor, User) else None


@transaction.atomic
def set_agent_state(
    *, actor: User | None, agent: User, state: str, source: str = StateSource.UI, at: datetime | None = None
) -> AgentStatus:
    """Move the agent into ``state`` from ``at`` (now); the same state again changes nothing.

    Raises:
        Forbidden: a person other than a supervisor sets someone else's state; the agent is not staff.
        ValidationFailed: an unknown state (field="state").
    """
    if state not in AgentState.values:
        raise ValidationFailed(_("Неизвестное состояние"), field="state")
    if actor is not None and not permissions.can_set_state_of(actor, agent):
        raise Forbidden(_("Состояние другого сотрудника меняет руководитель"))
    if not roles.is_agent(agent):
        raise Forbidden(_("Состояния бывают только у сотрудников"))
    moment = at or timezone.now()
    status, _created = AgentStatus.objects.select_for_update().get_or_create(user=agent)
    if status.state == state and not _created:
        return status
    old = status.state
    # A report older than the current state (a late telephony event) does not rewrite history.
    if moment < status.since:
        moment = status.since
    StateSpan.objects.filter(user=agent, ended_at__isnull=True).update(ended_at=moment)
    StateSpan.objects.create(user=agent, state=state, started_at=moment, source=source)
    status.state = state
    status.since = moment
    status.source = source
    status.save(update_fields=["state", "since", "source"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=status, summary=f"{agent.username}: {old} → {state}")
    publish(
        AgentStateChanged(actor_id=_actor_id(actor), user_id=agent.pk, old_state=old, new_state=state, source=source)
    )
    return status


def current_state(agent: User) -> AgentStatus:
    status = AgentStatus.objects.filter(user=agent).first()
    return status or AgentStatus(user=agent, state=AgentState.OFFLINE)
