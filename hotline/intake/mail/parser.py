"""One raw e-mail → ``ParsedMail``: sender, subject, text, sanitised HTML, attachments, threading ids, noise flags.

``parse_message`` never raises. The standard library's ``email`` parses the structure with the modern policy;
where that policy raises on a broken header the message is parsed again with ``compat32``; a message that
cannot be read at all still comes back with its raw bytes and a warning, so intake can keep it for an agent.

The walk over the MIME tree decides what is the body and what is an attachment:
- ``multipart/alternative``: the richest HTML alternative is shown; the text comes from the plain alternative
  when it has one, else from the HTML;
- ``multipart/related``: the root part is the body, the rest are inline resources (``cid:`` images);
- ``multipart/mixed`` and unknown multiparts: text parts without a file name are body, in order; inline images
  between them are shown in place;
- ``multipart/signed``: the signed content is the body, the signature part is an attachment;
- ``multipart/report`` (DSN): the human-readable part is the body, the status and the returned message are
  attachments, and failed recipients are collected;
- ``message/rfc822``: kept as an ``.eml`` attachment; a forwarded message's text is also appended to the body;
- ``application/ms-tnef`` (winmail.dat): the files inside are extracted.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, decode_params
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _

from hotline.intake.mail import autoreply, tnef
from hotline.intake.mail.charsets import decode_bytes
from hotline.intake.mail.headers import (
    Address,
    decode_header,
    detect_raw_header_charset,
    has_raw_8bit,
    parse_addresses,
    parse_date,
    parse_message_id,
    parse_message_ids,
    parse_sender,
    repair_header_block,
    unfold,
)
from hotline.intake.mail.html import declared_charset, html_to_text, sanitize_html, text_to_html

# The marker for a message with nothing to read (only attachments, an empty or unreadable body).
NO_VISIBLE_CONTENT = "no visible content"
MAX_NESTING = 8
MAX_PARTS = 2000
MAX_FILENAME = 255


@lru_cache(maxsize=2048)
def _parse_header(policy: email.policy.EmailPolicy, name: str, value: str) -> Any:
    return policy.header_factory(name, "".join(_LINESEP.split(value)))


class _Policy(email.policy.EmailPolicy):
    """``email.policy.default`` that parses each raw header value once.

    ``email`` asks for a part's Content-Type again and again while it parses and walks a message, and the
    modern header parser is the slowest thing in the pipeline; parsed header objects are immutable.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return _parse_header(self, name, value)


_LINESEP = re.compile(r"\r\n|\r|\n")
_MODERN = _Policy(raise_on_defect=False)
_COMPAT = email.policy.compat32
# Regenerating an attached message must give back its bytes, not refold its headers.
_GENERATE = email.policy.compat32.clone(linesep="\r\n", max_line_length=0)

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
_PLAUSIBLE_ADDRESS = re.compile(r'^(?:[^\s<>@",;]+|"[^"]*")@[^\s<>@",;]+$')
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    content_id: str = ""  # without angle brackets; the HTML refers to it as cid:<content_id>
    inline: bool = False  # the HTML body shows it in place (refers to cid:<content_id>)
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
    html: str | None = None
    has_text: bool = False  # False when ``text`` is only the NO_VISIBLE_CONTENT marker
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_submitted: bool = False
    auto_submitted_reason: str = ""
    bounce: bool = False
    failed_recipients: list[str] = field(default_factory=list)
    # Lower-case name → raw value of its first occurrence, unfolded; ``header()`` decodes one.
    headers: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    parsed: bool = True  # False: the message could not be read at all; only ``raw`` and ``warnings`` are useful

    def header(self, name: str) -> str:
        """A header's decoded value ("" when absent), e.g. ``header("x-hotline-ticket")``."""
        return decode_header(self.headers.get(name.lower(), ""))

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


