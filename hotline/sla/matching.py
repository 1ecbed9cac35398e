"""Which SLA policy applies to a ticket: the first active one, in the administrator's order, whose conditions hold."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from hotline.core import config_cache
from hotline.customers.models import Contact, Organisation
from hotline.desk.models import Ticket
from hotline.sla.models import SlaPolicy


@dataclass(frozen=True)
class TicketFacts:
    """What the conditions look at, read once per ticket."""

    priority: int
    channel: str
    queue_id: int
    category_path: str = ""
    organisation_id: int | None = None
    customer_tag_ids: frozenset[int] = field(default_factory=frozenset)


def active_policies() -> list[SlaPolicy]:
    """Active policies in matching order, with their conditions loaded (five queries, whatever their number)."""
    return list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("queues", "categories", "organisations", "customer_tags")
        .order_by("order", "id")
    )


def _customer_tags(ticket: Ticket) -> frozenset[int]:
    tag_ids: set[int] = set()
    if ticket.contact_id is not None:
        tag_ids.update(
            Contact.tags.through.objects.filter(contact_id=ticket.contact_id).values_list("tag_id", flat=True)
        )
    if ticket.organisation_id is not None:
        tag_ids.update(
            Organisation.tags.through.objects.filter(organisation_id=ticket.organisation_id).values_list(
                "tag_id", flat=True
            )
        )
    return frozenset(tag_ids)


def facts_of(ticket: Ticket, *, with_customer_tags: bool) -> TicketFacts:
    return TicketFacts(
        priority=ticket.priority,
        channel=ticket.channel,
        queue_id=ticket.queue_id,
        category_path=ticket.category.path if ticket.category_id is not None and ticket.category else "",
        organisation_id=ticket.organisation_id,
        customer_tag_ids=_customer_tags(ticket) if with_customer_tags else frozenset(),
    )


@dataclass(frozen=True)
class Conditions:
    """A policy's conditions as plain sets: what matching needs, without the rows they came from."""

    policy: SlaPolicy
    priorities: frozenset[int]
    channels: frozenset[str]
    queue_ids: frozenset[int]
    has_categories: bool
    category_paths: tuple[str, ...]
    organisation_ids: frozenset[int]
    customer_tag_ids: frozenset[int]

    def holds(self, facts: TicketFacts) -> bool:
        """Every non-empty condition holds; a category condition covers its subcategories."""
        if self.priorities and facts.priority not in self.priorities:
            return False
        if self.channels and facts.channel not in self.channels:
            return False
        if self.queue_ids and facts.queue_id not in self.queue_ids:
            return False
        if self.has_categories and not any(facts.category_path.startswith(path) for path in self.category_paths):
            return False
        if self.organisation_ids and facts.organisation_id not in self.organisation_ids:
            return False
        return not (self.customer_tag_ids and not self.customer_tag_ids & facts.customer_tag_ids)


def conditions_of(policy: SlaPolicy) -> Conditions:
    """Uses the relations ``active_policies`` prefetched."""
    categories = list(policy.categories.all())
    return Conditions(
        policy=policy,
        priorities=frozenset(int(p) for p in policy.priorities or ()),
        channels=frozenset(policy.channels or ()),
        queue_ids=frozenset(queue.pk for queue in policy.queues.all()),
        has_categories=bool(categories),
        category_paths=tuple(c.path for c in categories if c.path),
        organisation_ids=frozenset(org.pk for org in policy.organisations.all()),
        customer_tag_ids=frozenset(tag.pk for tag in policy.customer_tags.all()),
    )


def policy_matches(policy: SlaPolicy, facts: TicketFacts) -> bool:
    """Every non-empty condition holds; a category condition covers its subcategories."""
    return conditions_of(policy).holds(facts)


def _load_conditions() -> tuple[Conditions, ...]:
    return tuple(conditions_of(policy) for policy in active_policies())


def match_policy(ticket: Ticket, policies: Sequence[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The policy for ``ticket``, or None when no active policy's conditions hold.

    Without ``policies`` the active ones come from this process's cache (``core.config_cache``: one read of the
    configuration's version instead of five queries per ticket); the caller gets its own copy of the row.
    """
    if policies is None:
        candidates = config_cache.cached("sla.policies", _load_conditions)
    else:
        candidates = tuple(conditions_of(policy) for policy in policies)
    if not candidates:
        return None
    needs_tags = any(c.customer_tag_ids for c in candidates)
    facts = facts_of(ticket, with_customer_tags=needs_tags)
    found = next((c.policy for c in candidates if c.holds(facts)), None)
    return copy.copy(found) if found is not None and policies is None else found
