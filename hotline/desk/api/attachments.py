"""Attachment download: access-checked, always as a download, with the original file name."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import FileResponse, HttpRequest
from ninja import Router

from hotline.desk import selectors
from hotline.desk.api.common import ERRORS, PathId, actor

router = Router(tags=["attachments"])


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name per RFC 5987/6266 (Cyrillic names survive)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if ch.isprintable() and ch not in '"\\' else "_" for ch in ascii_name).strip()
    extension = filename.rsplit(".", 1)[1] if "." in filename else ""
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = f"file.{extension}" if extension else "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/attachments/{attachment_id}",
    response={200: bytes, **ERRORS},
    url_name="attachment_download",
    summary="Скачать вложение",
)
def download(request: HttpRequest, attachment_id: PathId) -> FileResponse:
    attachment = selectors.get_attachment_for(actor(request), attachment_id)
    # Served as a download, never inline: an uploaded .html or .svg must not run in our origin.
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type or None)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