def parse_message(raw: bytes | bytearray | memoryview) -> ParsedMail:
    """Parse one raw RFC 5322 message. Never raises: failures become ``warnings`` on the result."""
    raw = bytes(raw)
    try:
        return _parse_with(raw, _MODERN)
    except Exception as modern_error:  # noqa: BLE001 — any bug in the modern header parser: retry the old way
        try:
            result = _parse_with(raw, _COMPAT)
        except Exception as exc:  # noqa: BLE001 — the raw message must survive whatever its content
            return _unparseable(raw, exc)
        result.warnings.insert(
            0,
            _("Заголовки письма повреждены; письмо прочитано в режиме совместимости (%(error)s).")
            % {"error": type(modern_error).__name__},
        )
        return result


def _unparseable(raw: bytes, exc: BaseException) -> ParsedMail:
    text = _clean(decode_bytes(raw).text)
    return ParsedMail(
        raw=raw,
        text=text if text.strip() else NO_VISIBLE_CONTENT,
        has_text=bool(text.strip()),
        parsed=False,
        warnings=[
            _("Письмо не удалось разобрать (%(error)s); исходное письмо сохранено целиком.")
            % {"error": type(exc).__name__}
        ],
    )


def _parse_with(raw: bytes, policy: email.policy.Policy) -> ParsedMail:
    repaired = repair_header_block(raw)
    message = BytesParser(policy=policy).parsebytes(repaired if repaired is not None else raw)
    result = _MessageReader(raw, policy).read(message, depth=0)
    if repaired is not None:
        result.warnings.insert(0, _("Заголовки письма оформлены с ошибками; письмо прочитано с исправлениями."))
    return result


@dataclass
class _Segment:
    text: str
    html: str | None = None  # None: plain text, escaped when the body is shown as HTML
    image_cid: str | None = None  # an inline image shown at this point


@dataclass
class _Forwarded:
    subject: str
    from_line: str
    date: str
    to: str
    text: str


class _MessageReader:
    def __init__(self, raw: bytes, policy: email.policy.Policy) -> None:
        self.raw = raw
        self.policy = policy
        self.attachments: list[ParsedAttachment] = []
        self.warnings: list[str] = []
        self.failed_recipients: list[str] = []
        self.parts_seen = 0
        self.generated_cids = 0
        # Detected once from the message's raw 8-bit headers; part headers (file names) are read with it.
        self.raw_charset: str | None = None

    # ------------------------------------------------------------ message level

    def read(self, message: Message, depth: int) -> ParsedMail:
        headers = [(name, value) for name, value in message.raw_items()]
        raw_charset = detect_raw_header_charset([v for _n, v in headers if has_raw_8bit(v)])
        if depth == 0 or self.raw_charset is None:
            self.raw_charset = raw_charset
        first: dict[str, str] = {}
        for name, value in headers:
            first.setdefault(name.lower(), value)

        sender = None
        for name in ("from", "sender", "reply-to", "return-path"):
            sender = parse_sender(first.get(name), raw_charset=raw_charset)
            if sender is not None and sender.email:
                break
        if sender is None or not sender.email:
            self.warnings.append(_("В письме нет адреса отправителя."))
        elif not _PLAUSIBLE_ADDRESS.match(sender.email):
            self.warnings.append(
                _("Адрес отправителя «%(address)s» не похож на адрес e-mail.") % {"address": sender.email}
            )

        result = ParsedMail(
            raw=self.raw,
            from_email=sender.email if sender else "",
            from_display_name=_nfc(sender.display_name) if sender else "",
            subject=_nfc(decode_header(first.get("subject"), raw_charset=raw_charset)),
            to=parse_addresses(_all(headers, "to"), raw_charset=raw_charset),
            cc=parse_addresses(_all(headers, "cc"), raw_charset=raw_charset),
            reply_to=parse_addresses(first.get("reply-to"), raw_charset=raw_charset),
            date=parse_date(first.get("date")),
            message_id=parse_message_id(first.get("message-id")),
            in_reply_to=(parse_message_ids(first.get("in-reply-to")) or [""])[0],
            references=parse_message_ids(_all(headers, "references")),
            headers={name: unfold(value) for name, value in first.items()},
        )

        segments: list[_Segment] = []
        self._walk(message, segments, context="mixed", depth=depth)
        self._finish_body(result, segments)
        self._mark_inline(result)
        result.attachments = self.attachments
        result.failed_recipients = self.failed_recipients

        content_type = message.get_content_type()
        report_type = _param(message, "report-type").lower()
        verdict = autoreply.classify(
            result.headers,
            subject=result.subject,
            from_email=result.from_email,
            content_type=content_type,
            report_type=report_type,
        )
        result.auto_submitted = verdict.auto_submitted
        result.auto_submitted_reason = verdict.reason
        result.bounce = verdict.bounce or bool(self.failed_recipients)
        if result.bounce:
            result.auto_submitted = True
        for defect in getattr(message, "defects", [])[:3]:
            name = type(defect).__name__
            if name in ("NoBoundaryInMultipartDefect", "StartBoundaryNotFoundDefect", "CloseBoundaryNotFoundDefect"):
                self.warnings.append(_("Структура письма повреждена (%(defect)s).") % {"defect": name})
        result.warnings = _unique(self.warnings)
        _scrub(result)
        return result

    def _finish_body(self, result: ParsedMail, segments: list[_Segment]) -> None:
        texts = [s.text for s in segments if s.image_cid is None and s.text.strip()]
        has_html = any(s.html is not None for s in segments)
        has_images = any(s.image_cid for s in segments)
        text = _nfc("\n\n".join(t.strip("\n") for t in texts).strip())
        result.has_text = bool(text.strip())
        result.text = text if result.has_text else NO_VISIBLE_CONTENT
        if has_html or (has_images and texts):
            html_parts = []
            for seg in segments:
                if seg.image_cid:
                    html_parts.append(f'<img src="cid:{seg.image_cid}">')
                elif seg.html is not None:
                    html_parts.append(seg.html)
                elif seg.text.strip():
                    html_parts.append(f"<div>{text_to_html(seg.text.strip())}</div>")
            result.html = sanitize_html("\n".join(html_parts))

    def _mark_inline(self, result: ParsedMail) -> None:
        html = result.html or ""
        for attachment in self.attachments:
            if attachment.content_id and f"cid:{attachment.content_id}" in html:
                attachment.inline = True

    # ------------------------------------------------------------ MIME walk

    def _walk(self, part: Message, segments: list[_Segment], *, context: str, depth: int) -> None:
        self.parts_seen += 1
        if self.parts_seen > MAX_PARTS:
            if self.parts_seen == MAX_PARTS + 1:
                self.warnings.append(_("В письме слишком много частей; лишние пропущены."))
            return
        content_type = part.get_content_type()
        maintype, _sep, subtype = content_type.partition("/")
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if content_type == "message/rfc822" or maintype == "message":
                self._message_part(part, children, segments, context=context, depth=depth)
            elif subtype == "alternative":
                self._alternative(children, segments, depth=depth)
            elif subtype == "related":
                self._related(part, children, segments, context=context, depth=depth)
            elif subtype == "signed" and children:
                self._walk(children[0], segments, context=context, depth=depth)
                for child in children[1:]:
                    self._attach_tree(child, depth=depth)
            elif subtype == "encrypted":
                for child in children:
                    self._attach_tree(child, depth=depth)
            elif subtype == "report" and children:
                self._walk(children[0], segments, context="report", depth=depth)
                for child in children[1:]:
                    self._attach_tree(child, depth=depth, report=True)
            else:
                for child in children:
                    self._walk(child, segments, context=context, depth=depth)
            return
        if maintype == "multipart":
            # A multipart without a usable boundary: its "body" is MIME source, not text for a person.
            return
        if content_type in ("text/plain", "text/html") and not self._is_file(part):
            segment = self._text_segment(part, content_type)
            if segment is not None:
                segments.append(segment)
            return
        attachment = self._attach_leaf(part, depth=depth, report=context == "report")
        if (
            attachment is not None
            and maintype == "image"
            and context == "mixed"
            and _disposition(part) == "inline"
            and segments
        ):
            if not attachment.content_id:
                self.generated_cids += 1
                attachment.content_id = f"inline-{self.generated_cids}@hotline"
            segments.append(_Segment(text="", image_cid=attachment.content_id))

    def _alternative(self, children: list[Message], segments: list[_Segment], *, depth: int) -> None:
        options: list[list[_Segment]] = []
        for child in children:
            option: list[_Segment] = []
            self._walk(child, option, context="alternative", depth=depth)
            options.append(option)
        with_html = [o for o in options if any(s.html is not None for s in o)]
        plain = [o for o in options if o and all(s.html is None and s.image_cid is None for s in o) and _has_words(o)]
        if with_html:
            chosen = with_html[-1]
            html = "".join(s.html if s.html is not None else f"<div>{text_to_html(s.text)}</div>" for s in chosen)
            html_text = "\n\n".join(s.text for s in chosen if s.text.strip())
            text = html_text if html_text.strip() else "\n\n".join(s.text for s in plain[-1]) if plain else ""
            segments.append(_Segment(text=text, html=html))
        elif plain:
            segments.extend(plain[-1])
        else:
            for option in options:
                if _has_words(option):
                    segments.extend(option)
                    break

    def _related(
        self, part: Message, children: list[Message], segments: list[_Segment], *, context: str, depth: int
    ) -> None:
        if not children:
            return
        start = _param(part, "start").strip().strip("<>")
        root = children[0]
        if start:
            for child in children:
                if _content_id(child) == start:
                    root = child
                    break
        self._walk(root, segments, context=context, depth=depth)
        for child in children:
            if child is not root:
                self._attach_tree(child, depth=depth)

    def _message_part(
        self, part: Message, children: list[Message], segments: list[_Segment], *, context: str, depth: int
    ) -> None:
        content_type = part.get_content_type()
        if content_type != "message/rfc822" and content_type != "message/global":
            # message/delivery-status and friends are parsed by email as header blocks; keep them as text.
            data = b"\r\n".join(_generate(c) for c in children)
            if content_type == "message/delivery-status":
                self.failed_recipients.extend(
                    r for r in autoreply.failed_recipients(decode_bytes(data).text) if r not in self.failed_recipients
                )
            self._add_attachment(part, data, content_type)
            return
        inner = children[0] if children else None
        data = _generate(inner) if inner is not None else b""
        forwarded = self._forwarded(inner, depth) if inner is not None and depth < MAX_NESTING else None
        subject = forwarded.subject if forwarded else ""
        self._add_attachment(part, data, content_type, rfc822_subject=subject)
        if forwarded and context != "report" and forwarded.text.strip():
            header_lines = [
                _("---------- Пересланное сообщение ----------"),
                _("От: %(v)s") % {"v": forwarded.from_line} if forwarded.from_line else "",
                _("Дата: %(v)s") % {"v": forwarded.date} if forwarded.date else "",
                _("Тема: %(v)s") % {"v": forwarded.subject} if forwarded.subject else "",
                _("Кому: %(v)s") % {"v": forwarded.to} if forwarded.to else "",
            ]
            head = "\n".join(line for line in header_lines if line)
            segments.append(_Segment(text=f"{head}\n\n{forwarded.text}"))

    def _forwarded(self, inner: Message, depth: int) -> _Forwarded | None:
        reader = _MessageReader(b"", self.policy)
        reader.parts_seen = self.parts_seen
        parsed = reader.read(inner, depth=depth + 1)
        self.parts_seen = reader.parts_seen
        sender = (
            f"{parsed.from_display_name} <{parsed.from_email}>"
            if parsed.from_display_name and parsed.from_email and parsed.from_display_name != parsed.from_email
            else parsed.from_email or parsed.from_display_name
        )
        return _Forwarded(
            subject=parsed.subject,
            from_line=sender,
            date=parsed.header("date"),
            to=", ".join(a.email for a in parsed.to),
            text=parsed.text if parsed.has_text else "",
        )

    # ------------------------------------------------------------ leaves

    def _is_file(self, part: Message) -> bool:
        return _disposition(part) == "attachment" or bool(_filename(part, self.raw_charset))

    def _text_segment(self, part: Message, content_type: str) -> _Segment | None:
        data = _payload_bytes(part)
        charset = _param(part, "charset") or None
        if content_type == "text/html" and not charset:
            charset = declared_charset(data)
        decoded = decode_bytes(data, charset)
        if decoded.warning:
            self.warnings.append(decoded.warning)
        if content_type == "text/html":
            return _Segment(text=html_to_text(decoded.text), html=decoded.text)
        text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
        if _param(part, "format").lower() == "flowed":
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        return _Segment(text=text)

    def _attach_tree(self, part: Message, *, depth: int, report: bool = False) -> None:
        """Everything in ``part`` as attachments (a related resource, a signature, a DSN's parts)."""
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            for child in part.get_payload():
                if isinstance(child, Message):
                    self._attach_tree(child, depth=depth, report=report)
            return
        if part.get_content_maintype() == "message":
            self._message_part(
                part,
                [c for c in part.get_payload() if isinstance(c, Message)] if part.is_multipart() else [],
                [],
                context="report" if report else "attachment",
                depth=depth,
            )
            return
        self._attach_leaf(part, depth=depth, report=report)

    def _attach_leaf(self, part: Message, *, depth: int, report: bool = False) -> ParsedAttachment | None:
        content_type = part.get_content_type()
        if content_type.startswith("message/") and not part.is_multipart():
            # A message/* part whose payload email left as text (e.g. an empty message/rfc822).
            data = _payload_bytes(part)
            if content_type == "message/delivery-status":
                self.failed_recipients.extend(autoreply.failed_recipients(decode_bytes(data).text))
            return self._add_attachment(part, data, content_type)
        data = _payload_bytes(part)
        attachment = self._add_attachment(part, data, content_type)
        if content_type in _TNEF_TYPES or (attachment.filename.lower() == "winmail.dat" and tnef.is_tnef(data)):
            self._expand_tnef(data)
        return attachment

    def _expand_tnef(self, data: bytes) -> None:
        content = tnef.parse_tnef(data)
        for item in content.files:
            name = _safe_filename(item.name) or "file"
            content_type = item.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.attachments.append(
                ParsedAttachment(filename=self._unique_name(name), content_type=content_type, content=item.data)
            )

    def _add_attachment(
        self, part: Message, data: bytes, content_type: str, *, rfc822_subject: str = ""
    ) -> ParsedAttachment:
        declared = _declared_content_type(part) or content_type
        name = self._attachment_name(part, content_type, rfc822_subject)
        charset = _param(part, "charset") or None
        attachment = ParsedAttachment(
            filename=self._unique_name(name),
            content_type=declared,
            content=data,
            content_id=_content_id(part),
            charset=charset,
        )
        self.attachments.append(attachment)
        return attachment

    def _attachment_name(self, part: Message, content_type: str, rfc822_subject: str) -> str:
        name = _filename(part, self.raw_charset)
        if not name:
            location = unfold(str(part.get("content-location") or "")).strip()
            tail = location.rsplit("/", 1)[-1]
            if tail and "." in tail and "?" not in tail:
                name = decode_header(tail)
        description = _nfc(decode_header(_raw_header(part, "content-description")))
        if not name and content_type in ("message/rfc822", "message/global"):
            name = f"{rfc822_subject or description or 'Mail'}.eml"
        cid = _content_id(part)
        if not name and cid:
            match = _CID_WITH_EXTENSION.match(cid)
            if match:
                name = match.group(1)
        if not name and content_type in _NAME_BY_TYPE:
            stem, extension = _NAME_BY_TYPE[content_type]
            name = f"{description or stem}.{extension}"
        if not name and cid:
            match = _CID_LOCAL.match(cid)
            if match:
                name = match.group(1)
        if not name:
            name = "file"
        return _safe_filename(name) or "file"

    def _unique_name(self, name: str) -> str:
        taken = {a.filename for a in self.attachments}
        if name not in taken:
            return name
        stem, dot, extension = name.partition(".")
        for number in range(1, 10000):
            candidate = f"{stem}{number}{dot}{extension}"
            if candidate not in taken:
                return candidate
        return name


# ---------------------------------------------------------------- helpers

_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: str) -> str:
    """``value`` without lone surrogates: raw 8-bit bytes kept by the parser, or UTF-7's unpaired halves."""
    if value.isascii() or _SURROGATE.search(value) is None:
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


def _scrub(result: ParsedMail) -> None:
    """Make every string of the result valid Unicode, so it can be stored and printed as UTF-8."""
    for name in ("from_email", "from_display_name", "subject", "text", "message_id", "in_reply_to"):
        setattr(result, name, _clean(getattr(result, name)))
    result.auto_submitted_reason = _clean(result.auto_submitted_reason)
    if result.html is not None:
        result.html = _clean(result.html)
    result.references = [_clean(v) for v in result.references]
    result.failed_recipients = [_clean(v) for v in result.failed_recipients]
    result.warnings = [_clean(v) for v in result.warnings]
    for field_name in ("to", "cc", "reply_to"):
        addresses = getattr(result, field_name)
        setattr(result, field_name, [Address(_clean(a.email), _clean(a.display_name)) for a in addresses])
    for attachment in result.attachments:
        attachment.filename = _clean(attachment.filename)
        attachment.content_type = _clean(attachment.content_type)
        attachment.content_id = _clean(attachment.content_id)
        attachment.charset = _clean(attachment.charset) if attachment.charset else attachment.charset


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _all(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    if not values:
        return None
    return (" " if name == "references" else ", ").join(values)


def _raw_header(part: Message, name: str) -> str:
    """The first raw value of a header (``name`` in lower case), or ""."""
    index: dict[str, str] | None = getattr(part, "_hotline_index", None)
    if index is None:
        index = {}
        for key, value in part.raw_items():
            index.setdefault(key.lower(), value)
        # A private attribute on the parsed part: the part lives only as long as this parse.
        part._hotline_index = index  # type: ignore[attr-defined]
    return index.get(name, "")


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except (ValueError, TypeError, IndexError, AttributeError, KeyError):
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return str(value).strip()


def _declared_content_type(part: Message) -> str:
    raw = unfold(_raw_header(part, "content-type")).split(";", 1)[0].strip().lower()
    return raw if re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", raw) else ""


def _disposition(part: Message) -> str:
    raw = unfold(_raw_header(part, "content-disposition"))
    return raw.split(";", 1)[0].strip().lower()


def _filename(part: Message, raw_charset: str | None = None) -> str:
    """The part's file name: Content-Disposition ``filename``, else Content-Type ``name``, decoded."""
    disposition, content_type = _raw_header(part, "content-disposition"), _raw_header(part, "content-type")
    if has_raw_8bit(disposition) or has_raw_8bit(content_type):
        # The modern policy turns raw 8-bit bytes into U+FFFD; read the raw header to detect their charset.
        name = _raw_param(disposition, "filename") or _raw_param(content_type, "name")
    else:
        try:
            name = part.get_filename() or _param(part, "name")
        except (ValueError, TypeError, IndexError, AttributeError, KeyError, LookupError):
            name = _param(part, "name")
    return _nfc(decode_header(str(name), raw_charset=raw_charset)) if name else ""


def _raw_param(value: str, wanted: str) -> str:
    """One parameter of a raw structured header (RFC 2231 continuations included), bytes left as they came."""
    pieces = re.findall(r';\s*([^;=\s]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)', unfold(value))
    params = decode_params([("", ""), *((name.lower(), raw.strip()) for name, raw in pieces)])
    for name, raw in params[1:]:
        if name == wanted:
            return collapse_rfc2231_value(raw).strip()
    return ""


def _content_id(part: Message) -> str:
    return unfold(_raw_header(part, "content-id")).strip().strip("<>").strip()


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("", name).strip().strip(".") if name.strip(".") else ""
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 16:
            name = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError, IndexError):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _generate(message: Message) -> bytes:
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=_GENERATE).flatten(message)
    except (ValueError, TypeError, LookupError, AttributeError, IndexError, UnicodeError):
        return b""
    return buffer.getvalue()


def _has_words(segments: list[_Segment]) -> bool:
    return any(s.text.strip() or s.image_cid for s in segments)


def _unflow(text: str, *, delsp: bool) -> str:
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
