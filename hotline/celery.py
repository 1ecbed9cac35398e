"""The Celery application: ``celery -A hotline worker`` and ``celery -A hotline beat`` load it.

Tasks live in each app's ``tasks.py`` (found by ``autodiscover_tasks``): thin, named ``<app>.<service>``, ids in,
idempotent, time-limited, enqueued after commit with ``enqueue_on_commit``. Periodic ones claim their time slot
in the database first (``hotline.core.periodic``), so two beats and two workers still do each slot's work once.

Embedded mode (no ``CELERY_BROKER_URL``) runs the same tasks in-process: ``task_always_eager`` for the ones a
request sends, and ``EmbeddedScheduler`` — a thread the ASGI server starts through ``with_embedded_jobs`` — for
the periodic ones. ``hotline jobs`` runs that scheduler in the foreground instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task
from celery.schedules import schedstate, schedule
from django.conf import settings
from django.db import close_old_connections, transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings.base")

logger = logging.getLogger(__name__)

app = Celery("hotline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic task name → the setting holding its period in seconds.
PERIODIC_TASKS: dict[str, str] = {
    "core.deliver_pending_outbox": "HOTLINE_OUTBOX_POLL_SECONDS",
    "sla.check_sla_timers": "HOTLINE_SLA_CHECK_SECONDS",
    "desk.close_resolved_tickets": "HOTLINE_AUTO_CLOSE_CHECK_SECONDS",
    "core.purge_periodic_runs": "HOTLINE_PERIODIC_PURGE_SECONDS",
    "notify.send_due_notifications": "HOTLINE_NOTIFY_SEND_SECONDS",
    "intake.poll_mailboxes": "HOTLINE_MAIL_POLL_SECONDS",
    "campaigns.dial_waiting_seats": "HOTLINE_CAMPAIGNS_DIAL_SECONDS",
    "telephony.retry_pending_events": "HOTLINE_TELEPHONY_RETRY_SECONDS",
}


def period_of(task_name: str) -> int:
    """The period of a periodic task in seconds, from its setting."""
    return int(getattr(settings, PERIODIC_TASKS[task_name]))


class every_slot(schedule):  # noqa: N801 - reads like Celery's own ``crontab``/``solar`` in a schedule
    """Due at each multiple of ``seconds`` since the Unix epoch, in every beat process alike.

    Celery's plain interval counts from each beat's own start, so two beats tick at different moments and a
    tick could land in a neighbouring slot; aligned ticks fall in the same slot, and the slot claim keeps one.
    """

    def __init__(self, seconds: int, app: Celery | None = None) -> None:
        super().__init__(run_every=timedelta(seconds=seconds), app=app)
        self.period = int(seconds)

    def _slot(self, moment: datetime) -> int:
        return int(moment.timestamp()) // self.period

    def _until_next(self, now: datetime) -> float:
        return self.period - (now.timestamp() % self.period)

    def is_due(self, last_run_at: datetime) -> schedstate:
        now = self.maybe_make_aware(self.now())
        last = self.maybe_make_aware(last_run_at)
        return schedstate(is_due=self._slot(now) > self._slot(last), next=self._until_next(now))

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        return timedelta(seconds=self._until_next(self.maybe_make_aware(self.now())))

    def __reduce__(self) -> Any:
        return self.__class__, (self.period,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, every_slot) and other.period == self.period

    def __hash__(self) -> int:
        return hash(self.period)

    def __repr__(self) -> str:
        return f"<every_slot {self.period}s>"


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The beat schedule: every periodic task on its aligned slot; a tick not run within its slot expires."""
    return {
        name: {"task": name, "schedule": every_slot(period_of(name)), "options": {"expires": period_of(name)}}
        for name in PERIODIC_TASKS
    }


@app.on_after_configure.connect
def _install_schedule(sender: Celery, **kwargs: Any) -> None:
    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}


def enqueue_on_commit(task: Task[Any, Any], *args: Any) -> None:
    """Send ``task`` once the current transaction commits (at once outside one).

    A broker that is down does not undo the change that was committed: the error is logged and the periodic
    catch-up (outbox poll, SLA check) does the work later.
    """
    transaction.on_commit(lambda: task.delay(*args), robust=True)


class EmbeddedScheduler(threading.Thread):
    """Sends the periodic tasks in-process, on the same aligned slots as beat (embedded mode, ``hotline jobs``).

    Each tick runs the task here (``apply``), so a periodic task claims its slot exactly as in a worker; two web
    processes each running this thread still do each slot's work once.
    """

    def __init__(self, *, tasks: dict[str, int] | None = None, first_run_after: float = 5.0) -> None:
        super().__init__(name="hotline-embedded-jobs", daemon=True)
        self.tasks = tasks if tasks is not None else {name: period_of(name) for name in PERIODIC_TASKS}
        self.first_run_after = first_run_after
        self.stopping = threading.Event()
        self.runs = 0

    def run_task(self, name: str) -> None:
        try:
            result = app.tasks[name].apply()
            if result.failed():
                logger.error("periodic task %s failed: %r", name, result.result)
            self.runs += 1
        finally:
            # This thread keeps its own connection: give it back so SQLite/PostgreSQL sessions do not pile up.
            close_old_connections()

    def run(self) -> None:
        app.loader.import_default_modules()  # every app's tasks.py, as a worker would load them
        # A freshly started server catches up once (a slot already done elsewhere is skipped), then follows slots.
        if self.stopping.wait(self.first_run_after):
            return
        last_slot: dict[str, int] = {}
        while not self.stopping.is_set():
            now = time.time()
            for name, period in self.tasks.items():
                slot = int(now) // period
                if last_slot.get(name) != slot:
                    last_slot[name] = slot
                    self.run_task(name)
            now = time.time()
            wait = min(period - (now % period) for period in self.tasks.values())
            self.stopping.wait(max(wait, 0.05))

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.join(timeout)


_embedded: EmbeddedScheduler | None = None
_embedded_lock = threading.Lock()


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """Start this process's scheduler thread in embedded mode (once); None when a broker and beat do the job."""
    global _embedded
    if not (settings.HOTLINE_EMBEDDED_JOBS and settings.HOTLINE_EMBEDDED_SCHEDULER):
        return None
    with _embedded_lock:
        if _embedded is None or not _embedded.is_alive():
            _embedded = EmbeddedScheduler()
            _embedded.start()
            logger.info("embedded jobs: periodic tasks run in this process (%s)", ", ".join(_embedded.tasks))
        return _embedded


def stop_embedded_scheduler() -> None:
    global _embedded
    with _embedded_lock:
        if _embedded is not None:
            _embedded.stop()
            _embedded = None


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def with_embedded_jobs(application: ASGIApp) -> ASGIApp:
    """Wrap the ASGI app: on the server's lifespan startup, start the embedded scheduler (a no-op with a broker).

    Only a real server (uvicorn) sends lifespan events, so tests and tools importing ``hotline.asgi`` start nothing.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                start_embedded_scheduler()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                stop_embedded_scheduler()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped
