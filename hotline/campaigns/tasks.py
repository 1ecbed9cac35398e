"""Campaign background tasks: ids in, a service call, nothing else."""

from __future__ import annotations

from django.conf import settings

from hotline.campaigns.services import dialer, imports
from hotline.celery import app
from hotline.core import periodic

# Until the lead registers it in ``hotline.celery.PERIODIC_TASKS``, the agents' open workspaces poll the dialer.
DIAL_WAITING_SECONDS_DEFAULT = 15


@app.task(name="campaigns.run_import", time_limit=1800, soft_time_limit=1750)
def run_import_task(job_id: int) -> str:
    """Import a queued call list (a rerun continues after the rows already done)."""
    job = imports.run_import(job_id=job_id)
    return "missing" if job is None else job.status


@app.task(name="campaigns.originate_attempt", time_limit=60, soft_time_limit=45)
def originate_attempt_task(attempt_id: int) -> str:
    """Ask the gateway to place an attempt's call; a second run for the same attempt does nothing."""
    attempt = dialer.originate_attempt(attempt_id=attempt_id)
    return "missing" if attempt is None else attempt.state


@app.task(name="campaigns.dial_next_progressive", time_limit=60, soft_time_limit=45)
def dial_next_progressive_task(agent_id: int) -> str:
    """Progressive dialing: the agent is free, dial their next eligible lead (nothing if they are busy)."""
    attempt = dialer.dial_next_progressive(agent_id=agent_id)
    return "waiting" if attempt is None else f"attempt {attempt.pk}"


@app.task(name="campaigns.dial_waiting_seats", time_limit=120, soft_time_limit=110)
def dial_waiting_seats_task() -> str:
    """Periodic, once per slot: free agents in progressive campaigns get the leads that have become eligible."""
    period = int(getattr(settings, "HOTLINE_CAMPAIGNS_DIAL_SECONDS", DIAL_WAITING_SECONDS_DEFAULT))
    run = periodic.run_once_per_slot(
        "campaigns.dial_waiting_seats", period, lambda: f"placed {dialer.dial_waiting_seats()}"
    )
    return "skipped" if run is None else run.result
