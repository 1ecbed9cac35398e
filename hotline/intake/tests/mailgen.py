"""Test messages built with the standard library (well-formed); ``mail_builders`` has the broken ones."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

_counter = itertools.count(1)


def mail(
    *,
    sender: str = "Иван Петров <ivan@example.com>",
    to: str = "support@example.ru",
    cc: str = "",
    subject: str = "Не работает принтер",
    text: str = "Здравствуйте! Принтер не печатает.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = "Tue, 14 Jan 2025 10:20:30 +0300"
    if message_id != "":
        message["Message-ID"] = f"<{message_id or f'test-{next(_counter)}@example.com'}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, _sep, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
