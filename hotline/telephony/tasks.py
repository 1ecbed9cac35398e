"""Telephony's background job: apply stored call events that failed to apply when they arrived."""

from __future__ import annotations

from django.conf import settings

from hotline.celery import app
from hotline.core import periodic
from hotline.telephony.services.ingest import retry_pending_events


@app.task(name="telephony.retry_pending_events", time_limit=240, soft_time_limit=200)
def retry_pending_events_task() -> str:
    run = periodic.run_once_per_slot(
        "telephony.retry_pending_events", settings.HOTLINE_TELEPHONY_RETRY_SECONDS, retry_pending_events
    )
    return "skipped" if run is None else run.result
