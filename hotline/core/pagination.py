"""Keyset (cursor) pagination: stable under inserts and as fast on page 1000 as on page 1."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q

from hotline.core.errors import ValidationFailed

MAX_LIMIT = 200


@dataclass(frozen=True)
class Page[T: models.Model]:
    items: list[T]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Некорректный курсор страницы", field="cursor") from exc
    if not isinstance(values, list) or not all(_storable(v) for v in values):
        raise ValidationFailed("Некорректный курсор страницы", field="cursor")
    return values


_BIGINT = 2**63 - 1


def _storable(value: Any) -> bool:
    """A hand-made cursor must not reach the database with values it would choke on."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_BIGINT <= value <= _BIGINT
    if isinstance(value, float):
        return abs(value) < 1e300
    if isinstance(value, str):
        return "\x00" not in value and len(value) <= 500
    return value is None


def paginate[T: models.Model](
    queryset: models.QuerySet[T], *, order_by: str = "-id", cursor: str | None = None, limit: int = 50
) -> Page[T]:
    """One page ordered by ``order_by`` (a field, optionally ``-``), ties broken by id.

    Raises:
        ValidationFailed: the cursor was not one this function produced, or the limit is out of range.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit должен быть от 1 до {MAX_LIMIT}", field="limit")
    descending = order_by.startswith("-")
    field = order_by.lstrip("-")
    id_order = "-id" if descending else "id"
    ordering = [order_by, id_order] if field != "id" else [id_order]
    qs = queryset.order_by(*ordering)
    if cursor:
        values = _decode(cursor)
        op = "lt" if descending else "gt"
        if field == "id":
            qs = qs.filter(**{f"id__{op}": values[0]})
        else:
            if len(values) != 2:
                raise ValidationFailed("Некорректный курсор страницы", field="cursor")
            value, last_id = values
            qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id}))
    items = list(qs[: limit + 1])
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = None
    if has_more and items:
        last = items[-1]
        next_cursor = _encode([last.pk] if field == "id" else [getattr(last, field), last.pk])
    return Page(items=items, next_cursor=next_cursor)
