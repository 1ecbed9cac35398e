"""Taking events in: store each one first (its own transaction), then apply it.

A stored event is never lost: if applying fails (a bug, the database hiccups) it stays unprocessed with the
error, the webhook still answers that it was accepted, and ``retry_pending_events`` applies it later. The
same (call id, leg, event, sequence) arriving twice is stored once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.models import CallEvent, PbxSource, RejectedRequest
from hotline.telephony.services.calls import apply_event

logger = logging.getLogger(__name__)
RAW_MAX = 20_000
RETRY_BATCH = 200
MAX_ATTEMPTS = 20


@dataclasses.dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    failed: int = 0
    event_ids: list[int] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates}


def _bounded_raw(raw: Any) -> Any:
    try:
        text = json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return {"unserialisable": True}
    if len(text) <= RAW_MAX:
        return json.loads(text)
    return {"truncated": text[:RAW_MAX]}


def store_event(*, source: PbxSource, event: CallEventData, raw: Any = None) -> tuple[CallEvent, bool]:
    """Store one event in its own transaction; returns (row, created). A duplicate returns the first row."""
    try:
        with transaction.atomic():
            row = CallEvent.objects.create(
                source=source,
                dedupe_key=event.dedupe_key,
                provider_call_id=event.call_id,
                leg=event.leg[:255],
                kind=event.kind,
                sequence=event.sequence,
                occurred_at=event.occurred_at,
                data=event.to_json(),
                raw=_bounded_raw(raw) if raw is not None else {},
            )
    except IntegrityError:
        return CallEvent.objects.get(source=source, dedupe_key=event.dedupe_key), False
    return row, True


def _apply_safely(row_id: int) -> bool:
    try:
        apply_event(row_id)
    # A stored event must survive any failure of applying it: it is kept with the error and retried.
    except Exception as exc:
        logger.exception("telephony: applying call event %s failed", row_id)
        CallEvent.objects.filter(pk=row_id).update(
            attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return False
    return True


def ingest(*, source: PbxSource, events: Sequence[CallEventData], raw: Any = None) -> IngestResult:
    """Store, then apply, the events of one request (or one AMI message)."""
    result = IngestResult()
    to_apply: list[int] = []
    for event in events:
        row, created = store_event(source=source, event=event, raw=raw)
        result.event_ids.append(row.pk)
        if created:
            result.accepted += 1
            to_apply.append(row.pk)
        else:
            result.duplicates += 1
            if row.processed_at is None:
                to_apply.append(row.pk)  # stored earlier but not applied yet: a resend is a good moment
    for row_id in to_apply:
        if not _apply_safely(row_id):
            result.failed += 1
    return result


def retry_pending_events(*, limit: int = RETRY_BATCH, older_than: timedelta = timedelta(seconds=5)) -> int:
    """Apply stored events that are still unprocessed (oldest first); returns how many now are."""
    cutoff = timezone.now() - older_than
    pending = list(
        CallEvent.objects.filter(processed_at__isnull=True, received_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for row_id in pending if _apply_safely(row_id))


def log_rejection(
    *, source: PbxSource | None, path: str, status: int, code: str, reason: str, remote_addr: str | None, body: bytes
) -> RejectedRequest:
    """Keep a refused request for the administrator (and the log), with a bounded excerpt of what came."""
    logger.warning("telephony webhook %s refused %s (%s): %s", path, status, code, reason)
    return RejectedRequest.objects.create(
        source=source,
        path=path[:255],
        status=status,
        code=code[:40],
        reason=reason[:500],
        remote_addr=remote_addr or None,
        excerpt=body[:2000].decode("utf-8", "replace").replace("\x00", ""),
    )
