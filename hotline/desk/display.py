"""A message body as a page shows it: inline (``cid:``) images in place, remote images never loaded.

The stored HTML is sanitised when it is written; here it is cleaned once more on its way out, with every
``<img src>`` decided by us, never by the sender: ``cid:`` becomes the access-checked download URL of the
message's own attachment with that Content-ID when it is a raster image, and anything else — a remote image (a
tracking pixel), a data: URL, a ``cid:`` nobody attached — loses its source and shows as a short placeholder.
The attachments shown in place are left out of the file list under the message, so they are not listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

import nh3
from django.utils.html import escape
from django.utils.translation import gettext as _

from hotline.desk.models import Attachment, Message

# Raster types a browser shows in <img> and nothing else; no SVG (a document that can carry script).
INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif", "image/webp", "image/bmp", "image/avif"}
)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)([^>]*)>")
_ALT = re.compile(r'\salt="([^"]*)"')


@dataclass(frozen=True)
class ShownMessage:
    """What the page renders for one message: its HTML (already safe) and the files listed under it."""

    html: str
    files: list[Attachment] = field(default_factory=list)
    inline: list[Attachment] = field(default_factory=list)


def cid_of(src: str) -> str:
    """The Content-ID a ``cid:`` URL names (RFC 2392: percent-encoded, no angle brackets)."""
    return unquote(src[4:]).strip().strip("<>").strip()


def is_inline_image(attachment: Attachment) -> bool:
    return bool(attachment.content_id) and attachment.content_type.lower() in INLINE_IMAGE_TYPES


def _placeholder(match: re.Match[str]) -> str:
    alt = _ALT.search(match.group(1))
    label = _("изображение не загружено")
    title = f"{alt.group(1)} — {label}" if alt and alt.group(1).strip() else label
    # The alt text is already escaped by the cleaner; the label is ours.
    return f'<span class="img-blocked" title="{title}">[{escape(label)}]</span>'


def show_message(
    message: Message, url_for: Callable[[Attachment], str], attachments: Iterable[Attachment] | None = None
) -> ShownMessage:
    """The message's HTML with its inline images pointing at ``url_for(attachment)``, and the other files.

    ``attachments`` defaults to ``message.attachments.all()`` (prefetched by the timeline selectors).
    """
    files = list(message.attachments.all() if attachments is None else attachments)
    body = message.body_html
    if not body or "<img" not in body:
        return ShownMessage(body, files)
    by_cid: dict[str, Attachment] = {}
    for attachment in files:
        if is_inline_image(attachment):
            by_cid.setdefault(attachment.content_id, attachment)
            by_cid.setdefault(attachment.content_id.casefold(), attachment)
    shown: dict[int, Attachment] = {}

    def src_filter(element: str, attribute: str, value: str) -> str | None:
        if element != "img" or attribute != "src":
            return value
        if not value.lower().startswith("cid:"):
            return None  # remote, data: or relative: never loaded from the sender's choice
        cid = cid_of(value)
        found = by_cid.get(cid) or by_cid.get(cid.casefold())
        if found is None:
            return None
        shown[found.pk] = found
        return url_for(found)

    cleaner = nh3.Cleaner(
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        attribute_filter=src_filter,
        link_rel="noopener noreferrer nofollow",
    )
    html = _IMG_WITHOUT_SRC.sub(_placeholder, cleaner.clean(body))
    return ShownMessage(
        html,
        files=[a for a in files if a.pk not in shown],
        inline=[a for a in files if a.pk in shown],
    )
