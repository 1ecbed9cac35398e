"""Once-per-slot periodic runs and the embedded scheduler (the broker-less mode's beat)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from time_machine import TimeMachineFixture

from hotline.celery import EmbeddedScheduler, every_slot
from hotline.core.models import PeriodicRun
from hotline.core.periodic import purge_runs, run_once_per_slot, slot_start
from hotline.core.tasks import deliver_pending_outbox_task

T0 = datetime(2025, 3, 3, 7, 0, 5, tzinfo=UTC)


def test_slots_are_aligned_to_the_clock() -> None:
    assert slot_start(T0, 60) == datetime(2025, 3, 3, 7, 0, tzinfo=UTC)
    assert slot_start(T0, 3600) == datetime(2025, 3, 3, 7, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least one second"):
        slot_start(T0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_slot_runs_once_and_a_failure_is_recorded(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=False)
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        return "done"

    assert run_once_per_slot("probe", 60, work) is not None
    assert run_once_per_slot("probe", 60, lambda: calls.append(2)) is None
    assert calls == [1]
    time_machine.move_to(datetime(2025, 3, 3, 7, 1, tzinfo=UTC), tick=False)

    def boom() -> None:
        raise RuntimeError("broker went away")

    with pytest.raises(RuntimeError):
        run_once_per_slot("probe", 60, boom)
    failed = PeriodicRun.objects.get(name="probe", slot=datetime(2025, 3, 3, 7, 1, tzinfo=UTC))
    assert failed.error == "RuntimeError: broker went away"
    assert PeriodicRun.objects.get(name="probe", slot=slot_start(T0, 60)).result == "done"
    time_machine.move_to(datetime(2025, 3, 30, tzinfo=UTC), tick=False)
    assert purge_runs() == 2


@pytest.mark.django_db(transaction=True)
def test_the_outbox_poll_task_skips_a_taken_slot() -> None:
    assert deliver_pending_outbox_task.apply().get() == "0"
    assert deliver_pending_outbox_task.apply().get() == "skipped"


def test_beat_schedule_ticks_on_aligned_slots(time_machine: TimeMachineFixture) -> None:
    schedule = every_slot(60)
    time_machine.move_to(datetime(2025, 3, 3, 7, 0, 59, tzinfo=UTC), tick=False)
    due, wait = schedule.is_due(datetime(2025, 3, 3, 7, 0, 1, tzinfo=UTC))
    assert not due
    assert wait == pytest.approx(1.0)
    time_machine.move_to(datetime(2025, 3, 3, 7, 1, 0, 500000, tzinfo=UTC), tick=False)
    due, wait = schedule.is_due(datetime(2025, 3, 3, 7, 0, 1, tzinfo=UTC))
    assert due
    assert wait == pytest.approx(59.5)


@pytest.mark.django_db(transaction=True)
def test_embedded_scheduler_runs_the_periodic_tasks_in_process() -> None:
    scheduler = EmbeddedScheduler(tasks={"core.deliver_pending_outbox": 3600}, first_run_after=0)
    scheduler.start()
    try:
        for _ in range(100):
            if scheduler.runs:
                break
            scheduler.stopping.wait(0.05)
    finally:
        scheduler.stop()
    assert scheduler.runs == 1
    assert PeriodicRun.objects.filter(name="core.deliver_pending_outbox").count() == 1
