"""Our e-mail Message-IDs: made by notify for every mail it sends, recognised by intake in replies.

``HL-000123.k7f3q9x2m4.3fa94c0d1e2b7a55@support.example.ru`` — the ticket number first (mail clients and
people see it), a random part (each id is unique), and an HMAC of both under ``SECRET_KEY``. A reply whose
In-Reply-To/References carry a verified id joins that ticket whoever sends it, since only someone who received
our mail knows it; a forged or mangled id is just an unknown id. Mail not about a ticket has ``hotline.<random>``
in place of the number, so it is still recognised as ours when it comes back.

Lives in desk (below both notify and intake) so the two share the scheme without importing each other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail.utils import DNS_NAME

_SIGNATURE_HEX = 16
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_NONCE_LENGTH = 12
_LOCAL = re.compile(
    r"^(?:(?P<prefix>[A-Za-z][A-Za-z0-9]{0,15})-(?P<number>\d{1,18})|hotline)"
    r"\.(?P<nonce>[a-z0-9]{8,40})\.(?P<signature>[0-9a-f]{16})$"
)


@dataclass(frozen=True)
class OurMessageId:
    """A verified Message-ID of ours: ``ticket_id`` is None for mail not about a ticket."""

    ticket_id: int | None


def _sign(local: str) -> str:
    key = f"hotline.mail-id:{settings.SECRET_KEY}".encode()
    return hmac.new(key, local.encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def make_message_id(*, ticket_id: int | None, from_email: str = "") -> str:
    """A new Message-ID (without angle brackets) for a mail about ticket ``ticket_id`` (or none)."""
    domain = parseaddr(from_email)[1].rpartition("@")[2] or str(DNS_NAME)
    nonce = "".join(secrets.choice(_ALPHABET) for _ in range(_NONCE_LENGTH))
    head = f"{settings.HOTLINE_TICKET_PREFIX}-{ticket_id:06d}" if ticket_id is not None else "hotline"
    local = f"{head}.{nonce}"
    return f"{local}.{_sign(local)}@{domain}"


def parse_message_id(message_id: str) -> OurMessageId | None:
    """The ticket a Message-ID of ours was about; None for anyone else's id or a forged one."""
    bare = (message_id or "").strip().strip("<>").strip()
    local, at, _domain = bare.rpartition("@")
    if not at:
        return None
    match = _LOCAL.match(local)
    if match is None:
        return None
    signed = local[: -(_SIGNATURE_HEX + 1)]
    if not hmac.compare_digest(_sign(signed), match.group("signature")):
        return None
    number = match.group("number")
    return OurMessageId(ticket_id=int(number) if number is not None else None)
