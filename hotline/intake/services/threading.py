"""Which ticket a message answers: by our Message-IDs, by earlier mail of the ticket, by the number in the subject."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from hotline.desk.choices import Channel
from hotline.desk.mail_ids import parse_message_id
from hotline.desk.models import Message, Ticket
from hotline.intake.mail import ParsedMail
from hotline.intake.services.people import is_participant

THREAD_IDS_MAX = 50


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    how: str  # "our-id", "earlier-mail", "subject"


def subject_number_pattern() -> re.Pattern[str]:
    """«[HL-000123]» anywhere in the subject, so any «Re:», «Fwd:», «Ответ:», «RE[2]:» before it is no matter."""
    prefix = re.escape(settings.HOTLINE_TICKET_PREFIX)
    return re.compile(rf"\[\s*{prefix}\s*[-#]?\s*0*(\d{{1,12}})\s*\]", re.IGNORECASE)


def thread_ids(parsed: ParsedMail, own_id: str) -> list[str]:
    """The ids a message points at, most telling first: In-Reply-To, References from the latest, its own."""
    ordered = [parsed.in_reply_to, *reversed(parsed.references), own_id]
    seen: dict[str, None] = {}
    for mid in ordered:
        mid = (mid or "").strip().strip("<>")
        if mid and mid not in seen:
            seen[mid] = None
    return list(seen)[:THREAD_IDS_MAX]


def final_ticket(ticket: Ticket) -> Ticket:
    """A merged ticket lives on in the one it went into."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        nxt = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        if nxt is None:
            break
        ticket = nxt
    return ticket


def _earlier_mail(ids: list[str], known: Mapping[str, int | None] | None) -> dict[str, int]:
    """Message-ID → ticket of the newest e-mail message carrying it; ``known`` answers for the ids it holds."""
    found: dict[str, int] = {}
    missing = ids
    if known is not None:
        missing = [mid for mid in ids if mid not in known]
        found = {mid: ticket_id for mid in ids if (ticket_id := known.get(mid)) is not None}
    if missing:
        found.update(
            Message.objects.filter(external_id__in=missing, channel=Channel.EMAIL)
            .order_by("created_at")
            .values_list("external_id", "ticket_id")
        )
    return found


def find_thread(
    parsed: ParsedMail, *, own_id: str, sender: str, known: Mapping[str, int | None] | None = None
) -> Thread | None:
    """The ticket this message belongs to, or None for a new request.

    Our signed Message-ID in In-Reply-To/References proves the sender got our mail, whoever they are; so does the
    Message-ID of an earlier message of the ticket. A number in the subject can be typed by anyone, so it counts
    only for the ticket's customer, copied contacts and colleagues from its organisation. ``known`` holds what a
    chunk already looked up (Message-ID → ticket id, None: no e-mail message has it).
    """
    ids = thread_ids(parsed, own_id)
    for mid in ids:
        ours = parse_message_id(mid)
        if ours is not None and ours.ticket_id is not None:
            ticket = Ticket.objects.filter(pk=ours.ticket_id).first()
            if ticket is not None:
                return Thread(final_ticket(ticket), "our-id")
    if ids:
        earlier = _earlier_mail(ids, known)
        for mid in ids:
            if mid in earlier:
                ticket = Ticket.objects.filter(pk=earlier[mid]).first()
                if ticket is not None:
                    return Thread(final_ticket(ticket), "earlier-mail")
    for match in subject_number_pattern().finditer(parsed.subject or ""):
        ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
        if ticket is None:
            continue
        ticket = final_ticket(ticket)
        if sender and is_participant(ticket=ticket, address=sender):
            return Thread(ticket, "subject")
    return None


def numbered_ticket(subject: str) -> Ticket | None:
    """The ticket a subject names (for a note when a stranger's mail names one), if it exists."""
    for match in subject_number_pattern().finditer(subject or ""):
        ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
        if ticket is not None:
            return ticket
    return None
