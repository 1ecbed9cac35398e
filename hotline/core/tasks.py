"""Core background tasks: outbox delivery and the housekeeping of periodic runs.

``deliver_outbox_event_task`` is sent after commit for each event that has async subscribers (with a broker);
``deliver_pending_outbox`` polls for the rest: events whose send failed and retries that are due.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings

from hotline.celery import app, enqueue_on_commit
from hotline.core import outbox, periodic


@app.task(name="core.deliver_outbox_event", time_limit=120, soft_time_limit=100)
def deliver_outbox_event_task(event_id: str) -> bool:
    """Run the async subscribers of one outbox event (each at most once: see ``hotline.core.outbox``)."""
    return outbox.deliver_event(UUID(str(event_id)))


@app.task(name="core.deliver_pending_outbox", time_limit=300, soft_time_limit=270)
def deliver_pending_outbox_task() -> str:
    run = periodic.run_once_per_slot(
        "core.deliver_pending_outbox", settings.HOTLINE_OUTBOX_POLL_SECONDS, outbox.deliver_pending
    )
    return "skipped" if run is None else run.result


@app.task(name="core.purge_periodic_runs", time_limit=120, soft_time_limit=100)
def purge_periodic_runs_task() -> str:
    run = periodic.run_once_per_slot(
        "core.purge_periodic_runs", settings.HOTLINE_PERIODIC_PURGE_SECONDS, periodic.purge_runs
    )
    return "skipped" if run is None else run.result


def enqueue_outbox_delivery(event_id: UUID) -> None:
    """Send the event to a worker once the publishing transaction commits."""
    enqueue_on_commit(deliver_outbox_event_task, str(event_id))
