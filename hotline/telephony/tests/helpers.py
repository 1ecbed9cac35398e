"""Calls made through the real ingest path, for view and service tests."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.models import Call, PbxSource
from hotline.telephony.services.ingest import ingest

_ids = itertools.count(1)


def call(
    source: PbxSource,
    *,
    number: str = "+79123456789",
    extension: str = "101",
    state: str = "ringing",
    line: str = "+74951234567",
    at: datetime | None = None,
    call_id: str | None = None,
    **extra: Any,
) -> Call:
    """A call that rang ``extension`` and is now ``state``: ringing, answered, or one of the outcomes
    ("answered_ended", "missed", "abandoned"); ``extra`` fields go on the last event."""
    start = at or timezone.now() - timedelta(seconds=30)
    first = CallEventData(
        call_id=call_id or f"t-{next(_ids)}",
        kind="ringing",
        occurred_at=start,
        sequence=1,
        direction="inbound",
        caller=number,
        called=line,
        line=line,
        extension=extension,
    )
    events = [first]
    if state in ("answered", "answered_ended"):
        events.append(dataclasses.replace(first, kind="answered", occurred_at=start + timedelta(seconds=5), sequence=2))
    if state in ("answered_ended", "missed", "abandoned"):
        events.append(
            dataclasses.replace(
                first,
                kind="ended",
                occurred_at=start + timedelta(seconds=65),
                sequence=3,
                extension="",
                abandoned=state == "abandoned",
            )
        )
    if extra:
        last = events.pop()
        events.append(dataclasses.replace(last, **extra))
    ingest(source=source, events=events)
    return Call.objects.get(source=source, provider_call_id=first.call_id)
