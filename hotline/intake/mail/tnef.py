"""winmail.dat (TNEF, Outlook's "rich text" wrapper): the files inside it, so an agent can open them.

Only what a service desk needs: each attachment's name and bytes, and the plain-text body when Outlook put one
there. Anything malformed ends the walk with what was found so far; the winmail.dat itself stays attached.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TNEF_SIGNATURE = 0x223E9F78
_LVL_ATTACHMENT = 2
_ATT_ATTACH_REND_DATA = 0x9002
_ATT_ATTACH_TITLE = 0x8010
_ATT_ATTACH_DATA = 0x800F
_ATT_ATTACHMENT = 0x9005
_ATT_BODY = 0x800C
_ATT_OEM_CODEPAGE = 0x9007
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_MIME_TAG = 0x370E
_MAX_ATTACHMENTS = 500

_FIXED_SIZES = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4, 0x000B: 4, 0x0014: 8,
                0x0040: 8, 0x0048: 16}  # fmt: skip
_VARIABLE = frozenset({0x001E, 0x001F, 0x0102, 0x000D})


@dataclass
class TnefFile:
    name: str = ""
    data: bytes = b""
    mime_type: str = ""


@dataclass
class TnefContent:
    files: list[TnefFile] = field(default_factory=list)
    body: str = ""


class _Truncated(Exception):
    pass


def is_tnef(data: bytes) -> bool:
    return len(data) >= 6 and struct.unpack_from("<I", data, 0)[0] == TNEF_SIGNATURE


def parse_tnef(data: bytes) -> TnefContent:
    """The attachments (and plain body) inside TNEF ``data``. Never raises; partial on malformed input."""
    content = TnefContent()
    if not is_tnef(data):
        return content
    codepage = "cp1252"
    pos = 6
    current: TnefFile | None = None
    try:
        while pos + 9 <= len(data):
            level = data[pos]
            attr_id, length = struct.unpack_from("<II", data, pos + 1)
            start = pos + 9
            end = start + length
            if end + 2 > len(data):
                raise _Truncated
            value = data[start:end]
            pos = end + 2  # checksum
            name = attr_id & 0xFFFF
            if name == _ATT_OEM_CODEPAGE and length >= 4:
                codepage = _codepage(struct.unpack_from("<I", value, 0)[0])
            elif name == _ATT_BODY and level != _LVL_ATTACHMENT:
                content.body = _text(value, codepage)
            elif level == _LVL_ATTACHMENT:
                if name == _ATT_ATTACH_REND_DATA or current is None:
                    if len(content.files) >= _MAX_ATTACHMENTS:
                        break
                    current = TnefFile()
                    content.files.append(current)
                if name == _ATT_ATTACH_TITLE and not current.name:
                    current.name = _text(value, codepage)
                elif name == _ATT_ATTACH_DATA:
                    current.data = value
                elif name == _ATT_ATTACHMENT:
                    long_name, mime = _mapi_names(value, codepage)
                    current.name = long_name or current.name
                    current.mime_type = mime or current.mime_type
    except (_Truncated, struct.error):
        pass
    content.files = [f for f in content.files if f.data or f.name]
    return content


def _codepage(number: int) -> str:
    name = f"cp{number}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def _text(value: bytes, codepage: str) -> str:
    return value.split(b"\x00", 1)[0].decode(codepage, errors="replace").strip()


def _mapi_names(block: bytes, codepage: str) -> tuple[str, str]:
    """PR_ATTACH_LONG_FILENAME and PR_ATTACH_MIME_TAG from an attAttachment MAPI property block."""
    long_name = mime = ""
    try:
        (count,) = struct.unpack_from("<I", block, 0)
        pos = 4
        for _ in range(min(count, 4096)):
            prop_type, prop_id = struct.unpack_from("<HH", block, pos)
            pos += 4
            if prop_id >= 0x8000:  # named property: GUID, kind, then an id or a name
                pos += 16
                (kind,) = struct.unpack_from("<I", block, pos)
                pos += 4
                if kind == 0:
                    pos += 4
                else:
                    (name_len,) = struct.unpack_from("<I", block, pos)
                    pos += 4 + name_len + (-name_len % 4)
            multi = bool(prop_type & 0x1000)
            base = prop_type & ~0x1000
            values_count = 1
            if multi or base in _VARIABLE:
                (values_count,) = struct.unpack_from("<I", block, pos)
                pos += 4
            for _ in range(min(values_count, 65536)):
                if base in _FIXED_SIZES:
                    pos += _FIXED_SIZES[base]
                    continue
                if base not in _VARIABLE:
                    return long_name, mime
                (size,) = struct.unpack_from("<I", block, pos)
                pos += 4
                raw = block[pos : pos + size]
                pos += size + (-size % 4)
                if prop_id in (_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_MIME_TAG):
                    text = (
                        (
                            raw.decode("utf-16-le", errors="replace")
                            if base == 0x001F
                            else raw.decode(codepage, "replace")
                        )
                        .split("\x00", 1)[0]
                        .strip()
                    )
                    if prop_id == _PR_ATTACH_LONG_FILENAME:
                        long_name = text
                    else:
                        mime = text
            if pos > len(block):
                break
    except struct.error:
        pass
    return long_name, mime
