"""The Celery app the exactly-once test runs: Hotline's own, plus a probe task on a short slot.

Each delivery of the probe appends a line to ``HOTLINE_PROBE_LOG`` (duplicates from the second beat included);
its effect — one audit row — happens only for the tick that claims the slot, as every periodic task's does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery

from hotline.celery import app, every_slot

PROBE = "tests.celery_probe"
PROBE_SECONDS = int(os.environ.get("HOTLINE_PROBE_SECONDS", "2"))


def _effect() -> str:
    from hotline.core import audit
    from hotline.core.models import AuditLog

    audit.record(actor=None, action=AuditLog.Action.CREATE, object_type="celery-probe", summary=f"pid {os.getpid()}")
    return "effect"


@app.task(name=PROBE, time_limit=30, soft_time_limit=25)
def probe_task() -> str:
    with Path(os.environ["HOTLINE_PROBE_LOG"]).open("a") as log:
        log.write(f"{os.getpid()}\n")
    # Models load once Django is set up (the worker does it before running tasks), not when Celery imports this.
    from hotline.core import periodic

    run = periodic.run_once_per_slot(PROBE, PROBE_SECONDS, _effect)
    return "skipped" if run is None else run.result


@app.on_after_configure.connect
def _schedule_probe(sender: Celery, **kwargs: Any) -> None:
    # Runs after Hotline's own schedule is installed (receivers run in the order they connected).
    sender.conf.beat_schedule = {
        **(sender.conf.beat_schedule or {}),
        PROBE: {"task": PROBE, "schedule": every_slot(PROBE_SECONDS), "options": {"expires": PROBE_SECONDS}},
    }


__all__ = ["app"]
