"""Reads of the web shell: saved filters and seen-markers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from hotline.core.models import User
from hotline.web.models import SavedFilter, SeenMarker


def list_saved_filters(actor: User, *, scope: str = "tickets") -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(Q(owner=actor) | Q(is_shared=True), scope=scope).order_by("name", "id")


def seen_at(user: User, keys: Iterable[str]) -> dict[str, datetime]:
    return dict(SeenMarker.objects.filter(user=user, key__in=list(keys)).values_list("key", "seen_at"))
