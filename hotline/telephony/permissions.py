"""Who may do what in telephony: pure predicates."""

from __future__ import annotations

from typing import Any

from hotline.core import roles


def can_view_calls(user: Any) -> bool:
    """The call log is the contact centre's working record: every agent sees it, customers never."""
    return roles.is_agent(user)


def can_manage_callbacks(user: Any) -> bool:
    return roles.is_supervisor(user)


def can_edit_scripts(user: Any) -> bool:
    return roles.is_supervisor(user)
