"""One MIME part: its raw headers, parameters, file name, payload bytes — read so that broken parts still give.

Works the same on parts parsed with the modern policy and with ``compat32``: headers are read raw
(``raw_items``) wherever the modern policy would lose information (it turns raw 8-bit bytes into U+FFFD).
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value, decode_params, unquote
from io import BytesIO

from hotline.intake.mail.headers import decode_header, unfold

MAX_FILENAME = 255
# Regenerating an attached message must give back its bytes, not refold its headers.
_GENERATE = compat32.clone(linesep="\r\n", max_line_length=0)

# Names for unnamed parts, by type: (generic stem, extension).
_NAME_BY_TYPE = {
    "message/delivery-status": ("delivery-status", "txt"),
    "message/disposition-notification": ("disposition-notification", "txt"),
    "text/rfc822-headers": ("headers", "txt"),
    "text/plain": ("document", "txt"),
    "text/html": ("document", "html"),
    "text/calendar": ("calendar", "ics"),
    "video/quicktime": ("video", "mov"),
    "image/jpeg": ("image", "jpg"),
    "image/jpg": ("image", "jpg"),
    "image/png": ("image", "png"),
    "image/gif": ("image", "gif"),
}
_CID_WITH_EXTENSION = re.compile(r"^(.+?\.[A-Za-z0-9]{2,6})@")
_CID_LOCAL = re.compile(r"^(.+?)@")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_RAW_PARAM = re.compile(r';\s*([^;=\s]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_UUENCODED = re.compile(r"^begin [0-7]{3,4} ([^\n]+)\n(.*?)^end[ \t]*$\n?", re.MULTILINE | re.DOTALL)


def raw_header(part: Message, name: str) -> str:
    """The first raw value of a header (``name`` in lower case), or ""."""
    index: dict[str, str] | None = getattr(part, "_hotline_index", None)
    if index is None:
        index = {}
        for key, value in part.raw_items():
            index.setdefault(key.lower(), value)
        # Cached on the parsed part, which lives only as long as this parse.
        part._hotline_index = index  # type: ignore[attr-defined]
    return index.get(name, "")


def param(part: Message, name: str, header: str = "content-type") -> str:
    """A parameter of a structured header (RFC 2231 values collapsed), or "" when absent."""
    cache: dict[str, dict[str, str]] | None = getattr(part, "_hotline_params", None)
    if cache is None:
        cache = {}
        part._hotline_params = cache  # type: ignore[attr-defined]
    params = cache.get(header)
    if params is None:
        params = cache[header] = _parse_params(raw_header(part, header))
    return params.get(name, "")


def _parse_params(value: str) -> dict[str, str]:
    """``name=value`` pairs of a raw structured header; raw 8-bit bytes are kept for charset detection.

    Read from the raw header rather than through the modern policy, which replaces raw 8-bit bytes by U+FFFD
    (file names) and is slow to ask for one parameter at a time.
    """
    if ";" not in value:
        return {}
    pieces = _RAW_PARAM.findall(unfold(value))
    try:
        decoded = decode_params([("", ""), *((name.lower(), raw.strip()) for name, raw in pieces)])
    except (ValueError, TypeError, IndexError, LookupError):
        decoded = [("", ""), *((name.lower(), raw.strip().strip('"')) for name, raw in pieces)]
    out: dict[str, str] = {}
    for name, raw in decoded[1:]:
        if isinstance(raw, tuple):  # RFC 2231 (charset, language, "value"): the value still has its quotes
            raw = (raw[0], raw[1], unquote(raw[2]))
        try:
            text = collapse_rfc2231_value(raw)
        except (ValueError, TypeError, LookupError):
            text = raw[2] if isinstance(raw, tuple) else raw
        out.setdefault(name, str(text).strip())
    return out


def declared_content_type(part: Message) -> str:
    """The type as the sender wrote it (``image/jpg``, ``application/others``), or "" if it is not a type."""
    raw = unfold(raw_header(part, "content-type")).split(";", 1)[0].strip().lower()
    return raw if len(raw) <= 127 and _CONTENT_TYPE.fullmatch(raw) else ""


def disposition(part: Message) -> str:
    return unfold(raw_header(part, "content-disposition")).split(";", 1)[0].strip().lower()


def content_id(part: Message) -> str:
    return unfold(raw_header(part, "content-id")).strip().strip("<>").strip()


def filename(part: Message, raw_charset: str | None = None) -> str:
    """The part's file name: Content-Disposition ``filename``, else Content-Type ``name``, decoded."""
    name = param(part, "filename", "content-disposition") or param(part, "name")
    return nfc(decode_header(name, raw_charset=raw_charset)) if name else ""


