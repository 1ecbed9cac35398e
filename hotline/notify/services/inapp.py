"""In-app notifications: a person marks their own as read."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from hotline.core.models import User
from hotline.notify.models import Notification


@transaction.atomic
def mark_read(*, actor: User, notification_ids: Sequence[int]) -> int:
    """Mark the actor's notifications read (others' ids are ignored); returns how many changed."""
    return Notification.objects.filter(user=actor, pk__in=list(notification_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
