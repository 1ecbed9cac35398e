"""Maildir import: generated mail becomes tickets and threaded replies, once, however often it is run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.desk.models import Message, Ticket
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox
from hotline.intake.sample import generate, write_maildir
from hotline.intake.services.maildir import ingest_maildir

pytestmark = pytest.mark.django_db


def test_import_threads_replies_and_acknowledges_each_message(mailbox: Mailbox, tmp_path: Path) -> None:
    messages = generate(120, seed=7)
    write_maildir(tmp_path / "Maildir", messages)

    stats = ingest_maildir(tmp_path / "Maildir", mailbox=mailbox)

    replies = [m for m in messages if m.reply_to_id]
    autos = [m for m in messages if m.auto_reply]
    assert stats.total == 120
    assert stats.statuses[InboundStatus.REPLY] == len(replies)
    assert stats.statuses[InboundStatus.TICKET] == 120 - len(replies) - len(autos)
    assert Ticket.objects.count() == stats.statuses[InboundStatus.TICKET]
    for sample in replies:
        reply = Message.objects.get(external_id=sample.message_id)
        original = Message.objects.get(external_id=sample.reply_to_id)
        assert reply.ticket_id == original.ticket_id
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    assert all(name.endswith(":2,S") for name in os.listdir(tmp_path / "Maildir" / "cur"))


def test_running_the_import_again_takes_nothing_twice(mailbox: Mailbox, tmp_path: Path) -> None:
    folder = write_maildir(tmp_path / "Maildir", generate(40, seed=3))
    ingest_maildir(folder, mailbox=mailbox)
    tickets = Ticket.objects.count()
    # As after a crash: the files are back in new/ though their rows were committed.
    for file in (folder / "cur").iterdir():
        file.rename(folder / "new" / file.name.split(":", 1)[0])
    again = ingest_maildir(folder, mailbox=mailbox)
    assert again.duplicates == 40
    assert Ticket.objects.count() == tickets
    assert InboundMessage.objects.count() == 40


def test_a_folder_of_eml_files_is_imported_too(mailbox: Mailbox, tmp_path: Path) -> None:
    for sample in generate(5, seed=9):
        (tmp_path / f"{sample.name}.eml").write_bytes(sample.raw)
    assert ingest_maildir(tmp_path, mailbox=mailbox).total == 5


def test_the_command_imports_and_reports(mailbox: Mailbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_maildir(tmp_path / "Maildir", generate(10, seed=5))
    call_command("mailbox", "import-maildir", str(folder), "--mailbox", "support@example.ru")
    out = capsys.readouterr().out
    assert '"total": 10' in out
    with pytest.raises(CommandError, match="нет"):
        call_command("mailbox", "import-maildir", str(folder), "--mailbox", "nobody@example.ru")
    with pytest.raises(CommandError, match="не каталог"):
        call_command("mailbox", "import-maildir", str(tmp_path / "missing"))


@pytest.mark.skipif("HOTLINE_MAIL_BENCH" not in os.environ, reason="measurement only: HOTLINE_MAIL_BENCH=2000")
def test_measure_import_rate(mailbox: Mailbox, tmp_path: Path) -> None:
    count = int(os.environ["HOTLINE_MAIL_BENCH"])
    folder = write_maildir(tmp_path / "Maildir", generate(count, seed=42))
    stats = ingest_maildir(folder, mailbox=mailbox)
    print("\nemail_intake", stats.as_dict())


def test_a_batch_that_loses_a_deadlock_runs_again_and_takes_each_message_once(
    mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg
    from django.db import OperationalError

    from hotline.intake.services.ingest import ingest_raw as real

    calls = {"n": 0}

    def deadlocking_once(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # mid-batch: two messages of the batch are in already
            raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")
        return real(**kwargs)

    monkeypatch.setattr("hotline.intake.services.maildir.ingest_raw", deadlocking_once)
    folder = write_maildir(tmp_path / "Maildir", generate(12, seed=9))

    stats = ingest_maildir(folder, mailbox=mailbox, batch_size=5)

    assert stats.total == 12
    assert stats.duplicates == 0
    assert InboundMessage.objects.count() == 12
    assert Ticket.objects.count() == stats.statuses[InboundStatus.TICKET]
    assert "batch rolled back" in caplog.text
