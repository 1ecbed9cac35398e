"""One raw e-mail → ``ParsedMail``: sender, subject, text, sanitised HTML, attachments, threading ids, noise flags.

``parse_message`` never raises. The standard library's ``email`` parses the structure with the modern policy;
where that policy raises on a broken header the message is parsed again with ``compat32``; a message that
cannot be read at all still comes back with its raw bytes and a warning, so intake can keep it for an agent.

The walk over the MIME tree decides what is the body and what is an attachment:
- ``multipart/alternative``: the richest HTML alternative is shown, and the text is that HTML's text (so the
  text and what the agent sees agree); the plain alternative is used when there is no HTML or it is empty;
- ``multipart/related``: the root part is the body, the rest are inline resources (``cid:`` images);
- ``multipart/mixed`` and unknown multiparts: text parts without a file name are body, in order; inline images
  between them are shown in place;
- ``multipart/signed``: the signed content is the body, the signature part is an attachment;
- ``multipart/encrypted``: both parts are attachments (there is nothing readable);
- ``multipart/report`` (DSN): the human-readable part is the body, the status and the returned message are
  attachments, and failed recipients are collected;
- ``message/rfc822``: kept as an ``.eml`` attachment; a forwarded message's text is also appended to the body;
- ``application/ms-tnef`` (winmail.dat) and uuencoded text: the files inside are extracted.
"""

from __future__ import annotations