def attachment_name(part: Message, content_type: str, *, rfc822_subject: str, raw_charset: str | None) -> str:
    """A file name for an attachment, the sender's if it has one, else made from what the part says of itself.

    In order: Content-Disposition/Content-Type name, Content-Location, "<subject>.eml" for an attached message,
    a Content-ID that looks like a file name ("image001.png@01D…"), the Content-Description or a generic name
    with the type's extension ("image.jpg"), the Content-ID's local part, "file".
    """
    name = filename(part, raw_charset)
    if not name:
        location = unfold(raw_header(part, "content-location")).strip()
        tail = location.rsplit("/", 1)[-1]
        if tail and "." in tail and "?" not in tail:
            name = decode_header(tail)
    description = nfc(decode_header(raw_header(part, "content-description")))
    if not name and content_type in ("message/rfc822", "message/global"):
        name = f"{rfc822_subject or description or 'Mail'}.eml"
    cid = content_id(part)
    if not name and (match := _CID_WITH_EXTENSION.match(cid)):
        name = match.group(1)
    if not name and content_type in _NAME_BY_TYPE:
        stem, extension = _NAME_BY_TYPE[content_type]
        name = f"{description or stem}.{extension}"
    if not name and (match := _CID_LOCAL.match(cid)):
        name = match.group(1)
    return safe_filename(name) or "file"


def safe_filename(name: str) -> str:
    """``name`` without directories or control characters, at most 255 characters (keeping the extension)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("", name).strip()
    if not name.strip("."):
        return ""
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 16:
            name = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name


def payload_bytes(part: Message) -> bytes:
    """The decoded body of a leaf part; the raw body when its transfer encoding is broken or unknown."""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError, IndexError, binascii.Error):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def generate(message: Message) -> bytes:
    """A parsed message as bytes again (for an attached message kept as an ``.eml`` file)."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=_GENERATE).flatten(message)
    except (ValueError, TypeError, LookupError, AttributeError, IndexError, UnicodeError):
        return b""
    return buffer.getvalue()


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: lines ending in a space continue on the next line."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        if line == "-- ":
            if current:
                out.append(current)
                current = ""
            out.append(line)
            continue
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" "):
            current += line[:-1] if delsp else line
        else:
            out.append(current + line)
            current = ""
    if current:
        out.append(current)
    return "\n".join(out)


def extract_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Files uuencoded into a plain-text body (old Outlook Express, scripts) and the text without them."""
    if "begin " not in text:
        return text, []
    files: list[tuple[str, bytes]] = []

    def take(match: re.Match[str]) -> str:
        data = bytearray()
        for line in match.group(2).split("\n"):
            line = line.rstrip("\r")
            if not line:
                continue
            try:
                data += binascii.a2b_uu(line)
            except ValueError:  # binascii.Error, or non-ASCII in the line
                # Some encoders pad lines differently: decode just the bytes the length character announces.
                length = ((ord(line[0]) - 32) & 63) * 4 + 5
                try:
                    data += binascii.a2b_uu(line[: length // 3])
                except ValueError:
                    return match.group(0)
        files.append((match.group(1).strip(), bytes(data)))
        return ""

    remaining = _UUENCODED.sub(take, text)
    return (re.sub(r"\n{3,}", "\n\n", remaining) if files else text), files
