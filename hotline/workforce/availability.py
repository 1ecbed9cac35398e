"""Who may get a ticket automatically now: the desk's assignment modes ask this through their filter registry.

For a queue served by a team with "assign only to agents on shift and available" on, the candidates are the
agents whose shift (in any team) covers this moment and whose state is "available". Queues no such team serves
are left to the desk as they are (None).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline.desk.models import Queue
from hotline.workforce.models import AgentState, AgentStatus, Shift, Team


def available_agent_ids(queue: Queue) -> QuerySet[Any] | None:
    """A subquery of user ids allowed to take work in ``queue`` now, or None for no restriction."""
    if not Team.objects.filter(queues=queue, assign_only_available=True).exists():
        return None
    now = timezone.now()
    on_shift = Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).values("user_id")
    return AgentStatus.objects.filter(state=AgentState.AVAILABLE, user_id__in=on_shift).values("user_id")
