"""Who may get a ticket automatically now: the desk's assignment modes ask this through their filter registry.

For a queue served by a team with "assign only to agents on shift and available" on, the candidates are the
agents whose shift (in any team) covers this moment and whose state is "available". Queues no such team serves
are left to the desk as they are (None).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline.core import config_cache
from hotline.desk.models import Queue
from hotline.workforce.models import AgentState, AgentStatus, Shift, Team


def _restricted_queue_ids() -> frozenset[int]:
    through = Team.queues.through
    return frozenset(through.objects.filter(team__assign_only_available=True).values_list("queue_id", flat=True))


def available_agent_ids(queue: Queue) -> QuerySet[Any] | None:
    """A subquery of user ids allowed to take work in ``queue`` now, or None for no restriction."""
    # Read on every new ticket, changed a few times a year: from the per-process configuration cache.
    if queue.pk not in config_cache.cached("workforce.assign_only_available", _restricted_queue_ids):
        return None
    now = timezone.now()
    on_shift = Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).values("user_id")
    return AgentStatus.objects.filter(state=AgentState.AVAILABLE, user_id__in=on_shift).values("user_id")
