"""Who may read and change what in the knowledge base: pure predicates, one question each."""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.knowledge.models import Article, CannedResponse, Macro


def can_edit_articles(user: Any) -> bool:
    """Every agent writes and publishes articles; what they change is versioned and audited."""
    return roles.is_agent(user)


def can_delete_articles(user: Any) -> bool:
    return roles.is_supervisor(user) or roles.is_admin(user)


def can_view_article(user: Any, article: Article) -> bool:
    """Published public articles are for everyone (guests too); the rest for staff."""
    return article.is_public or roles.is_agent(user)


def can_view_stats(user: Any) -> bool:
    return roles.is_supervisor(user) or roles.is_admin(user)


def _shared_scope_ok(user: Any, item: CannedResponse | Macro, member_queue_ids: set[int]) -> bool:
    if item.owner_id is not None:
        return bool(item.owner_id == user.pk)
    if item.queue_id is not None:
        return roles.is_admin(user) or item.queue_id in member_queue_ids
    return True


def can_use_template(user: Any, item: CannedResponse | Macro, member_queue_ids: set[int]) -> bool:
    """Personal: the owner; a queue's: its members (and administrators); global: every agent."""
    return roles.is_agent(user) and item.is_active and _shared_scope_ok(user, item, member_queue_ids)


def can_edit_template(user: Any, item: CannedResponse | Macro, led_queue_ids: set[int]) -> bool:
    """Personal: the owner; a queue's: its leads and administrators; global: administrators."""
    if not roles.is_agent(user):
        return False
    if item.owner_id is not None:
        return bool(item.owner_id == user.pk)
    if roles.is_admin(user):
        return True
    return item.queue_id is not None and item.queue_id in led_queue_ids
