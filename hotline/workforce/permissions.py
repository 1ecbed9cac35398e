"""Who may do what in workforce: pure predicates."""

from __future__ import annotations

from typing import Any

from hotline.core import roles


def can_manage_roster(user: Any) -> bool:
    return roles.is_supervisor(user)


def can_set_state_of(user: Any, agent: Any) -> bool:
    """Agents set their own state; supervisors anyone's."""
    return roles.is_agent(user) and (user.pk == agent.pk or roles.is_supervisor(user))
