"""Files on messages: size and type limits, the customer's file name kept, content hashed."""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed
from hotline.desk.models import Attachment, Message

NAME_MAX = 255
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes
    content_id: str = ""


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return _("%(n).0f МБ") % {"n": n / (1024 * 1024)}
    return _("%(n)d КБ") % {"n": n // 1024} if n >= 1024 else _("%(n)d байт") % {"n": n}


def clean_file_name(raw: str) -> str:
    """The base name only (a browser may send a path); control characters dropped."""
    name = posixpath.basename((raw or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else name[:NAME_MAX]
    return name or "file"


def _blocked_extension(name: str) -> str | None:
    lowered = name.lower().rstrip(". ")
    for ext in settings.HOTLINE_ATTACHMENT_BLOCKED_EXTENSIONS:
        ext = ext.lower() if ext.startswith(".") else f".{ext.lower()}"
        if lowered.endswith(ext):
            return ext
    return None


def check_files(files: Iterable[Any], *, field: str = "attachments") -> list[CheckedFile]:
    """Read and check each upload before anything is written.

    Raises:
        ValidationFailed: a file is empty, too large or of a blocked type (field="attachments.<n>").
    """
    limit = int(settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    checked: list[CheckedFile] = []
    for index, upload in enumerate(files):
        where = f"{field}.{index}"
        name = clean_file_name(getattr(upload, "name", "") or "")
        blocked = _blocked_extension(name)
        if blocked is not None:
            raise ValidationFailed(
                _("Файлы типа %(blocked)s не принимаются: «%(value)s»") % {"blocked": blocked, "value": name},
                field=where,
            )
        declared = getattr(upload, "size", None)
        if declared is not None and declared > limit:
            raise ValidationFailed(
                _("Файл «%(value)s» больше допустимого (%(limit)s)") % {"value": name, "limit": _human_size(limit)},
                field=where,
                code="file_too_large",
            )
        digest = hashlib.sha256()
        parts: list[bytes] = []
        size = 0
        if hasattr(upload, "seek"):
            upload.seek(0)
        chunks = upload.chunks(CHUNK) if hasattr(upload, "chunks") else [upload.read()]
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            size += len(data)
            if size > limit:
                raise ValidationFailed(
                    _("Файл «%(value)s» больше допустимого (%(limit)s)") % {"value": name, "limit": _human_size(limit)},
                    field=where,
                    code="file_too_large",
                )
            digest.update(data)
            parts.append(data)
        if size == 0:
            raise ValidationFailed(_("Файл «%(value)s» пустой") % {"value": name}, field=where)
        content_type = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
        if not content_type or content_type == "application/octet-stream":
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        checked.append(
            CheckedFile(
                name=name,
                content_type=content_type[:127],
                size=size,
                sha256=digest.hexdigest(),
                content=b"".join(parts),
                content_id=str(getattr(upload, "content_id", "") or "")[:255],
            )
        )
    return checked


def store_files(message: Message, files: Sequence[CheckedFile]) -> list[Attachment]:
    """Write checked files to storage and attach them to the message."""
    stored: list[Attachment] = []
    for item in files:
        attachment = Attachment(
            message=message,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            content_id=item.content_id,
        )
        attachment.file.save(item.name, ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
