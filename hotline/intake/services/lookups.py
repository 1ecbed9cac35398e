"""Look-ups a chunk of messages shares: one query each per chunk instead of one each per message.

An import (Maildir) or a poll (IMAP) takes messages a chunk at a time, in one transaction. Before the chunk, the
dedupe keys already taken, the senders' contacts and the tickets the messages point at (by Message-ID) are read
in one query each, from hints read straight off the raw header blocks. What a message then adds — its own row,
a new contact, its Message-ID on a ticket — is remembered only once its savepoint is released; a message that
fails forgets what it learnt. Anything the header scan missed is looked up as before, one query, so the chunk's
look-ups can save queries but never change an outcome.

The chunk's transaction is open while they are read (on SQLite it holds the write lock from its first
statement), so what they say stays true for the chunk: only this transaction can add rows meanwhile, and
PostgreSQL's unique key and advisory locks still decide between two importers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hotline.customers.models import Contact, ContactEmail
from hotline.desk.choices import Channel
from hotline.desk.models import Message
from hotline.intake.mail.headers import parse_message_ids, parse_sender
from hotline.intake.models import InboundMessage
from hotline.intake.services.keys import MessageKeys, header_block, header_fields, message_keys
from hotline.intake.services.people import clean_address

THREAD_IDS_PER_MESSAGE = 50


@dataclass(frozen=True)
class TakenRow:
    """An ``InboundMessage`` already stored under a dedupe key: enough to answer a duplicate."""

    pk: int
    status: str
    ticket_id: int | None
    body_sha256: str


@dataclass
class ChunkLookups:
    """What a chunk's messages were found to be (None: looked up, nothing there); a missing key: not looked up."""

    taken: dict[str, TakenRow | None] = field(default_factory=dict)
    contacts: dict[str, Contact | None] = field(default_factory=dict)
    threads: dict[str, int | None] = field(default_factory=dict)  # Message-ID → ticket of its newest e-mail
    _learnt: list[tuple[str, str, object]] = field(default_factory=list)

    def learn_taken(self, key: str, row: TakenRow) -> None:
        self._learnt.append(("taken", key, row))

    def learn_contact(self, address: str, contact: Contact) -> None:
        self._learnt.append(("contacts", address, contact))

    def learn_thread(self, message_id: str, ticket_id: int) -> None:
        self._learnt.append(("threads", message_id, ticket_id))

    def keep(self) -> None:
        """The message's savepoint was released: what it learnt is true for the rest of the chunk."""
        for table, key, value in self._learnt:
            getattr(self, table)[key] = value
        self._learnt.clear()

    def forget(self, key: str) -> None:
        """The message under ``key`` was rolled back: what it learnt never happened, and its row is looked up
        again (another process may hold it, or the failure path stored it)."""
        self._learnt.clear()
        self.taken.pop(key, None)


@dataclass(frozen=True)
class Hints:
    sender: str | None
    thread_ids: list[str]


def header_hints(raw: bytes) -> Hints:
    """The sender's address and the Message-IDs a message names, from its raw headers (no MIME parse)."""
    headers, _body = header_block(raw)
    sender: str | None = None
    ids: list[str] = []
    for name, value in header_fields(headers, b"from", b"message-id", b"in-reply-to", b"references"):
        text = value.decode("utf-8", "replace")
        if name == b"from":
            if sender is None:
                found = parse_sender(text)
                sender = clean_address(found.email) if found is not None and found.email else None
        else:
            ids += parse_message_ids(text)
    return Hints(sender, ids[-THREAD_IDS_PER_MESSAGE:])


def prefetch(mailbox_id: int, raws: Iterable[bytes]) -> ChunkLookups:
    """Read, in one query each, what the chunk's messages will ask: taken keys, contacts, threads."""
    lookups = ChunkLookups()
    keys: list[str] = []
    senders: set[str] = set()
    thread_ids: set[str] = set()
    for raw in raws:
        found: MessageKeys = message_keys(raw)
        keys.append(found.dedupe_key)
        if found.message_id:
            keys.append(found.with_body().dedupe_key)
        hints = header_hints(raw)
        if hints.sender:
            senders.add(hints.sender)
        thread_ids.update(mid.strip().strip("<>") for mid in hints.thread_ids)
    thread_ids.discard("")
    _prefetch_taken(lookups, mailbox_id, keys)
    _prefetch_contacts(lookups, senders)
    _prefetch_threads(lookups, thread_ids)
    return lookups


def _prefetch_taken(lookups: ChunkLookups, mailbox_id: int, keys: list[str]) -> None:
    lookups.taken.update(dict.fromkeys(keys))
    rows = InboundMessage.objects.filter(mailbox_id=mailbox_id, dedupe_key__in=keys).values_list(
        "dedupe_key", "pk", "status", "ticket_id", "body_sha256"
    )
    for key, pk, status, ticket_id, body in rows:
        lookups.taken[key] = TakenRow(pk, status, ticket_id, body)


def _prefetch_contacts(lookups: ChunkLookups, senders: set[str]) -> None:
    """As ``people.find_contact`` for each: the active contact, whoever has it as primary first, then the oldest."""
    if not senders:
        return
    lookups.contacts.update(dict.fromkeys(senders))
    rows = (
        ContactEmail.objects.select_related("contact")
        .filter(email__in=senders, contact__merged_into__isnull=True, contact__erased_at__isnull=True)
        .order_by("email", "-is_primary", "contact_id")
    )
    for row in rows:
        if lookups.contacts.get(row.email) is None:
            lookups.contacts[row.email] = row.contact


def _prefetch_threads(lookups: ChunkLookups, thread_ids: set[str]) -> None:
    """As ``threading.find_thread``'s look-up of earlier mail: the newest e-mail message with each id wins."""
    if not thread_ids:
        return
    lookups.threads.update(dict.fromkeys(thread_ids))
    rows = (
        Message.objects.filter(external_id__in=thread_ids, channel=Channel.EMAIL)
        .order_by("created_at")
        .values_list("external_id", "ticket_id")
    )
    for external_id, ticket_id in rows:
        lookups.threads[external_id] = ticket_id
