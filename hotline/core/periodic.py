"""Periodic work that fires once per time slot, however many schedulers and workers are running.

Every scheduler (each Celery beat, each embedded scheduler thread) sends its ticks; every worker that receives
one first claims the (task name, slot) row. The unique key lets exactly one claim through, on PostgreSQL and
SQLite alike, with no Redis-only lock (embedded mode has no Redis). The claim commits before the work runs, so
a long run holds no lock and a failed run is not repeated within its slot: periodic bodies catch up on
whatever is due, so the next slot finishes what a failed one left.

``PeriodicRun`` is re-exported by ``hotline.core.models``; the rows also tell an administrator when each job
last ran and how it ended.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
ERROR_MAX = 4000
RESULT_MAX = 255


class PeriodicRun(models.Model):
    """One claimed slot of one periodic job: unique per (name, slot), so a slot's work runs once."""

    name = models.CharField(_("задача"), max_length=100)
    slot = models.DateTimeField(_("интервал"))
    started_at = models.DateTimeField(_("начало"), default=timezone.now)
    finished_at = models.DateTimeField(_("окончание"), null=True, blank=True)
    worker = models.CharField(_("обработчик"), max_length=200, blank=True)
    result = models.CharField(_("результат"), max_length=RESULT_MAX, blank=True)
    error = models.TextField(_("ошибка"), blank=True)

    class Meta:
        verbose_name = _("запуск периодической задачи")
        verbose_name_plural = _("запуски периодических задач")
        ordering = ["-slot", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M:%S}"


def slot_start(moment: datetime, period_seconds: int) -> datetime:
    """The start of the slot ``moment`` falls in: slots are ``period_seconds`` long, aligned to the Unix epoch."""
    if period_seconds < 1:
        raise ValueError("a periodic job needs a period of at least one second")
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period_seconds, tz=UTC)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def claim_slot(name: str, slot: datetime) -> PeriodicRun | None:
    """Take the slot for this process; None when someone else already has it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(name=name, slot=slot, worker=_worker_name())
    except IntegrityError:
        return None


def run_once_per_slot(
    name: str, period_seconds: int, work: Callable[[], Any], *, now: datetime | None = None
) -> PeriodicRun | None:
    """Run ``work`` if this slot of ``name`` is not claimed yet; returns the finished run, or None when skipped.

    The work's exception is recorded on the run and raised again (the task fails visibly); the slot stays taken.
    """
    slot = slot_start(now or timezone.now(), period_seconds)
    run = claim_slot(name, slot)
    if run is None:
        logger.debug("periodic %s: slot %s already taken", name, slot.isoformat())
        return None
    try:
        result = work()
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        run.finished_at = timezone.now()
        run.save(update_fields=["error", "finished_at"])
        raise
    run.result = ("" if result is None else str(result))[:RESULT_MAX]
    run.finished_at = timezone.now()
    run.save(update_fields=["result", "finished_at"])
    return run


def purge_runs(*, older_than: timedelta = timedelta(days=14), now: datetime | None = None) -> int:
    """Forget claims older than ``older_than`` (they only matter while their slot can still be sent)."""
    deleted, _ = PeriodicRun.objects.filter(slot__lt=(now or timezone.now()) - older_than).delete()
    return deleted
