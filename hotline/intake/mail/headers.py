"""Header values as people meant them: RFC 2047 words (even broken ones), raw 8-bit text, addresses, Message-IDs.

The modern ``email`` policy decodes well-formed headers, but raises or gives up on what real senders write:
encoded words split in the middle of a character, whitespace inside an encoded word, encoded words inside
quotes, unencoded windows-1251 or GB2312 bytes. So values are taken raw (``Message.raw_items``) and decoded here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from hotline.intake.mail.charsets import decode_bytes, detect_and_decode

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_LINE_BREAKS = re.compile(r"[\r\n]+")
# Lenient on purpose: whitespace inside the encoded text (folded by broken mailers) and any padding.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([QqBb])\?(.{0,500}?)\?=", re.DOTALL)
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_RAW_8BIT = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Address:
    email: str
    display_name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"email": self.email, "display_name": self.display_name}


def unfold(value: str) -> str:
    return _FOLD.sub("", value).strip(" \t\r\n")


def raw_to_bytes(value: str) -> bytes:
    """The original bytes of a header the parser read with surrogateescape."""
    return value.encode("utf-8", "surrogateescape")


def has_raw_8bit(value: str) -> bool:
    return value.isascii() is False and _RAW_8BIT.search(value) is not None


def decode_header(value: str | None, *, raw_charset: str | None = None) -> str:
    """Decode a raw (unfolded or not) header value: encoded words and raw 8-bit bytes. Never raises.

    ``raw_charset`` is the charset already detected for the message's other raw 8-bit headers: short
    strings say too little about their own charset.
    """
    if not value:
        return ""
    value = unfold(value)
    if "=?" not in value and not has_raw_8bit(value):
        return _LINE_BREAKS.sub(" ", value)
    pieces: list[_Word | str] = []  # encoded words and the literal text between them
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        data = _decode_word_payload(match.group(2).upper(), match.group(3))
        if data is None:
            continue  # left in place as literal text
        between = value[pos : match.start()]
        # RFC 2047 §6.2: whitespace between two encoded words is dropped.
        if between and not (pieces and isinstance(pieces[-1], _Word) and not between.strip(" \t")):
            pieces.append(between)
        word = _Word(match.group(1).split("*", 1)[0].lower(), data)
        # Adjacent words in one charset are joined before decoding: senders split them mid-character.
        if pieces and isinstance(pieces[-1], _Word) and pieces[-1].charset == word.charset and not between.strip():
            pieces[-1] = _Word(word.charset, pieces[-1].data + word.data)
        else:
            pieces.append(word)
        pos = match.end()
    if pos < len(value):
        pieces.append(value[pos:])
    out = [
        decode_bytes(piece.data, piece.charset).text
        if isinstance(piece, _Word)
        else _decode_raw_text(piece, raw_charset)
        for piece in pieces
    ]
    return _LINE_BREAKS.sub(" ", "".join(out))


@dataclass(frozen=True)
class _Word:
    charset: str
    data: bytes


def _decode_word_payload(kind: str, payload: str) -> bytes | None:
    try:
        data = payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return None
    if kind == "B":
        compact = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        compact += b"=" * (-len(compact) % 4)
        try:
            return base64.b64decode(compact)
        except (binascii.Error, ValueError):
            return None
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))


def _decode_raw_text(text: str, raw_charset: str | None) -> str:
    if not has_raw_8bit(text):
        return text
    data = raw_to_bytes(text)
    if raw_charset:
        return decode_bytes(data, raw_charset).text
    return detect_and_decode(data).text


def detect_raw_header_charset(values: list[str]) -> str | None:
    """One charset for all raw 8-bit header text of a message, detected on all of it together."""
    chunks = [raw_to_bytes(v) for v in values if v and has_raw_8bit(v)]
    if not chunks:
        return None
    return detect_and_decode(b"\n".join(chunks)).charset


# ---------------------------------------------------------------- the raw header block

_HEADER_START = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def repair_header_block(raw: bytes) -> bytes | None:
    """The message with stray lines in its header block fixed, or None when there is nothing to fix.

    Broken gateways put a banner line before the headers or fold long headers without indenting the
    continuation. Python's parser ends the headers at such a line and loses From, Subject and the MIME
    structure below it; a stray line is joined to the header above it instead (or dropped before the first
    header), as long as real headers follow it before the blank line.
    """
    match = _BLANK_LINE.search(raw)
    head_end = match.start() if match else len(raw)
    lines = raw[:head_end].split(b"\n")
    start = 1 if lines and lines[0].startswith(b"From ") else 0
    header_rows = [i for i in range(start, len(lines)) if _HEADER_START.match(lines[i])]
    if not header_rows:
        return None
    last_header = header_rows[-1]
    if all(_HEADER_START.match(line) or line[:1] in (b" ", b"\t") for line in lines[start : last_header + 1]):
        return None
    out = lines[:start]
    seen_header = False
    for i in range(start, len(lines)):
        line = lines[i]
        if i > last_header:
            out.append(line)
        elif _HEADER_START.match(line):
            seen_header = True
            out.append(line)
        elif seen_header:
            out.append(line if line[:1] in (b" ", b"\t") else b" " + line)
    return b"\n".join(out) + raw[head_end:]


# ---------------------------------------------------------------- addresses


def _split_top_level(value: str) -> list[str]:
    """Split an address list at commas and semicolons outside quotes, comments and angle brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth_comment = 0
    in_quote = in_angle = False
    escaped = False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\" and (in_quote or depth_comment):
            current.append(ch)
            escaped = True
            continue
        if in_quote:
            in_quote = ch != '"'
        elif depth_comment:
            depth_comment += {"(": 1, ")": -1}.get(ch, 0)
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            depth_comment = 1
        elif ch == "<":
            in_angle = True
        elif ch == ">":
            in_angle = False
        elif ch in ",;" and not in_angle:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _strip_group_name(part: str) -> str:
    # "undisclosed-recipients:;" and "Team: a@b, c@d;" — the group name is not an address.
    match = re.match(r'^\s*([^"<>@():,]+):(?!//)', part)
    if match and "mailto" not in match.group(1).lower():
        return part[match.end() :]
    return part


