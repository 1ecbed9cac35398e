"""SLA background tasks: the periodic check that fires warnings and breaches."""

from __future__ import annotations

from django.conf import settings

from hotline.celery import app
from hotline.core import periodic
from hotline.sla.services.checks import check_sla_timers


@app.task(name="sla.check_sla_timers", time_limit=300, soft_time_limit=270)
def check_sla_timers_task() -> str:
    """Fire the due warnings and breaches, once per slot (each timer at most once, under the ticket's lock)."""
    run = periodic.run_once_per_slot(
        "sla.check_sla_timers", settings.HOTLINE_SLA_CHECK_SECONDS, lambda: check_sla_timers()
    )
    return "skipped" if run is None else run.result
