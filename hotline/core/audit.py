"""Writes the audit log: every change, and every view or export of personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from hotline.core import batching
from hotline.core.models import AuditLog, User


def _actor(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    # In a bulk job's ``deferring()`` block the row is written with the others at the block's end.
    return batching.insert(
        AuditLog(
            actor=_actor(actor),
            action=action,
            object_type=object_type or "",
            object_id=str(object_id or ""),
            summary=summary[:255],
            changes=changes or {},
            ip_address=ip_address,
        )
    )


def record_view(*, actor: Any, obj: models.Model, summary: str = "") -> AuditLog:
    return record(actor=actor, action=AuditLog.Action.VIEW, obj=obj, summary=summary)