def _take_comments(text: str) -> tuple[str, list[str]]:
    out: list[str] = []
    comments: list[str] = []
    depth = 0
    in_quote = escaped = False
    current_comment: list[str] = []
    for ch in text:
        if escaped:
            (current_comment if depth else out).append(ch)
            escaped = False
            continue
        if ch == "\\" and (in_quote or depth):
            escaped = True
            if not depth:
                out.append(ch)
            continue
        if depth:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    comments.append("".join(current_comment).strip())
                    current_comment = []
                    out.append(" ")
                    continue
            current_comment.append(ch)
            continue
        if ch == '"':
            in_quote = not in_quote
        elif ch == "(" and not in_quote:
            depth = 1
            continue
        out.append(ch)
    if current_comment:
        comments.append("".join(current_comment).strip())
    return "".join(out), comments


def _unquote_phrase(text: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch != '"':
            out.append(ch)
    return "".join(out)


def _clean_display_name(name: str) -> str:
    """Without surrounding whitespace and quotes ('Name', "a@b") — but a quoted local part stays."""
    name = name.strip()
    for quote in ('"', "'"):
        if len(name) >= 2 and name[0] == quote and name[-1] == quote:
            name = name[1:-1].strip()
    return name.strip()


def _parse_mailbox(part: str, raw_charset: str | None) -> Address | None:
    text = part.strip()
    if not text:
        return None
    angle = None
    if "<" in text and ">" in text.rsplit("<", 1)[-1]:
        head, tail = text.rsplit("<", 1)
        angle, after = tail.split(">", 1)
        text = head + " " + after
    rest, comments = _take_comments(text)
    if angle is not None:
        email = angle.strip()
        if ":" in email and email.startswith("@"):
            email = email.split(":", 1)[1]  # obsolete source route
        phrase = rest.strip()
    else:
        tokens = rest.split()
        at_tokens = [t for t in tokens if "@" in t]
        mailbox_comments = [c for c in comments if "@" in c and " " not in c.strip()]
        if not at_tokens and mailbox_comments:
            # "Name (name@example.com)": the address sits in the comment.
            email, phrase = mailbox_comments[0], rest
            comments = [c for c in comments if c is not mailbox_comments[0]]
        elif at_tokens:
            email = at_tokens[0]
            phrase = " ".join(t for t in tokens if t is not at_tokens[0])
        elif len(tokens) == 1:
            email, phrase = tokens[0], ""
        else:
            email, phrase = "", rest
    if email.lower().startswith("mailto:"):
        email = email[7:]
    email = _clean_display_name(decode_header(email, raw_charset=raw_charset)) if email else ""
    display = _unquote_phrase(phrase.strip()) if phrase.strip() else ""
    if not display and comments:
        display = comments[0]
    display = _clean_display_name(decode_header(display, raw_charset=raw_charset))
    if not email and not display:
        return None
    return Address(email=email, display_name=display)


def parse_addresses(value: str | None, *, raw_charset: str | None = None) -> list[Address]:
    """All mailboxes of an address header (To, Cc, From…), display names decoded. Never raises."""
    if not value:
        return []
    value = unfold(value)
    parts = [_strip_group_name(p) for p in _split_top_level(value)]
    # "Smith, John <j@x>" without quotes: a piece with no address belongs to the next one.
    merged: list[str] = []
    carry = ""
    for part in parts:
        candidate = f"{carry},{part}" if carry else part
        if "@" not in candidate and "<" not in candidate and part.strip():
            carry = candidate
            continue
        merged.append(candidate)
        carry = ""
    if carry:
        merged.append(carry)
    out = []
    for part in merged:
        address = _parse_mailbox(part, raw_charset)
        if address is not None and (address.email or address.display_name):
            out.append(address)
    return out


def parse_sender(value: str | None, *, raw_charset: str | None = None) -> Address | None:
    """The sender from a From-like header; an unparseable one is kept verbatim rather than guessed at."""
    if not value:
        return None
    unfolded = unfold(value)
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', "", unfolded)
    if outside_quotes.count("<") != outside_quotes.count(">"):
        verbatim = decode_header(unfolded, raw_charset=raw_charset).strip()
        return Address(email=verbatim, display_name=verbatim.replace('"', "").strip())
    addresses = parse_addresses(value, raw_charset=raw_charset)
    with_at = [a for a in addresses if "@" in a.email]
    if with_at:
        return with_at[0]
    return addresses[0] if addresses else None


# ---------------------------------------------------------------- ids and dates


def parse_message_ids(value: str | None) -> list[str]:
    """Message-IDs from References / In-Reply-To, without angle brackets, in order, de-duplicated."""
    if not value:
        return []
    value = unfold(value)
    ids = _MSG_ID.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in re.split(r"[\s,;]+", value) if "@" in token]
    seen: set[str] = set()
    out = []
    for mid in ids:
        mid = mid.strip()
        if mid and mid not in seen and len(mid) <= 998:
            seen.add(mid)
            out.append(mid)
    return out


def parse_message_id(value: str | None) -> str:
    ids = parse_message_ids(value)
    if ids:
        return ids[0]
    return unfold(value or "").strip("<> \t")[:998]


def parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed
