"""A parsed message as the desk stores it: text, HTML with the quote folded, checked attachments, notes."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed
from hotline.desk.models import Ticket
from hotline.desk.services.attachments import check_files
from hotline.desk.services.messages import BODY_MAX, add_note
from hotline.desk.services.tickets import DESCRIPTION_MAX, SUBJECT_MAX
from hotline.intake.mail import ParsedAttachment, ParsedMail
from hotline.intake.quoting import fold_text, folded_html, text_as_folded_html

ATTACHMENTS_MAX = 100


class Upload:
    """A parsed attachment in the shape ``desk.services.attachments.check_files`` reads."""

    def __init__(self, attachment: ParsedAttachment) -> None:
        self.name = attachment.filename
        self.content_type = attachment.content_type
        self.content_id = attachment.content_id
        self._content = attachment.content
        self.size = len(attachment.content)

    def read(self) -> bytes:
        return self._content


class RawUpload(Upload):
    def __init__(self, raw: bytes) -> None:
        self.name = "message.eml"
        self.content_type = "message/rfc822"
        self.content_id = ""
        self._content = raw
        self.size = len(raw)


# ---------------------------------------------------------------------------------------------------- content


@dataclass
class MessageContent:
    subject: str
    text: str
    html: str
    uploads: list[Upload]
    refused: list[str]
    quote_offset: int | None
    notes: list[str]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_content(parsed: ParsedMail, raw: bytes) -> MessageContent:
    notes = list(parsed.warnings)
    text = parsed.text if parsed.has_text else ""
    if len(text) > DESCRIPTION_MAX:
        notes.append(
            _("Текст письма длиннее %(limit)d символов и обрезан; полностью он в исходном письме.")
            % {"limit": DESCRIPTION_MAX}
        )
        text = clip(text, DESCRIPTION_MAX)
    offset = fold_text(text) if text else None
    if parsed.html:
        html = folded_html(parsed.html)
    elif offset is not None:
        html = text_as_folded_html(text, offset)
    else:
        html = ""
    if len(html) > BODY_MAX:
        html = ""  # the text is shown instead; the HTML stays in the raw message
    uploads, refused = uploads_of(parsed.attachments)
    if not parsed.parsed or not parsed.from_email:
        # Unreadable or without a sender: the agent gets the message exactly as it came.
        uploads.append(RawUpload(raw))
    if not text and not uploads:
        text = _("(письмо без текста)")
    subject = " ".join((parsed.subject or "").split())[:SUBJECT_MAX] or _("(без темы)")
    return MessageContent(subject, text, html, uploads, refused, offset, notes)


def uploads_of(attachments: list[ParsedAttachment]) -> tuple[list[Upload], list[str]]:
    uploads: list[Upload] = []
    refused: list[str] = []
    for attachment in attachments:
        if attachment.size == 0:
            continue
        if len(uploads) >= ATTACHMENTS_MAX:
            refused.append(
                _("«%(name)s»: больше %(limit)d вложений") % {"name": attachment.filename, "limit": ATTACHMENTS_MAX}
            )
            continue
        upload = Upload(attachment)
        try:
            check_files([upload])
        except ValidationFailed as exc:
            refused.append(exc.message)
            continue
        uploads.append(upload)
    return uploads, refused


def agent_notes(ticket: Ticket, content: MessageContent) -> None:
    """Whatever the agent should know about how the message was read: one internal note."""
    lines = list(content.notes)
    if content.refused:
        lines.append(_("Не все вложения приняты (они есть в исходном письме):"))
        lines += [f"— {item}" for item in content.refused]
    if lines:
        add_note(actor=None, ticket=ticket, body_text=_("Письмо прочитано с замечаниями:") + "\n" + "\n".join(lines))
