"""Shared steps of the notify tests."""

from __future__ import annotations

import re
from email.message import EmailMessage

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Queue, Ticket
from hotline.desk.services import tickets


def open_ticket(operator: User, contact: Contact | None, queue: Queue, subject: str = "Протекает крыша") -> Ticket:
    return tickets.open_ticket(
        actor=operator,
        subject=subject,
        description="Течёт с потолка в ванной",
        channel="phone",
        contact=contact,
        queue=queue,
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def ids(header: str | None) -> list[str]:
    return re.findall(r"<([^>]+)>", header or "")
