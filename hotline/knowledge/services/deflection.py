"""Self-service on the portal: articles suggested while a customer writes a request, and whether they helped.

An attempt starts with the first suggestion shown on the new-request page. It records which articles were
shown, the first one the customer opened from the suggestions, and the request if they sent it after all.
Shown, opened and not sent is a deflected request. The desk knows nothing of this: its ``TicketOpened``
event (portal channel) closes the customer's open attempt.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotline.core import roles
from hotline.core.models import User
from hotline.desk.choices import Channel
from hotline.desk.events import TicketOpened
from hotline.knowledge.models import Article, DeflectionAttempt

# An attempt the customer comes back to within this time is the same request being written.
ATTEMPT_WINDOW = datetime.timedelta(hours=2)
SHOWN_MAX = 50


def _owner(actor: Any, session_key: str) -> Q | None:
    if isinstance(actor, User) and roles.is_customer(actor):
        return Q(user_id=actor.pk)
    if session_key:
        return Q(user__isnull=True, session_key=session_key)
    return None


def _open_attempt(actor: Any, session_key: str) -> DeflectionAttempt | None:
    owner = _owner(actor, session_key)
    if owner is None:
        return None
    since = timezone.now() - ATTEMPT_WINDOW
    return (
        DeflectionAttempt.objects.select_for_update()
        .filter(owner, submitted_at__isnull=True, started_at__gte=since)
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def record_suggestions(
    *, actor: Any, session_key: str, query: str, articles: Sequence[Article]
) -> DeflectionAttempt | None:
    """Note the articles just suggested to a customer writing a request (nothing for staff or no articles)."""
    if not articles or _owner(actor, session_key) is None:
        return None
    attempt = _open_attempt(actor, session_key)
    if attempt is None:
        is_customer = isinstance(actor, User) and roles.is_customer(actor)
        attempt = DeflectionAttempt(user=actor if is_customer else None, session_key=session_key)
    shown = list(attempt.shown_article_ids or [])
    for article in articles:
        if article.pk not in shown:
            shown.append(article.pk)
    attempt.shown_article_ids = shown[-SHOWN_MAX:]
    attempt.last_query = (query or "")[:500]
    attempt.save()
    return attempt


@transaction.atomic
def record_opened(*, actor: Any, session_key: str, article: Article) -> DeflectionAttempt | None:
    """The customer opened a suggested article (the first one opened is kept)."""
    attempt = _open_attempt(actor, session_key)
    if attempt is None or article.pk not in (attempt.shown_article_ids or []) or attempt.opened_at is not None:
        return attempt
    attempt.opened_article = article
    attempt.opened_at = timezone.now()
    attempt.save(update_fields=["opened_article", "opened_at"])
    return attempt


def on_ticket_opened(event: TicketOpened) -> None:
    """The customer sent the request after all: their open attempt did not deflect it."""
    if event.channel != Channel.PORTAL or event.actor_id is None:
        return
    since = timezone.now() - ATTEMPT_WINDOW
    DeflectionAttempt.objects.filter(user_id=event.actor_id, submitted_at__isnull=True, started_at__gte=since).update(
        ticket_id=event.ticket_id, submitted_at=timezone.now()
    )
