"""Raw test messages written byte by byte, the way broken mailers write them (no ``email`` generator tidying)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping


def message(
    body: bytes | str = b"Hello",
    *,
    headers: Mapping[str, bytes | str] | None = None,
    content_type: bytes | str | None = b"text/plain; charset=utf-8",
    cte: bytes | str | None = None,
    sender: bytes | str = b"Customer <customer@example.com>",
    subject: bytes | str = b"Test",
) -> bytes:
    """A single-part message. ``headers`` are added after the standard ones (None values are left out)."""
    lines: list[bytes] = [
        b"From: " + _b(sender),
        b"To: Support <support@example.org>",
        b"Subject: " + _b(subject),
        b"Date: Tue, 14 Jan 2025 10:20:30 +0300",
        b"Message-ID: <m1@example.com>",
        b"MIME-Version: 1.0",
    ]
    if content_type is not None:
        lines.append(b"Content-Type: " + _b(content_type))
    if cte is not None:
        lines.append(b"Content-Transfer-Encoding: " + _b(cte))
    for name, value in (headers or {}).items():
        lines.append(_b(name) + b": " + _b(value))
    return b"\r\n".join(lines) + b"\r\n\r\n" + _b(body)


def multipart(
    subtype: str,
    parts: list[bytes],
    *,
    headers: Mapping[str, bytes | str] | None = None,
    params: str = "",
    boundary: str = "BOUNDARY",
) -> bytes:
    """A multipart message of already-built ``parts`` (each: header lines, blank line, body)."""
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body = b"This is a multi-part message in MIME format.\r\n" + body + b"--" + boundary.encode() + b"--\r\n"
    content_type = f'multipart/{subtype}; boundary="{boundary}"{params}'
    return message(body, content_type=content_type, headers=headers)


def part(body: bytes | str, *headers: bytes | str) -> bytes:
    return b"\r\n".join(_b(h) for h in headers) + b"\r\n\r\n" + _b(body)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal winmail.dat carrying ``files`` (attAttachRendData, attAttachTitle, attAttachData each)."""

    def attribute(level: int, attr_id: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", checksum)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x00089006, b"\x01\x00\x00\x00")  # attTnefVersion
    for name, data in files:
        out += attribute(2, 0x00069002, b"\x01\x00" + b"\x00" * 12)  # attAttachRendData
        out += attribute(2, 0x00018010, name.encode("cp1252") + b"\x00")  # attAttachTitle
        out += attribute(2, 0x0006800F, data)  # attAttachData
    return out


def _b(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")
