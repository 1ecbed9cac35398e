"""Import a Maildir (or a folder of ``.eml`` files): every message a ticket or a reply, exactly once.

Messages are taken in name order (Maildir names start with the delivery time, so a reply comes after what it
answers), a batch per transaction. A message in ``new/`` moves to ``cur/`` with the Seen flag only after its
batch is committed; one killed half-way is read again on the next run and recognised by its dedupe key. Files
already in ``cur/`` (or loose ``.eml`` files) are read every run: the ones taken before cost a hash and a lookup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed
from hotline.intake.models import Mailbox
from hotline.intake.services.ingest import IngestResult, chunk_transaction, ingest_raw
from hotline.intake.services.lookups import prefetch
from hotline.intake.services.mailboxes import default_mailbox

logger = logging.getLogger(__name__)
BATCH = 50


@dataclass
class IngestStats:
    """What an import did; ``rate`` is messages per second of wall time."""

    total: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    too_large: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: comparable between runs on a busy machine

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0

    def add(self, result: IngestResult) -> None:
        self.total += 1
        if result.duplicate:
            self.duplicates += 1
        else:
            self.statuses[result.status] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "new": dict(sorted(self.statuses.items())),
            "duplicates": self.duplicates,
            "too_large": self.too_large,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "messages_per_second": round(self.rate, 1),
        }


def maildir_files(path: Path) -> list[Path]:
    """The messages of a Maildir (``new/`` and ``cur/``) or of a plain folder, in name order.

    Raises:
        ValidationFailed: the path is not a folder.
    """
    if not path.is_dir():
        raise ValidationFailed(_("«%(path)s» — не каталог") % {"path": path}, field="path")
    folders = [path / "cur", path / "new"] if (path / "new").is_dir() or (path / "cur").is_dir() else [path]
    files = [
        entry
        for folder in folders
        if folder.is_dir()
        for entry in folder.iterdir()
        if entry.is_file() and not entry.name.startswith(".")
    ]
    # The unique part before ":2,…" orders by delivery time whichever folder the file is in now.
    return sorted(files, key=lambda f: f.name.split(":", 1)[0])


def _acknowledge(file: Path) -> None:
    """``new/X`` → ``cur/X:2,S``: the Maildir way of saying the message was read."""
    if file.parent.name != "new":
        return
    target = file.parent.parent / "cur" / f"{file.name.split(':', 1)[0]}:2,S"
    # Gone: another importer took it already; its row is committed, which is what counts.
    with contextlib.suppress(FileNotFoundError):
        os.replace(file, target)


def ingest_maildir(path: str | Path, *, mailbox: Mailbox | None = None, batch_size: int = BATCH) -> IngestStats:
    """Import every message under ``path`` into ``mailbox`` (default: the default mailbox); returns the counts.

    Raises:
        ValidationFailed: no such folder, or no mailbox to import into.
    """
    folder = Path(path)
    target = mailbox or default_mailbox()
    files = maildir_files(folder)
    stats = IngestStats()
    started = time.perf_counter()
    cpu_started = time.process_time()
    limit = int(settings.HOTLINE_MAIL_MAX_BYTES)
    for start in range(0, len(files), max(1, batch_size)):
        batch: list[tuple[Path, bytes]] = []
        for file in files[start : start + batch_size]:
            try:
                batch.append((file, file.read_bytes()))
            except FileNotFoundError:
                continue  # moved to cur/ by another importer meanwhile; it is in cur/ on the next run
        # One transaction per batch (each message in its own savepoint): far fewer commits, same guarantees,
        # since nothing in the batch is acknowledged before the batch is committed. What every message of the
        # batch will ask (taken already? whose address? which ticket?) is read once for the batch, inside it.
        with chunk_transaction():
            lookups = prefetch(target.pk, (raw for _file, raw in batch))
            for file, raw in batch:
                if len(raw) > limit:
                    stats.too_large += 1
                ref = f"maildir:{file.name}"
                stats.add(ingest_raw(mailbox=target, raw=raw, source="maildir", source_ref=ref, lookups=lookups))
        for file, _raw in batch:
            _acknowledge(file)
    stats.seconds = time.perf_counter() - started
    stats.cpu_seconds = time.process_time() - cpu_started
    logger.info("maildir %s → %s: %s", folder, target.address, stats.as_dict())
    return stats
