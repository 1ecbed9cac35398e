"""What the parser gives intake: ``ParsedMail`` and its ``ParsedAttachment`` list, always valid Unicode."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from hotline.intake.mail.headers import Address, decode_header

# The text of a message with nothing to read (only attachments, an empty or unreadable body).
NO_VISIBLE_CONTENT = "no visible content"


@dataclass
class ParsedAttachment:
    filename: str  # the sender's name for it, decoded, without any directory part; unique within the message
    content_type: str  # as declared by the sender (image/jpg, application/octet-stream…)
    content: bytes = field(repr=False)
    content_id: str = ""  # without angle brackets; an HTML body refers to it as cid:<content_id>
    inline: bool = False  # the HTML body shows it in place
    charset: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "content_id": self.content_id or None,
            "inline": self.inline,
        }


@dataclass
class ParsedMail:
    """What intake needs from one message. Message-IDs are bare (no angle brackets)."""

    raw: bytes = field(repr=False)
    from_email: str = ""
    from_display_name: str = ""
    subject: str = ""
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    date: dt.datetime | None = None
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    text: str = NO_VISIBLE_CONTENT
    html: str | None = None  # sanitised; None when the message had no HTML (or inline images) to show
    has_text: bool = False  # False when ``text`` is only the NO_VISIBLE_CONTENT marker
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_submitted: bool = False  # an auto-reply, out-of-office notice or bounce: never answer it
    auto_submitted_reason: str = ""
    bounce: bool = False  # a delivery failure report
    failed_recipients: list[str] = field(default_factory=list)  # addresses a DSN reports as failed for good
    # Lower-case name → raw value of its first occurrence, unfolded; ``header()`` decodes one.
    headers: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # for the agent: what was broken and how it was read
    parsed: bool = True  # False: the message could not be read at all; only ``raw`` and ``warnings`` are useful

    def header(self, name: str) -> str:
        """A header's decoded value ("" when absent), e.g. ``header("x-hotline-ticket")``."""
        return clean(decode_header(self.headers.get(name.lower(), "")))

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_email": self.from_email,
            "from_display_name": self.from_display_name,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "attachments": [a.as_dict() for a in self.attachments],
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "auto_submitted": self.auto_submitted,
            "auto_submitted_reason": self.auto_submitted_reason,
            "bounce": self.bounce,
            "failed_recipients": self.failed_recipients,
            "to": [a.as_dict() for a in self.to],
            "cc": [a.as_dict() for a in self.cc],
            "reply_to": [a.as_dict() for a in self.reply_to],
            "date": self.date.isoformat() if self.date else None,
            "has_text": self.has_text,
            "parsed": self.parsed,
            "size": len(self.raw),
            "warnings": self.warnings,
        }


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(value: str) -> str:
    """``value`` without lone surrogates: raw 8-bit bytes kept by the parser, or UTF-7's unpaired halves."""
    if value.isascii() or _SURROGATE.search(value) is None:
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


def scrub(result: ParsedMail) -> None:
    """Make every string of the result valid Unicode, so it can be stored and printed as UTF-8."""
    result.from_email = clean(result.from_email)
    result.from_display_name = clean(result.from_display_name)
    result.subject = clean(result.subject)
    result.text = clean(result.text)
    result.html = clean(result.html) if result.html is not None else None
    result.message_id = clean(result.message_id)
    result.in_reply_to = clean(result.in_reply_to)
    result.references = [clean(v) for v in result.references]
    result.auto_submitted_reason = clean(result.auto_submitted_reason)
    result.failed_recipients = [clean(v) for v in result.failed_recipients]
    result.warnings = [clean(v) for v in result.warnings]
    result.to = [Address(clean(a.email), clean(a.display_name)) for a in result.to]
    result.cc = [Address(clean(a.email), clean(a.display_name)) for a in result.cc]
    result.reply_to = [Address(clean(a.email), clean(a.display_name)) for a in result.reply_to]
    for attachment in result.attachments:
        attachment.filename = clean(attachment.filename)
        attachment.content_type = clean(attachment.content_type)
        attachment.content_id = clean(attachment.content_id)
        attachment.charset = clean(attachment.charset) if attachment.charset else attachment.charset
