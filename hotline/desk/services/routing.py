"""Routing: which queue a new ticket lands in."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.utils.translation import gettext as _

from hotline.core import config_cache
from hotline.core.errors import ValidationFailed
from hotline.customers.models import Organisation
from hotline.desk.models import Category, Queue, RoutingRule


@dataclass(frozen=True)
class Route:
    queue: Queue
    rule: RoutingRule | None


def keywords_of(rule: RoutingRule) -> list[str]:
    return [word.strip().casefold() for word in rule.keywords.split(",") if word.strip()]


def rule_matches(
    rule: RoutingRule,
    *,
    channel: str,
    category: Category | None,
    organisation: Organisation | None,
    mailbox: str,
    text: str,
) -> bool:
    """All of the rule's conditions hold; an empty condition matches anything."""
    if rule.channel and rule.channel != channel:
        return False
    # A rule for a category also takes its subcategories.
    if rule.category_id is not None and (category is None or f"/{rule.category_id}/" not in category.path):
        return False
    if rule.organisation_id is not None and (organisation is None or organisation.pk != rule.organisation_id):
        return False
    if rule.mailbox and rule.mailbox.strip().casefold() != mailbox.strip().casefold():
        return False
    words = keywords_of(rule)
    return not words or any(word in text.casefold() for word in words)


def default_queue() -> Queue | None:
    return Queue.objects.filter(is_active=True, is_default=True).order_by("line_level", "pk").first()


@dataclass(frozen=True)
class _RoutingConfig:
    rules: tuple[RoutingRule, ...]
    default: Queue | None


def _load_routing() -> _RoutingConfig:
    rules = RoutingRule.objects.filter(is_active=True, queue__is_active=True).select_related("queue")
    return _RoutingConfig(rules=tuple(rules), default=default_queue())


def _own_copy(queue: Queue) -> Queue:
    # The cached rows are shared by every request of the process; the ticket gets a copy it may change.
    return copy.copy(queue)


def route_ticket(
    *,
    channel: str,
    category: Category | None = None,
    organisation: Organisation | None = None,
    mailbox: str = "",
    subject: str = "",
    description: str = "",
) -> Route:
    """The first active rule (by order) whose conditions hold, else the default queue.

    The rules are read once per process and again only after the configuration changed (``core.config_cache``).

    Raises:
        ValidationFailed: no rule matched and no default queue is configured.
    """
    text = f"{subject}\n{description}"
    config = config_cache.cached("desk.routing", _load_routing)
    for rule in config.rules:
        if rule_matches(
            rule, channel=channel, category=category, organisation=organisation, mailbox=mailbox, text=text
        ):
            own = copy.copy(rule)
            own.queue = _own_copy(rule.queue)
            return Route(queue=own.queue, rule=own)
    if config.default is None:
        raise ValidationFailed(
            _("Не удалось выбрать очередь: ни одно правило не подошло и нет очереди по умолчанию"), field="queue_id"
        )
    return Route(queue=_own_copy(config.default), rule=None)
