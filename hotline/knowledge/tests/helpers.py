"""Building a small searchable world through the services, as users would."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.utils import timezone

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Ticket
from hotline.desk.services import tickets as ticket_services
from hotline.knowledge.models import Article, ArticleCategory
from hotline.knowledge.services import articles


def open_ticket(actor: User, subject: str, description: str = "", *, days_ago: int = 0, **kwargs: Any) -> Ticket:
    """A ticket opened through the desk's service, ``days_ago`` days back (older tickets rank lower)."""
    when = timezone.now() - datetime.timedelta(days=days_ago, minutes=kwargs.pop("minutes_ago", 0))
    with time_machine.travel(when, tick=False):
        return ticket_services.open_ticket(
            actor=actor, subject=subject, description=description, channel=kwargs.pop("channel", "phone"), **kwargs
        )


def publish(
    section: ArticleCategory, title: str, body: str = "", *, public: bool = True, language: str = "ru", **kwargs: Any
) -> Article:
    return articles.create_article(
        actor=None,
        category=section,
        title=title,
        body=body,
        visibility="public" if public else "internal",
        language=language,
        status="published",
        **kwargs,
    )


def ids(result: Any) -> list[int]:
    return [hit.object_id for hit in result.hits]


def contact_named(contact: Contact) -> str:
    return contact.full_name
