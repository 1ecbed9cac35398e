"""Import a Maildir (or a folder of ``.eml`` files): every message a ticket or a reply, exactly once.

Messages are taken in name order (Maildir names start with the delivery time, so a reply comes after what it
answers), a batch per transaction. A message in ``new/`` moves to ``cur/`` with the Seen flag only after its
batch is committed; one killed half-way is read again on the next run and recognised by its dedupe key. Files
already in ``cur/`` (or loose ``.eml`` files) are read every run: the ones taken before cost a hash and a lookup.

On PostgreSQL a large import is shared between parallel importers (processes): a conversation and everything of
one person stay with one importer, in order (see ``partition``), so none of them waits for another's rows.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed
from hotline.intake.models import Mailbox
from hotline.intake.services.ingest import IngestResult, chunk_transaction, ingest_raw, is_transient
from hotline.intake.services.lookups import prefetch
from hotline.intake.services.mailboxes import default_mailbox
from hotline.intake.services.outcomes import our_addresses
from hotline.intake.services.partition import partition

logger = logging.getLogger(__name__)
BATCH = 50
BATCH_ATTEMPTS = 3
HEAD_BYTES = 64 * 1024


@dataclass
class IngestStats:
    """What an import did; ``rate`` is messages per second of wall time."""

    total: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    too_large: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the importers' CPU time: comparable between runs on a busy machine
    importers: int = 1

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0

    def add(self, result: IngestResult) -> None:
        self.total += 1
        if result.duplicate:
            self.duplicates += 1
        else:
            self.statuses[result.status] += 1

    def merge(self, other: IngestStats) -> None:
        """Add another importer's counts (its CPU time too: the import's, whichever process spent it)."""
        self.total += other.total
        self.statuses.update(other.statuses)
        self.duplicates += other.duplicates
        self.too_large += other.too_large
        self.cpu_seconds += other.cpu_seconds

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "new": dict(sorted(self.statuses.items())),
            "duplicates": self.duplicates,
            "too_large": self.too_large,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "importers": self.importers,
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


def ingest_maildir(
    path: str | Path, *, mailbox: Mailbox | None = None, batch_size: int = BATCH, workers: int | None = None
) -> IngestStats:
    """Import every message under ``path`` into ``mailbox`` (default: the default mailbox); returns the counts.

    ``workers``: parallel importers (default ``HOTLINE_MAIL_IMPORT_WORKERS``; see ``import_workers``).

    Raises:
        ValidationFailed: no such folder, or no mailbox to import into.
    """
    folder = Path(path)
    target = mailbox or default_mailbox()
    files = maildir_files(folder)
    started = time.perf_counter()
    count = import_workers(workers, len(files), batch_size)
    shares = _shares(files, count) if count > 1 else [files]
    if len(shares) > 1 and _forkable():
        stats = _ingest_in_parallel(shares, target, batch_size)
    else:
        shares = [files]
        stats = _ingest_files(files, target, batch_size)
    stats.seconds = time.perf_counter() - started
    stats.importers = len(shares)
    logger.info("maildir %s → %s: %s", folder, target.address, stats.as_dict())
    return stats


def import_workers(asked: int | None, messages: int, batch_size: int) -> int:
    """How many importers share an import: as asked (default ``HOTLINE_MAIL_IMPORT_WORKERS``, 0: one per CPU), but
    one on SQLite (it writes one transaction at a time anyway), inside an open transaction (the others would not
    see what it holds) and for fewer than two batches per importer. (And one when the process runs other threads
    than its database pool's: see ``_forkable``.)"""
    wanted = asked if asked is not None else int(settings.HOTLINE_MAIL_IMPORT_WORKERS)
    if wanted <= 0:
        wanted = os.cpu_count() or 1
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(wanted, messages // (2 * max(1, batch_size))))


def _head(file: Path) -> bytes:
    """Enough of a message for its headers (gone meanwhile: nothing, it ties to nothing)."""
    try:
        with file.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except FileNotFoundError:
        return b""


def _shares(files: list[Path], count: int) -> list[list[Path]]:
    heads = (_head(f) for f in files)  # one at a time: a large import's heads are never all in memory
    return [[files[i] for i in share] for share in partition(heads, count, our_addresses())]


def _forkable() -> bool:
    """Whether importers can be forked from here: with the connections and the pool's threads closed, no other
    thread may be running (a fork copies every lock as it is, held or not: e.g. by a server thread of a test)."""
    _close_connections()
    return threading.active_count() == 1


def _ingest_in_parallel(shares: list[list[Path]], target: Mailbox, batch_size: int) -> IngestStats:
    """Each share in its own process (forked: it inherits the configuration, opens its own connection)."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=context) as pool:
        running = [pool.submit(_importer, [str(f) for f in share], target.pk, batch_size) for share in shares]
        parts = [future.result() for future in running]
    stats = IngestStats()
    for part in parts:
        stats.merge(part)
    return stats


def _close_connections() -> None:
    """A connection must never cross a fork: the children would talk over this process's sockets. A pool is closed
    too (its idle connections and its threads); whoever needs one next opens a new one, in its own process."""
    for wrapper in connections.all(initialized_only=True):
        wrapper.close()
        close_pool = getattr(wrapper, "close_pool", None)
        if close_pool is not None:
            close_pool()


def _importer(paths: list[str], mailbox_id: int, batch_size: int) -> IngestStats:
    """The body of a parallel importer (a forked process)."""
    try:
        target = Mailbox.objects.select_related("queue").get(pk=mailbox_id)
        return _ingest_files([Path(p) for p in paths], target, batch_size)
    finally:
        _close_connections()


def _ingest_files(files: list[Path], target: Mailbox, batch_size: int) -> IngestStats:
    """Import these messages in order, a batch per transaction."""
    cpu_started = time.process_time()
    stats = IngestStats()
    for start in range(0, len(files), max(1, batch_size)):
        batch: list[tuple[Path, bytes]] = []
        for file in files[start : start + batch_size]:
            try:
                batch.append((file, file.read_bytes()))
            except FileNotFoundError:
                continue  # moved to cur/ by another importer meanwhile; it is in cur/ on the next run
        for result in _ingest_batch(target, batch):
            stats.add(result)
        stats.too_large += sum(1 for _file, raw in batch if len(raw) > settings.HOTLINE_MAIL_MAX_BYTES)
        for file, _raw in batch:
            _acknowledge(file)
    stats.cpu_seconds = time.process_time() - cpu_started
    return stats


def _ingest_batch(target: Mailbox, batch: list[tuple[Path, bytes]]) -> list[IngestResult]:
    """One transaction for the batch (each message in its own savepoint): far fewer commits, same guarantees, since
    nothing in it is acknowledged before it is committed. What its messages will ask (taken already? whose
    address? which ticket?) is read once, inside it. A deadlock with another importer rolls the batch back and
    runs it again."""
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            with chunk_transaction():
                lookups = prefetch(target.pk, (raw for _file, raw in batch))
                return [
                    ingest_raw(
                        mailbox=target, raw=raw, source="maildir", source_ref=f"maildir:{file.name}", lookups=lookups
                    )
                    for file, raw in batch
                ]
        except DatabaseError as exc:
            if attempt == BATCH_ATTEMPTS or not is_transient(exc):
                raise
            logger.warning("maildir: batch rolled back (%s), attempt %d of %d", exc, attempt + 1, BATCH_ATTEMPTS)
            time.sleep(random.uniform(0.05, 0.25) * attempt)  # noqa: S311 (jitter, not a secret)
    raise AssertionError("unreachable")
