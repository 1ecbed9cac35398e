"""Who may do what with campaigns: pure predicates."""

from __future__ import annotations

from typing import Any

from hotline.core import roles


def can_manage_campaigns(user: Any) -> bool:
    """Create and configure campaigns, import lists, start/stop, the do-not-call list, statistics."""
    return roles.is_supervisor(user)


def can_work_campaign(user: Any, campaign: Any, *, agent_ids: set[int] | None = None) -> bool:
    """Agents listed on the campaign (any agent when none are listed) and supervisors."""
    if not roles.is_agent(user):
        return False
    if roles.is_supervisor(user):
        return True
    ids = agent_ids if agent_ids is not None else set(campaign.agents.values_list("pk", flat=True))
    return not ids or user.pk in ids
