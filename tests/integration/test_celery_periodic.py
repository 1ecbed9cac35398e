"""Periodic work fires once per slot with two Celery workers and two beat schedulers on a real broker.

Real ``celery`` processes (two ``worker``, two ``beat``) run against RabbitMQ and against Redis on 127.0.0.1 and
against this test run's own database: on PostgreSQL the test database pytest-django made (``transaction=True``,
so what they write is visible here); on SQLite a file copy of the in-memory test database, since another process
cannot open that. Each run uses its own queue, so parallel runs on one broker do not take each other's tasks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
RUN_SECONDS = 10
START_TIMEOUT = 120  # four Python processes starting at once on a busy 2-core machine (seen: > 35 s at load 10)
PROBE_SECONDS = 2
BROKERS = {
    "rabbitmq": os.environ.get("HOTLINE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"),
}


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5672), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=sorted(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    url = BROKERS[request.param]
    if not _reachable(url):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{request.param} at {url} is required under CI=true but is not reachable")
        pytest.skip(f"{request.param} is not running at {url}")
    return url


class SharedDatabase:
    """The database the worker processes use, and raw reads of it from the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.env: dict[str, str] = {}
        settings_dict = connection.settings_dict
        if self.vendor == "postgresql":
            user = quote(settings_dict["USER"] or "")
            password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
            host = settings_dict["HOST"] or "127.0.0.1"
            port = settings_dict["PORT"] or 5432
            self.env = {
                "DJANGO_SETTINGS_MODULE": "hotline.settings.test",
                "HOTLINE_TEST_DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}",
            }
        else:
            # The in-memory test database cannot be opened by another process: copy its schema into a file.
            self.path = tmp_path / "hotline.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()
            self.env = {"DJANGO_SETTINGS_MODULE": "hotline.settings.base", "HOTLINE_DATA_DIR": str(tmp_path)}

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return list(cursor.fetchall())
        with sqlite3.connect(self.path, timeout=20) as db:
            return list(db.execute(sql, params).fetchall())


@pytest.fixture
def shared_db(transactional_db: None, tmp_path: Path) -> SharedDatabase:
    return SharedDatabase(tmp_path)


class Cluster:
    def __init__(self, broker: str, database: SharedDatabase, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.queue = f"hotline-test-{uuid.uuid4().hex[:12]}"
        self.probe_log = tmp_path / "probe.log"
        self.probe_log.touch()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
        self.env = (
            env
            | database.env
            | {
                "CELERY_BROKER_URL": broker,
                "HOTLINE_CELERY_QUEUE": self.queue,
                "HOTLINE_PROBE_LOG": str(self.probe_log),
                "HOTLINE_PROBE_SECONDS": str(PROBE_SECONDS),
                "HOTLINE_SLA_CHECK_SECONDS": str(PROBE_SECONDS),
                "HOTLINE_OUTBOX_POLL_SECONDS": str(PROBE_SECONDS),
                "PYTHONPATH": str(ROOT),
                "HOTLINE_LOG_LEVEL": "WARNING",
            }
        )
        self.broker = broker
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, name: str) -> None:
        log = (self.tmp_path / f"{name}.log").open("wb")
        command = [CELERY, "-A", "tests.integration.celery_probe", *args, "--loglevel=INFO"]
        self.processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def start_all(self) -> None:
        for n in (1, 2):
            self.start(
                "worker",
                "--pool=solo",
                "--prefetch-multiplier=1",  # a worker holds one task at a time: the other gets the next
                f"--hostname=w{n}-{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                name=f"worker{n}",
            )
            self.start("beat", f"--schedule={self.tmp_path / f'beat{n}'}", "--max-interval=1", name=f"beat{n}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._delete_queue()

    def _delete_queue(self) -> None:
        from kombu import Connection

        # Cleanup of a throwaway queue must never fail the test.
        with contextlib.suppress(Exception), Connection(self.broker, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(self.queue)  # type: ignore[attr-defined]

    def wait_until_ready(self) -> None:
        """Both workers consuming and both beats ticking (start-up takes seconds; slots before it do not count)."""
        deadline = time.monotonic() + START_TIMEOUT
        marks = {"worker1": "ready.", "worker2": "ready.", "beat1": "beat: Starting", "beat2": "beat: Starting"}
        while time.monotonic() < deadline:
            texts = {name: (self.tmp_path / f"{name}.log").read_text(errors="replace") for name in marks}
            if all(mark in texts[name] for name, mark in marks.items()):
                return
            if any(process.poll() is not None for process in self.processes):
                break
            time.sleep(0.2)
        pytest.fail(f"celery processes did not start in {START_TIMEOUT} s\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.tmp_path.glob("*.log"))
        )


@pytest.fixture
def cluster(broker_url: str, shared_db: SharedDatabase, tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(broker_url, shared_db, tmp_path)
    try:
        yield running
    finally:
        running.stop()  # before pytest-django empties the database under them


def test_two_workers_and_two_beats_do_each_slot_once(cluster: Cluster, shared_db: SharedDatabase) -> None:
    cluster.start_all()
    cluster.wait_until_ready()
    time.sleep(RUN_SECONDS)
    cluster.stop()

    ticks = [line for line in cluster.probe_log.read_text().splitlines() if line]
    effects = shared_db.rows("SELECT summary FROM core_auditlog WHERE object_type = ?", ("celery-probe",))
    runs = shared_db.rows(
        "SELECT slot, finished_at, error FROM core_periodicrun WHERE name = ? ORDER BY slot", ("tests.celery_probe",)
    )
    context = f"ticks={len(ticks)} effects={len(effects)} runs={len(runs)}\n{cluster.logs()}"
    # Enough slots went by with the processes up (their start-up takes a few seconds of the run).
    assert len(runs) >= 3, context
    # Exactly once per slot: one effect per claimed slot, every claimed slot finished without error.
    assert len(effects) == len(runs), context
    assert all(finished is not None and not error for _, finished, error in runs), context
    # Both schedulers really sent their ticks: the duplicates were there and dropped. (Which worker takes a tick is
    # the broker's choice: under load one worker can take them all, which must not — and does not — matter.)
    assert len(ticks) > len(runs), context
    assert 1 <= len(set(ticks)) <= 2, context
    # Hotline's own periodic tasks ran under the same rule, on the same slots, without failing.
    checks = shared_db.rows("SELECT slot, error FROM core_periodicrun WHERE name = ?", ("sla.check_sla_timers",))
    assert checks, context
    assert all(not error for _, error in checks), context
    assert len({slot for slot, _ in checks}) == len(checks)
