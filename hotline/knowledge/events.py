"""Events the knowledge base publishes."""

from __future__ import annotations

import dataclasses

from hotline.core.events import Event, register_event


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ArticleSaved(Event):
    """Created, edited, published, archived or restored to an older version."""

    article_id: int
    version: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ArticleDeleted(Event):
    article_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ArticleUsedOnTicket(Event):
    article_id: int
    ticket_id: int


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class MacroApplied(Event):
    macro_id: int
    ticket_id: int
