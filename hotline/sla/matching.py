"""Which SLA policy applies to a ticket: the first active one, in the administrator's order, whose conditions hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


def policy_matches(policy: SlaPolicy, facts: TicketFacts) -> bool:
    """Every non-empty condition holds; a category condition covers its subcategories."""
    if policy.priorities and facts.priority not in {int(p) for p in policy.priorities}:
        return False
    if policy.channels and facts.channel not in policy.channels:
        return False
    queue_ids = {queue.pk for queue in policy.queues.all()}
    if queue_ids and facts.queue_id not in queue_ids:
        return False
    categories = list(policy.categories.all())
    if categories and not any(facts.category_path.startswith(c.path) for c in categories if c.path):
        return False
    organisation_ids = {org.pk for org in policy.organisations.all()}
    if organisation_ids and facts.organisation_id not in organisation_ids:
        return False
    tag_ids = {tag.pk for tag in policy.customer_tags.all()}
    return not (tag_ids and not tag_ids & facts.customer_tag_ids)


def match_policy(ticket: Ticket, policies: Sequence[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The policy for ``ticket``, or None when no active policy's conditions hold."""
    candidates = active_policies() if policies is None else policies
    if not candidates:
        return None
    needs_tags = any(policy.customer_tags.all() for policy in candidates)
    facts = facts_of(ticket, with_customer_tags=needs_tags)
    return next((policy for policy in candidates if policy_matches(policy, facts)), None)
