"""What mail and webhook deliveries share: claiming a due row, backing off, recording the outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hotline.notify.models import RETRYABLE, DeliveryState, DeliveryStatus

# Long enough for one SMTP or HTTP exchange with its timeout; a sender that died frees the row after it.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
ERROR_MAX = 4000


def max_attempts() -> int:
    return int(getattr(settings, "HOTLINE_NOTIFY_MAX_ATTEMPTS", 12))


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours apart (about a day in all)."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_RETRY)


def due_ids(model: type[DeliveryState], *, limit: int, now: datetime | None = None) -> list[Any]:
    now = now or timezone.now()
    return list(
        model._default_manager.filter(status__in=RETRYABLE, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def claim(model: type[DeliveryState], pk: object, *, now: datetime | None = None) -> bool:
    """Take the row if it is still due and nobody holds it: one UPDATE, so of two senders only one wins."""
    now = now or timezone.now()
    return (
        model._default_manager.filter(pk=pk, status__in=RETRYABLE, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + LEASE)
        == 1
    )


def record_success(row: DeliveryState, **fields: object) -> None:
    now = timezone.now()
    row.status = DeliveryStatus.SENT
    row.attempts += 1
    row.sent_at = row.last_attempt_at = now
    row.next_attempt_at = None
    row.locked_until = None
    row.last_error = ""
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(
        update_fields=[
            "status",
            "attempts",
            "sent_at",
            "last_attempt_at",
            "next_attempt_at",
            "locked_until",
            "last_error",
            *fields,
        ]
    )


def record_failure(row: DeliveryState, error: str, *, permanent: bool = False, **fields: object) -> None:
    """The attempt failed: keep the error, and schedule the next attempt unless it cannot succeed or retries ran out."""
    now = timezone.now()
    row.status = DeliveryStatus.FAILED
    row.attempts += 1
    row.last_attempt_at = now
    row.locked_until = None
    row.last_error = error[:ERROR_MAX]
    give_up = permanent or row.attempts >= max_attempts()
    row.next_attempt_at = None if give_up else now + retry_delay(row.attempts)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(
        update_fields=[
            "status",
            "attempts",
            "last_attempt_at",
            "locked_until",
            "last_error",
            "next_attempt_at",
            *fields,
        ]
    )
