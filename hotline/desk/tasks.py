"""Desk background tasks: closing tickets resolved long enough ago (``HOTLINE_AUTO_CLOSE_DAYS``)."""

from __future__ import annotations

from django.conf import settings

from hotline.celery import app
from hotline.core import periodic
from hotline.desk.services.workflow import close_resolved_tickets


@app.task(name="desk.close_resolved_tickets", time_limit=900, soft_time_limit=840)
def close_resolved_tickets_task() -> str:
    """Close resolved tickets past the auto-close delay, once per slot (each ticket under its own row lock)."""
    run = periodic.run_once_per_slot(
        "desk.close_resolved_tickets",
        settings.HOTLINE_AUTO_CLOSE_CHECK_SECONDS,
        lambda: close_resolved_tickets(),
    )
    return "skipped" if run is None else run.result
