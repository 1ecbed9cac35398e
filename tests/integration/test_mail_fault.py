"""The ingest worker SIGKILLed at random points, then restarted: every message a ticket or a reply exactly once.

A real ``hotline mailbox import-maildir`` process imports a few hundred generated messages (new requests, replies
threading to them, auto-replies) against this test run's database — the PostgreSQL test database, or a file copy
of the SQLite one (see ``test_celery_periodic``) — and is killed with SIGKILL at random moments, small batches
making the kill land before, inside and after commits and between a commit and the Maildir acknowledgement.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotline.desk.tests.factories import LineQueueFactory
from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.sample import generate, write_maildir
from tests.integration.mail_checks import assert_each_taken_once
from tests.integration.test_celery_periodic import ROOT, SharedDatabase

MESSAGES = 240
KILLS = 4
# Waits are measured from the importer's last progress (a batch acknowledged, or a restart after a kill), not
# from the start: a loaded machine makes the run slow, not stuck. A run that stops moving for STALL_SECONDS fails
# with the importer's log; OVERALL_SECONDS bounds the test whatever happens (below its own pytest timeout).
STALL_SECONDS = 120.0
OVERALL_SECONDS = 600.0


@pytest.fixture
def shared(transactional_db: None, tmp_path: Path) -> SharedDatabase:
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", is_default=True)
    Mailbox.objects.create(name="Поддержка", address="support@example.ru", kind=MailboxKind.IMPORT, queue=queue)
    return SharedDatabase(tmp_path)  # after the rows exist: on SQLite it copies the database


def _command(maildir: Path) -> list[str]:
    hotline = str(Path(sys.executable).with_name("hotline"))
    return [hotline, "mailbox", "import-maildir", str(maildir), "--mailbox", "support@example.ru", "--batch", "4"]


def _waiting(maildir: Path) -> int:
    return len(list((maildir / "new").iterdir()))


class Progress:
    """How far the importer got: the messages still in new/ (a batch leaves it only once committed)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.waiting = _waiting(maildir)
        self.started = self.moved_at = time.monotonic()

    def advanced(self) -> bool:
        """Whether a batch was acknowledged since the last look (which then counts as progress)."""
        waiting = _waiting(self.maildir)
        if waiting < self.waiting:
            self.waiting = waiting
            self.moved_at = time.monotonic()
            return True
        return False

    def restarted(self) -> None:
        self.moved_at = time.monotonic()  # a fresh process needs its start-up time again

    def given_up(self) -> bool:
        now = time.monotonic()
        return now - self.moved_at > STALL_SECONDS or now - self.started > OVERALL_SECONDS

    def __str__(self) -> str:
        now = time.monotonic()
        return (
            f"{self.waiting} of {MESSAGES} messages still in new/, last progress {now - self.moved_at:.0f} s ago, "
            f"{now - self.started:.0f} s in all"
        )


def _killed_mid_import(process: subprocess.Popen[bytes], progress: Progress, rng: random.Random) -> bool:
    """SIGKILL the importer a random moment after it has acknowledged a batch of this run (so it is importing)."""
    while process.poll() is None and not progress.given_up():
        if progress.advanced():
            time.sleep(rng.uniform(0.0, 0.6))
            if process.poll() is not None:
                return False
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return True
        time.sleep(0.02)
    return False


def _finished(process: subprocess.Popen[bytes], progress: Progress) -> bool:
    """Wait for the importer to exit for as long as it keeps making progress."""
    while process.poll() is None:
        progress.advanced()
        if progress.given_up():
            return False
        time.sleep(0.05)
    return True


@pytest.mark.timeout(OVERALL_SECONDS + 120)
def test_killed_importer_loses_nothing_and_takes_nothing_twice(shared: SharedDatabase, tmp_path: Path) -> None:
    samples = generate(MESSAGES, seed=11)
    maildir = write_maildir(tmp_path / "Maildir", samples)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
    env |= shared.env | {
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_OUTBOX_INLINE": "0",
        "HOTLINE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    rng = random.Random(2024)  # reproducible kill moments
    log_path = tmp_path / "importer.log"
    log = log_path.open("ab")
    kills = 0
    finished = False
    progress = Progress(maildir)
    process: subprocess.Popen[bytes] | None = None
    try:
        while not finished and not progress.given_up():
            process = subprocess.Popen(
                _command(maildir), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            progress.restarted()
            if kills < KILLS and _killed_mid_import(process, progress, rng):
                kills += 1
                continue
            if not _finished(process, progress):
                break
            assert process.returncode == 0, log_path.read_text(errors="replace")[-3000:]
            finished = True
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # before the test database is emptied under it
            process.wait(timeout=30)
        log.close()
    assert finished, (
        f"the importer stopped making progress ({progress}):\n" + log_path.read_text(errors="replace")[-2000:]
    )
    assert kills == KILLS, "the importer finished before it could be killed often enough"

    assert_each_taken_once(shared, samples, maildir)