import email.policy
import mimetypes
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from hotline.intake.mail import autoreply, mime, tnef
from hotline.intake.mail.charsets import decode_bytes
from hotline.intake.mail.headers import (
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
from hotline.intake.mail.result import NO_VISIBLE_CONTENT, ParsedAttachment, ParsedMail, clean, scrub

MAX_NESTING = 8  # attached messages inside attached messages, read for their text
MAX_PARTS = 2000

_LINESEP = re.compile(r"\r\n|\r|\n")
_CACHED_HEADER_LENGTH = 1000
_PLAUSIBLE_ADDRESS = re.compile(r'^(?:[^\s<>@",;]+|"[^"]*")@[^\s<>@",;]+$')
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
# Structure defects worth telling the agent about: part of the message may not be shown.
_LOSSY_DEFECTS = frozenset({"NoBoundaryInMultipartDefect", "StartBoundaryNotFoundDefect"})


@lru_cache(maxsize=2048)
def _parse_header(policy: email.policy.EmailPolicy, name: str, value: str) -> Any:
    return policy.header_factory(name, "".join(_LINESEP.split(value)))


class _Policy(email.policy.EmailPolicy):
    """``email.policy.default`` that parses each raw header value once.

    ``email`` asks for a part's Content-Type again and again while it parses and walks a message, and the
    modern header parser is the slowest step of the pipeline; parsed header objects are immutable.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        if len(value) > _CACHED_HEADER_LENGTH:  # a long References list: parsed once anyway, not worth keeping
            return self.header_factory(name, "".join(_LINESEP.split(value)))
        return _parse_header(self, name, value)


_MODERN = _Policy(raise_on_defect=False)
_COMPAT = email.policy.compat32


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
    text = clean(decode_bytes(raw).text)
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
    """A piece of the body in reading order."""

    text: str
    html: str | None = None  # None: plain text, escaped when the body is shown as HTML
    image_cid: str | None = None  # an inline image shown at this point


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
        headers = list(message.raw_items())
        self.raw_charset = detect_raw_header_charset([v for _n, v in headers if has_raw_8bit(v)])
        first: dict[str, str] = {}
        for name, value in headers:
            first.setdefault(name.lower(), value)
        result = ParsedMail(
            raw=self.raw,
            subject=mime.nfc(decode_header(first.get("subject"), raw_charset=self.raw_charset)),
            to=parse_addresses(_joined(headers, "to"), raw_charset=self.raw_charset),
            cc=parse_addresses(_joined(headers, "cc"), raw_charset=self.raw_charset),
            reply_to=parse_addresses(first.get("reply-to"), raw_charset=self.raw_charset),
            date=parse_date(first.get("date")),
            message_id=parse_message_id(first.get("message-id")),
            in_reply_to=(parse_message_ids(first.get("in-reply-to")) or [""])[0],
            references=parse_message_ids(_joined(headers, "references", " ")),
            headers={name: unfold(value) for name, value in first.items()},
        )
        self._read_sender(result, first)

        segments: list[_Segment] = []
        self._walk(message, segments, context="mixed", depth=depth)
        self._finish_body(result, segments)
        result.attachments = self.attachments
        result.failed_recipients = self.failed_recipients

        verdict = autoreply.classify(
            result.headers,
            subject=result.subject,
            from_email=result.from_email,
            content_type=message.get_content_type(),
            report_type=mime.param(message, "report-type").lower(),
        )
        result.auto_submitted = verdict.auto_submitted or bool(self.failed_recipients)
        result.auto_submitted_reason = verdict.reason or ("delivery-status" if self.failed_recipients else "")
        result.bounce = verdict.bounce or bool(self.failed_recipients)
        for defect in getattr(message, "defects", []):
            if type(defect).__name__ in _LOSSY_DEFECTS:
                self.warnings.append(_("Структура письма повреждена: часть содержимого может быть не показана."))
        result.warnings = list(dict.fromkeys(self.warnings))
        scrub(result)
        return result

    def _read_sender(self, result: ParsedMail, first: dict[str, str]) -> None:
        sender = None
        for name in ("from", "sender", "reply-to", "return-path"):
            sender = parse_sender(first.get(name), raw_charset=self.raw_charset)
            if sender is not None and sender.email:
                break
        if sender is None or not sender.email:
            self.warnings.append(_("В письме нет адреса отправителя."))
            return
        if not _PLAUSIBLE_ADDRESS.match(sender.email):
            self.warnings.append(
                _("Адрес отправителя «%(address)s» не похож на адрес e-mail.") % {"address": sender.email}
            )
        result.from_email = sender.email
        result.from_display_name = mime.nfc(sender.display_name)

    def _finish_body(self, result: ParsedMail, segments: list[_Segment]) -> None:
        texts = [s.text.strip("\n") for s in segments if s.image_cid is None and s.text.strip()]
        text = mime.nfc("\n\n".join(texts).strip())
        result.has_text = bool(text)
        result.text = text or NO_VISIBLE_CONTENT
        has_html = any(s.html is not None for s in segments)
        has_images = any(s.image_cid for s in segments)
        if has_html or (has_images and texts):
            html_parts = []
            for segment in segments:
                if segment.image_cid:
                    html_parts.append(f'<img src="cid:{segment.image_cid}">')
                elif segment.html is not None:
                    html_parts.append(segment.html)
                elif segment.text.strip():
                    html_parts.append(f"<div>{text_to_html(segment.text.strip())}</div>")
            result.html = sanitize_html("\n".join(html_parts))
        html = result.html or ""
        for attachment in self.attachments:
            attachment.inline = bool(attachment.content_id) and f"cid:{attachment.content_id}" in html

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
            if maintype == "message":
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
            segments.append(self._text_segment(part, content_type))
            return
        attachment = self._attach_leaf(part)
        if maintype == "image" and context == "mixed" and mime.disposition(part) == "inline" and segments:
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
            text = "\n\n".join(s.text for s in chosen if s.text.strip())
            if not text.strip() and plain:
                text = "\n\n".join(s.text for s in plain[-1])
            segments.append(_Segment(text=text, html=html))
        elif plain:
            segments.extend(plain[-1])
        else:
            segments.extend(next((o for o in options if _has_words(o)), []))

    def _related(
        self, part: Message, children: list[Message], segments: list[_Segment], *, context: str, depth: int
    ) -> None:
        if not children:
            return
        start = mime.param(part, "start").strip().strip("<>")
        root = next((c for c in children if start and mime.content_id(c) == start), children[0])
        self._walk(root, segments, context=context, depth=depth)
        for child in children:
            if child is not root:
                self._attach_tree(child, depth=depth)

    def _message_part(
        self, part: Message, children: list[Message], segments: list[_Segment], *, context: str, depth: int
    ) -> None:
        content_type = part.get_content_type()
        if content_type not in ("message/rfc822", "message/global"):
            # message/delivery-status and friends are parsed by email as header blocks; keep them as text.
            self._add_attachment(part, b"\r\n".join(mime.generate(c) for c in children), content_type)
            return
        inner = children[0] if children else None
        forwarded = self._forwarded(inner, depth) if inner is not None and depth < MAX_NESTING else None
        self._add_attachment(
            part,
            mime.generate(inner) if inner is not None else b"",
            content_type,
            rfc822_subject=forwarded.subject if forwarded else "",
        )
        if forwarded is not None and forwarded.has_text and context != "report":
            segments.append(_Segment(text=_forwarded_text(forwarded)))

    def _forwarded(self, inner: Message, depth: int) -> ParsedMail:
        reader = _MessageReader(b"", self.policy)
        reader.parts_seen = self.parts_seen
        parsed = reader.read(inner, depth=depth + 1)
        self.parts_seen = reader.parts_seen
        return parsed

    # ------------------------------------------------------------ leaves

    def _is_file(self, part: Message) -> bool:
        return mime.disposition(part) == "attachment" or bool(mime.filename(part, self.raw_charset))

    def _text_segment(self, part: Message, content_type: str) -> _Segment:
        data = mime.payload_bytes(part)
        charset = mime.param(part, "charset") or None
        if content_type == "text/html" and not charset:
            charset = declared_charset(data)
        decoded = decode_bytes(data, charset)
        if decoded.warning:
            self.warnings.append(decoded.warning)
        if content_type == "text/html":
            return _Segment(text=html_to_text(decoded.text), html=decoded.text)
        text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
        if mime.param(part, "format").lower() == "flowed":
            text = mime.unflow(text, delsp=mime.param(part, "delsp").lower() == "yes")
        text, files = mime.extract_uuencoded(text)
        for name, content in files:
            self._add_file(name, content)
        return _Segment(text=text)

    def _attach_tree(self, part: Message, *, depth: int, report: bool = False) -> None:
        """Everything in ``part`` as attachments (a related resource, a signature, a DSN's parts)."""
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            for child in part.get_payload():
                if isinstance(child, Message):
                    self._attach_tree(child, depth=depth, report=report)
        elif part.get_content_maintype() == "message" and part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            self._message_part(part, children, [], context="report" if report else "attachment", depth=depth)
        else:
            self._attach_leaf(part)

    def _attach_leaf(self, part: Message) -> ParsedAttachment:
        content_type = part.get_content_type()
        data = mime.payload_bytes(part)
        attachment = self._add_attachment(part, data, content_type)
        if content_type in _TNEF_TYPES or (attachment.filename.lower() == "winmail.dat" and tnef.is_tnef(data)):
            for item in tnef.parse_tnef(data).files:
                self._add_file(item.name, item.data, item.mime_type)
        return attachment

    def _add_attachment(
        self, part: Message, data: bytes, content_type: str, *, rfc822_subject: str = ""
    ) -> ParsedAttachment:
        if content_type == "message/delivery-status":
            found = autoreply.failed_recipients(decode_bytes(data).text)
            self.failed_recipients.extend(r for r in found if r not in self.failed_recipients)
        name = mime.attachment_name(part, content_type, rfc822_subject=rfc822_subject, raw_charset=self.raw_charset)
        attachment = ParsedAttachment(
            filename=self._unique_name(name),
            content_type=mime.declared_content_type(part) or content_type,
            content=data,
            content_id=mime.content_id(part),
            charset=mime.param(part, "charset") or None,
        )
        self.attachments.append(attachment)
        return attachment

    def _add_file(self, name: str, content: bytes, content_type: str = "") -> None:
        """A file found inside another part (winmail.dat, uuencoded text)."""
        name = mime.safe_filename(name) or "file"
        content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.attachments.append(
            ParsedAttachment(filename=self._unique_name(name), content_type=content_type, content=content)
        )

    def _unique_name(self, name: str) -> str:
        taken = {a.filename for a in self.attachments}
        if name not in taken:
            return name
        stem, dot, extension = name.partition(".")
        for number in range(1, MAX_PARTS + 2):
            candidate = f"{stem}{number}{dot}{extension}"
            if candidate not in taken:
                return candidate
        return name


def _joined(headers: list[tuple[str, str]], name: str, separator: str = ", ") -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    return separator.join(values) if values else None


def _has_words(segments: list[_Segment]) -> bool:
    return any(s.text.strip() or s.image_cid for s in segments)


def _forwarded_text(forwarded: ParsedMail) -> str:
    sender = forwarded.from_email
    if forwarded.from_display_name and forwarded.from_display_name != forwarded.from_email:
        sender = f"{forwarded.from_display_name} <{forwarded.from_email}>"
    lines = [
        _("---------- Пересланное сообщение ----------"),
        _("От: %(value)s") % {"value": sender} if sender else "",
        _("Дата: %(value)s") % {"value": forwarded.header("date")} if forwarded.header("date") else "",
        _("Тема: %(value)s") % {"value": forwarded.subject} if forwarded.subject else "",
        _("Кому: %(value)s") % {"value": ", ".join(a.email for a in forwarded.to)} if forwarded.to else "",
    ]
    head = "\n".join(line for line in lines if line)
    return f"{head}\n\n{forwarded.text}"
