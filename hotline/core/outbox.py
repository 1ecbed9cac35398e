"""Delivers outbox events to async subscribers after commit, at least once and idempotently."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.core.events import async_subscribers, delivering, from_payload
from hotline.core.models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


def deliver_event(event_id: UUID) -> bool:
    """Run every async subscriber of one event that has not yet handled it.

    Each subscriber's work and its delivery mark commit together, so a crash between
    subscribers repeats only the unfinished ones. Returns whether all subscribers succeeded.
    """
    event_row = OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).first()
    if event_row is None:
        return True
    event = from_payload(event_row.name, event_row.payload)
    done = set(OutboxDelivery.objects.filter(event_id=event_id).values_list("subscriber", flat=True))
    failed: list[str] = []
    for key, handler in async_subscribers(event_row.name):
        if key in done:
            continue
        try:
            with transaction.atomic(), delivering(event_id):
                OutboxDelivery.objects.create(event_id=event_id, subscriber=key)
                handler(event)
        except IntegrityError:
            continue  # another worker delivered it first
        except Exception as exc:
            logger.exception("outbox subscriber %s failed on %s", key, event_row.name)
            failed.append(f"{key}: {exc}")
    now = timezone.now()
    if failed:
        attempts = event_row.attempts + 1
        backoff = min(timedelta(seconds=2**attempts), MAX_BACKOFF)
        OutboxEvent.objects.filter(pk=event_id).update(
            attempts=attempts, last_error="\n".join(failed)[:4000], next_attempt_at=now + backoff
        )
        return False
    OutboxEvent.objects.filter(pk=event_id).update(processed_at=now, attempts=event_row.attempts + 1, last_error="")
    return True


def deliver_pending(limit: int = 500) -> int:
    """Deliver the events that are due; returns how many were handled completely."""
    due = list(
        OutboxEvent.objects.filter(processed_at__isnull=True, next_attempt_at__lte=timezone.now())
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for event_id in due if deliver_event(event_id))
