"""One raw message in, exactly once: stored, then a ticket, a reply, a note — or recorded as noise.

``ingest_raw`` is what every channel calls (IMAP poller, inbound SMTP/LMTP server, maildir import). It returns
after the outcome is committed; only then may the caller acknowledge the message (mark it seen, move it, answer
250). The row in ``InboundMessage`` is claimed by its (mailbox, dedupe key) in the same transaction as the ticket,
so a message taken twice — two pollers, a retry, a crash between commit and acknowledgement — is taken once.

Whatever goes wrong while turning a message into a ticket, the raw message is kept: a failed attempt is rolled
back and retried as a bare ticket with the raw message attached and the error in an internal note; should even
that fail, the row stays ``failed`` for an administrator (who can process it again from the admin).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hotline.core import audit, batching, config_cache
from hotline.core.errors import Conflict
from hotline.core.models import AuditLog
from hotline.desk.choices import Channel
from hotline.desk.models import Ticket
from hotline.desk.services.messages import add_note
from hotline.desk.services.tickets import open_ticket
from hotline.intake.models import InboundMessage, InboundStatus, Mailbox, raw_path
from hotline.intake.services.content import RawUpload
from hotline.intake.services.keys import MessageKeys, message_keys
from hotline.intake.services.lookups import ChunkLookups, TakenRow
from hotline.intake.services.outcomes import OUTCOME_FIELDS, finish, process

logger = logging.getLogger(__name__)
THREADED_STATUSES = frozenset({InboundStatus.TICKET, InboundStatus.REPLY})
# deadlock_detected, serialization_failure: the transaction lost a race, the message itself is fine.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


@dataclass(frozen=True)
class IngestResult:
    inbound_id: int
    status: str
    ticket_id: int | None
    duplicate: bool = False


# ---------------------------------------------------------------------------------------------------- the entry


@contextlib.contextmanager
def chunk_transaction() -> Iterator[None]:
    """One transaction for a chunk of messages (an import batch, an IMAP fetch), each then in its own savepoint.

    The configuration (routing, SLA policies) is read once for the chunk, and the rows nothing reads back before
    the commit (audit, history, outbox, SLA events, search documents) are written together at its end.
    """
    with transaction.atomic(), config_cache.pinned(), batching.deferring():
        yield


def ingest_raw(
    *, mailbox: Mailbox, raw: bytes, source: str, source_ref: str = "", lookups: ChunkLookups | None = None
) -> IngestResult:
    """Take one raw message into ``mailbox``; returns once the outcome is committed.

    ``lookups`` are what a chunk's caller read for all its messages at once (``lookups.prefetch``, inside the
    chunk's transaction); without them each look-up is its own query.

    Raises only when nothing could be stored (the database is unreachable, or a deadlock with another importer):
    the caller must then not acknowledge the message, and will see it again.
    """
    keys = message_keys(raw)
    seen = _already_taken(mailbox, keys, lookups)
    if isinstance(seen, TakenRow):
        return IngestResult(seen.pk, seen.status, seen.ticket_id, duplicate=True)
    keys = seen
    inbound = _new_row(mailbox, keys, raw, source, source_ref)
    try:
        # The row goes in last, in the outcome's transaction: if another process took the same message
        # meanwhile, the unique key refuses it and the whole outcome (the ticket too) is rolled back, with the
        # writes the chunk deferred for it.
        with batching.attempt(), transaction.atomic():
            process(inbound, mailbox, raw, lookups=lookups)
            inbound.save()
        if lookups is not None:
            _learn(lookups, inbound)
        return IngestResult(inbound.pk, inbound.status, inbound.ticket_id)
    except IntegrityError:
        if lookups is not None:
            lookups.forget(keys.dedupe_key)
        taken = _taken_by_another(mailbox, keys)
        if taken is not None:
            return taken
        logger.exception("intake: processing %s from %s failed; storing it as a bare ticket", source_ref, source)
        return _ingest_failed(mailbox, keys, raw, source, source_ref, "IntegrityError")
    except Exception as exc:  # any failure here must still leave the raw message and a ticket
        if lookups is not None:
            lookups.forget(keys.dedupe_key)
        if is_transient(exc):
            # Lost a race with another importer, not a bad message: the caller tries again (a chunk runs again,
            # SMTP answers 451), rather than this becoming a bare ticket.
            raise
        logger.exception("intake: processing %s from %s failed; storing it as a bare ticket", source_ref, source)
        return _ingest_failed(mailbox, keys, raw, source, source_ref, f"{type(exc).__name__}: {exc}")


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialisation failure between concurrent importers: the whole chunk is to run again."""
    return getattr(exc.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES


def _learn(lookups: ChunkLookups, inbound: InboundMessage) -> None:
    """The message is in (its savepoint released): the rest of the chunk sees its row and its thread."""
    lookups.learn_taken(
        inbound.dedupe_key, TakenRow(inbound.pk, inbound.status, inbound.ticket_id, inbound.body_sha256)
    )
    # Only a ticket's first message and a reply carry the Message-ID on the ticket (notes do not).
    if inbound.message_id and inbound.ticket_id is not None and inbound.status in THREADED_STATUSES:
        lookups.learn_thread(inbound.message_id, inbound.ticket_id)
    lookups.keep()


def _row(mailbox: Mailbox, key: str, lookups: ChunkLookups | None) -> TakenRow | None:
    if lookups is not None and key in lookups.taken:
        return lookups.taken[key]
    found = (
        InboundMessage.objects.filter(mailbox=mailbox, dedupe_key=key)
        .values_list("pk", "status", "ticket_id", "body_sha256")
        .first()
    )
    return TakenRow(*found) if found is not None else None


def _already_taken(mailbox: Mailbox, keys: MessageKeys, lookups: ChunkLookups | None) -> TakenRow | MessageKeys:
    """The row of this very message if it was taken before, else the keys to claim it under."""
    for candidate in (keys, keys.with_body()) if keys.message_id else (keys,):
        row = _row(mailbox, candidate.dedupe_key, lookups)
        if row is None:
            return candidate
        if row.body_sha256 == keys.body_sha256:
            return row
    # A third different message under one reused Message-ID: its content alone tells it apart.
    return MessageKeys("", _content_key(keys), keys.body_sha256, keys.raw_sha256)


def _content_key(keys: MessageKeys) -> str:
    return f"raw-{keys.raw_sha256}"[:64]


def _taken_by_another(mailbox: Mailbox, keys: MessageKeys) -> IngestResult | None:
    row = InboundMessage.objects.filter(mailbox=mailbox, dedupe_key=keys.dedupe_key).first()
    return IngestResult(row.pk, row.status, row.ticket_id, duplicate=True) if row is not None else None


def _store_raw(inbound: InboundMessage, raw: bytes) -> None:
    name = raw_path(inbound, "message.eml")
    # Content-addressed: a retry finds the file already there instead of writing a second copy.
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    inbound.raw.name = name


def _new_row(mailbox: Mailbox, keys: MessageKeys, raw: bytes, source: str, source_ref: str) -> InboundMessage:
    """The message's row, not saved yet, with the raw message already in storage."""
    inbound = InboundMessage(
        mailbox=mailbox,
        dedupe_key=keys.dedupe_key,
        message_id=keys.message_id,
        body_sha256=keys.body_sha256,
        raw_sha256=keys.raw_sha256,
        size=len(raw),
        source=source[:16],
        source_ref=source_ref[:500],
    )
    _store_raw(inbound, raw)
    return inbound


# ---------------------------------------------------------------------------------------------------- failures


def _ingest_failed(
    mailbox: Mailbox, keys: MessageKeys, raw: bytes, source: str, source_ref: str, error: str
) -> IngestResult:
    inbound = _new_row(mailbox, keys, raw, source, source_ref)
    inbound.error = error[:4000]
    try:
        with batching.attempt(), transaction.atomic():
            ticket = _bare_ticket(inbound, mailbox, raw, inbound.error)
            finish(inbound, InboundStatus.TICKET, ticket=ticket)
            inbound.save()
        return IngestResult(inbound.pk, inbound.status, ticket.pk)
    except IntegrityError:
        taken = _taken_by_another(mailbox, keys)
        if taken is not None:
            return taken
        logger.exception("intake: even a bare ticket failed for %s; kept for an administrator", source_ref)
    except Exception:  # the row with the raw message is what must survive
        logger.exception("intake: even a bare ticket failed for %s; kept for an administrator", source_ref)
    inbound = _new_row(mailbox, keys, raw, source, source_ref)
    inbound.error = error[:4000]
    finish(inbound, InboundStatus.FAILED)
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:
        taken = _taken_by_another(mailbox, keys)
        if taken is not None:
            return taken
        raise
    return IngestResult(inbound.pk, inbound.status, None)


def _bare_ticket(inbound: InboundMessage, mailbox: Mailbox, raw: bytes, error: str) -> Ticket:
    ticket = open_ticket(
        actor=None,
        subject=_("Письмо, которое не удалось обработать"),
        description=_("Исходное письмо приложено."),
        channel=Channel.EMAIL,
        queue=mailbox.queue,
        mailbox=mailbox.address,
        attachments=[RawUpload(raw)] if len(raw) <= settings.HOTLINE_ATTACHMENT_MAX_BYTES else [],
        external_id=inbound.message_id,
    )
    add_note(
        actor=None,
        ticket=ticket,
        body_text=_("Письмо не удалось обработать автоматически (%(error)s). Исходное письмо сохранено.")
        % {"error": error},
    )
    return ticket


def reprocess(*, actor: Any, inbound: InboundMessage) -> IngestResult:
    """Process a stored message again (a failed, throttled or ignored one), e.g. from the admin.

    A person asked for it, so the flood guard does not apply.

    Raises:
        Conflict: it already became a ticket or a reply.
    """
    if inbound.status in (InboundStatus.TICKET, InboundStatus.REPLY) and inbound.ticket_id is not None:
        raise Conflict(_("Это письмо уже стало заявкой или ответом в заявку"), field="status")
    with inbound.raw.open("rb") as handle:
        raw = handle.read()
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox").get(pk=inbound.pk)
        mailbox = locked.mailbox
        mailbox.loop_limit = 0
        locked.error = ""
        process(locked, mailbox, raw)
        locked.save(update_fields=OUTCOME_FIELDS)
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=locked,
            summary=f"inbound #{locked.pk} processed again: {locked.status}",
        )
    inbound.refresh_from_db()
    return IngestResult(locked.pk, locked.status, locked.ticket_id)
