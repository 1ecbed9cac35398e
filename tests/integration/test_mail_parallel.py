"""``hotline mailbox import-maildir`` with parallel importers: a real command process forks them (as in
production), against this test run's PostgreSQL database; every reply threads, every message is taken once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from hotline.desk.tests.factories import LineQueueFactory
from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.sample import generate, write_maildir
from tests.integration.mail_checks import assert_each_taken_once
from tests.integration.test_celery_periodic import ROOT, SharedDatabase

MESSAGES = 300


@pytest.fixture
def shared(transactional_db: None, tmp_path: Path) -> SharedDatabase:
    if connection.vendor != "postgresql":
        pytest.skip("parallel importers run on PostgreSQL only (SQLite writes one transaction at a time)")
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", is_default=True)
    Mailbox.objects.create(name="Поддержка", address="support@example.ru", kind=MailboxKind.IMPORT, queue=queue)
    return SharedDatabase(tmp_path)


def _import(maildir: Path, shared: SharedDatabase, tmp_path: Path) -> dict[str, object]:
    hotline = str(Path(sys.executable).with_name("hotline"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
    env |= shared.env | {"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [hotline, "mailbox", "import-maildir", str(maildir), "--mailbox", "support@example.ru", "--batch", "20",
         "--workers", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.timeout(600)
def test_two_importers_thread_every_reply_and_take_every_message_once(shared: SharedDatabase, tmp_path: Path) -> None:
    samples = generate(MESSAGES, seed=21)
    maildir = write_maildir(tmp_path / "Maildir", samples)

    report = _import(maildir, shared, tmp_path)

    assert report["importers"] == 2
    assert report["total"] == MESSAGES
    assert_each_taken_once(shared, samples, maildir)
    # As after a crash between commit and acknowledgement: the files are back, nothing is taken twice.
    for file in (maildir / "cur").iterdir():
        file.rename(maildir / "new" / file.name.split(":", 1)[0])
    again = _import(maildir, shared, tmp_path)
    assert again["duplicates"] == MESSAGES
    assert_each_taken_once(shared, samples, maildir)
