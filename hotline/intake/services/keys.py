"""What identifies one message before it is parsed: its Message-ID, the hash intake de-duplicates by.

Read straight from the raw header block (no MIME parse), so a message already taken is recognised in
microseconds: a restarted import walks past thousands of them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from hotline.intake.mail.headers import parse_message_id

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Without a Message-ID a message is known by what its author wrote, not by the hops it took (Received, …).
_TRAILING_SPACE = re.compile(rb"[ \t]+(?=\r?\n|$)")
_LINE_ENDS = re.compile(rb"\r\n|\r")
MESSAGE_ID_MAX = 255


@dataclass(frozen=True)
class MessageKeys:
    message_id: str  # bare, "" when the message has none
    dedupe_key: str  # sha256 hex of the Message-ID, or of the authored headers and body when it has none
    body_sha256: str  # the body after the headers, line ends and trailing blanks normalised
    raw_sha256: str

    def with_body(self) -> MessageKeys:
        """The key for a different message that reuses a Message-ID (broken mailers do): id and body together."""
        combined = hashlib.sha256(f"{self.dedupe_key}:{self.body_sha256}".encode()).hexdigest()
        return MessageKeys(self.message_id, combined, self.body_sha256, self.raw_sha256)


def header_block(raw: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def header_fields(headers: bytes, *names: bytes) -> list[tuple[bytes, bytes]]:
    """(lower-case name, raw value with its folded lines) of each header called one of ``names``, in order: read
    straight off a header block, nothing decoded."""
    return [(name.lower(), value) for name, value in _field_pattern(names).findall(headers)]


@functools.cache
def _field_pattern(names: tuple[bytes, ...]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(name) for name in names)
    return re.compile(rb"^(" + alternatives + rb")[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def message_keys(raw: bytes) -> MessageKeys:
    headers, body = header_block(raw)
    found = header_fields(headers, b"message-id")
    message_id = parse_message_id(found[0][1].decode("latin-1")) if found else ""
    message_id = message_id[:MESSAGE_ID_MAX]
    # The same message may come back with other Received lines or line ends (IMAP vs SMTP): compare bodies.
    normalised = _TRAILING_SPACE.sub(b"", _LINE_ENDS.sub(b"\n", body)).rstrip(b"\n")
    body_sha256 = hashlib.sha256(normalised).hexdigest()
    raw_sha256 = hashlib.sha256(raw).hexdigest()
    if message_id:
        dedupe_key = hashlib.sha256(b"mid:" + message_id.encode("utf-8", "surrogatepass")).hexdigest()
    else:
        digest = hashlib.sha256(b"authored:")
        authored = header_fields(headers, b"from", b"to", b"cc", b"subject", b"date")
        for name, value in sorted((n, _LINE_ENDS.sub(b"\n", v).strip()) for n, v in authored):
            digest.update(name + b":" + value + b"\n")
        digest.update(body_sha256.encode())
        dedupe_key = digest.hexdigest()
    return MessageKeys(message_id, dedupe_key, body_sha256, raw_sha256)
