"""Telling an instance what its related rows are, when the service that wrote them knows.

A service that has just created a row and its children (a contact and its phones) can hand back an instance
whose ``contact.phones.all()`` answers without a query, exactly as after ``prefetch_related``: presenting it
then costs no read-back. Adding or removing through the relation's manager drops what was primed, as Django
does for prefetched rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model


def _cache_name(manager: Any) -> str:
    name = getattr(manager, "prefetch_cache_name", None)  # many-to-many
    return str(name) if name is not None else str(manager.field.remote_field.cache_name)  # reverse foreign key


def prime_related[M: Model](instance: Model, name: str, rows: Iterable[M]) -> None:
    """``instance.<name>.all()`` (a reverse foreign key or many-to-many) returns ``rows``, in this order.

    Stored as ``prefetch_related`` stores its result: the relation's own queryset with the rows as its cache, so
    anything chained on it (``filter``, ``exists``, ``values_list``) still asks the database.
    """
    manager: Any = getattr(instance, name)
    cache: dict[str, Any] = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(_cache_name(manager), None)  # so get_queryset() builds a fresh queryset, not the primed one
    queryset = manager.get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache[_cache_name(manager)] = queryset


def prime_empty(instance: Model, *names: str) -> None:
    """These relations of ``instance`` have no rows (a row created just now): no query to find that out."""
    for name in names:
        prime_related(instance, name, ())
