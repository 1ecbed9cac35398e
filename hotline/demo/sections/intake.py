"""Intake: the subscriber department's mailbox, configured but switched off (its IMAP server is this machine),
and one letter taken in through it the way the poller would, so the inbound log is not empty."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from django.utils import timezone

from hotline.intake.models import AfterImport, ImapSecurity, Mailbox, MailboxKind
from hotline.intake.services import ingest_raw, save_mailbox

if TYPE_CHECKING:
    from hotline.demo.modules import Demo


def is_loaded() -> bool:
    return Mailbox.objects.exists()


def _letter(sender: str, name: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "abonent@uk-domovoy.ru"
    message["Subject"] = "Показания счётчиков, л/с 1002003055"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.ru")
    message.set_content(
        "Добрый день!\n\nПередаю показания за текущий месяц:\nХВС — 00231\nГВС — 00118\n\n"
        "Лицевой счёт 1002003055, ул. Садовая, д. 12, кв. 40.\n\nС уважением,\n" + name
    )
    return message.as_bytes()


def load_section(demo: Demo) -> str:
    mailbox = save_mailbox(
        actor=demo.admin,
        mailbox=Mailbox(
            name="Абонентский отдел",
            address="abonent@uk-domovoy.ru",
            kind=MailboxKind.IMAP,
            queue=demo.queues["billing"],
            is_active=False,  # the demo polls nothing: point it at a real server and switch it on
            is_default=True,
            imap_host="127.0.0.1",
            imap_port=1143,
            imap_security=ImapSecurity.NONE,
            imap_username="abonent",
            imap_password="demo-password-change-me",
            after_import=AfterImport.SEEN,
        ),
    )
    writer = next((c for c in demo.contacts[1:] if c.emails.exists()), None)
    if writer is not None:
        sender = writer.emails.order_by("id").values_list("email", flat=True).first() or "client@example.ru"
        ingest_raw(mailbox=mailbox, raw=_letter(sender, writer.full_name), source="maildir", source_ref="demo/new/1")
    return f"ящик {mailbox.address} (выключен), одно письмо в журнале"
