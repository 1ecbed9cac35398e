"""Who wrote and who was copied: the sender's contact (created for a new address), Cc'd people as watchers."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from hotline.core.contact_points import normalize_email
from hotline.core.errors import ValidationFailed
from hotline.core.events import publish
from hotline.customers.models import Contact, ContactEmail
from hotline.customers.services import create_contact
from hotline.desk.events import TicketUpdated
from hotline.desk.models import Ticket
from hotline.desk.services.common import log_change

logger = logging.getLogger(__name__)
WATCHERS_PER_MESSAGE = 10
NAME_MAX = 320


def clean_address(raw: str) -> str | None:
    """The address lower-cased, or None when it is not a usable e-mail address."""
    try:
        return normalize_email(raw)
    except ValidationFailed:
        return None


def _serialise(address: str) -> None:
    """Two messages from one new address at once must not create two contacts (see the phone intake)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x484D, zlib.crc32(address.encode()) - 2**31])


def find_contact(address: str) -> Contact | None:
    """The active contact with this address: whoever has it as primary first, then the longest-known."""
    # From the address's index to the contact by primary key: one indexed probe however many contacts there are.
    row = (
        ContactEmail.objects.select_related("contact")
        .filter(email=address, contact__merged_into__isnull=True, contact__erased_at__isnull=True)
        .order_by("-is_primary", "contact_id")
        .first()
    )
    return row.contact if row is not None else None


@transaction.atomic(savepoint=False)
def contact_for_sender(*, address: str, display_name: str = "", known_absent: bool = False) -> Contact | None:
    """The contact who wrote from ``address``, created when nobody has it; None for an unusable address.

    ``known_absent``: the caller looked the address up in this transaction and nobody had it (a chunk's
    look-ups), so the first probe is skipped; PostgreSQL still probes again under the address's lock.
    """
    clean = clean_address(address)
    if clean is None:
        return None
    existing = None if known_absent else find_contact(clean)
    if existing is not None:
        return existing
    if connection.vendor == "postgresql":
        # SQLite runs one writer at a time already; PostgreSQL needs a lock on the address (there is no row yet).
        _serialise(clean)
        existing = find_contact(clean)
        if existing is not None:
            return existing
    name = " ".join((display_name or "").split())[:NAME_MAX]
    if name.casefold() == clean:
        name = ""
    try:
        return create_contact(actor=None, full_name=name, emails=[clean])
    except ValidationFailed:
        # A display name the customer base refuses must not cost us the message: keep the address alone.
        logger.info("intake: contact name %r refused, created by address only", name)
        return create_contact(actor=None, emails=[clean])


def add_contact_watchers(*, ticket: Ticket, addresses: Iterable[tuple[str, str]], skip: Iterable[str] = ()) -> int:
    """People copied on a customer's mail follow the ticket (they hear of replies); returns how many were added.

    ``addresses`` are (address, display name) pairs; ``skip`` holds addresses never added (ours, the sender).
    """
    skipped = {a.lower() for a in skip}
    wanted: dict[str, str] = {}
    for raw, name in addresses:
        clean = clean_address(raw)
        if clean is not None and clean not in skipped and clean not in wanted:
            wanted[clean] = name
        if len(wanted) >= WATCHERS_PER_MESSAGE:
            break
    if not wanted:
        return 0  # most mail is addressed to us alone: no transaction to open
    with transaction.atomic():
        return _add_watchers(ticket, wanted)


def _add_watchers(ticket: Ticket, wanted: dict[str, str]) -> int:
    current = set(ticket.watcher_contacts.values_list("pk", flat=True))
    if ticket.contact_id is not None:
        current.add(ticket.contact_id)
    added = []
    for address, name in wanted.items():
        contact = contact_for_sender(address=address, display_name=name)
        if contact is None or contact.pk in current:
            continue
        current.add(contact.pk)
        added.append(contact)
    if not added:
        return 0
    ticket.watcher_contacts.add(*added)
    log_change(
        ticket=ticket,
        actor=None,
        action="watcher_added",
        changes={"watcher_contacts": ("", ", ".join(str(c) for c in added))},
        reason="в копии письма",
    )
    publish(TicketUpdated(actor_id=None, ticket_id=ticket.pk, fields=["watcher_contacts"]))
    return len(added)


def is_participant(*, ticket: Ticket, address: str) -> bool:
    """Whether ``address`` belongs to the ticket's customer, a copied contact or a colleague in its organisation."""
    condition = Q(contact_id=ticket.contact_id) if ticket.contact_id is not None else Q(pk__in=[])
    condition |= Q(contact__watched_tickets=ticket)
    if ticket.organisation_id is not None:
        condition |= Q(contact__organisation_id=ticket.organisation_id)
    return ContactEmail.objects.filter(condition, email=address).exists()
