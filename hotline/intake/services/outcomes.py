"""What a stored message becomes: a ticket, a reply, a note for the agents, or recorded noise.

In order: our own mail coming back (our signed Message-ID, or from one of our addresses) is dropped; a bounce
marks the failed addresses and tells the ticket whose mail bounced; a sender over the mailbox's hourly limit is
throttled (a mail loop); an auto-reply joins its ticket as an internal note and never reopens it, or is only
recorded; everything else is a reply to the ticket it threads to, or a new ticket.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.customers.models import Contact
from hotline.customers.services import mark_email_failing
from hotline.desk.choices import Channel, Status
from hotline.desk.mail_ids import parse_message_id
from hotline.desk.models import Message, Queue, RoutingRule, Ticket
from hotline.desk.services.messages import BODY_MAX, add_note, add_reply
from hotline.desk.services.relations import link_tickets
from hotline.desk.services.routing import rule_matches
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import reopen_ticket
from hotline.intake.mail import ParsedMail, parse_message
from hotline.intake.models import ClosedTicketReply, InboundMessage, InboundStatus, Mailbox
from hotline.intake.services.content import agent_notes, clip, message_content
from hotline.intake.services.lookups import ChunkLookups
from hotline.intake.services.people import add_contact_watchers, clean_address, contact_for_sender
from hotline.intake.services.threading import Thread, find_thread, numbered_ticket

logger = logging.getLogger(__name__)
LOOP_WINDOW = timedelta(hours=1)
OUR_ADDRESSES_TTL = 30.0
_our_addresses: tuple[float, frozenset[str]] = (0.0, frozenset())
_rules: tuple[float, list[RoutingRule]] = (0.0, [])
# (mailbox id, sender) → (when read from the database, messages counted since): see ``_flooding``.
_sender_counts: dict[tuple[int, str], tuple[float, int]] = {}
_SENDER_COUNT_TTL = 300.0
_SENDER_COUNT_MAX = 50_000
_BRACKETED_ID = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def our_addresses() -> frozenset[str]:
    """Addresses we send from (mailboxes, queues, the system): mail from them is ours coming back."""
    global _our_addresses
    loaded_at, cached = _our_addresses
    if time.monotonic() - loaded_at < OUR_ADDRESSES_TTL:
        return cached
    found = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    found |= {e.lower() for e in Queue.objects.exclude(email="").values_list("email", flat=True)}
    found.add(str(settings.DEFAULT_FROM_EMAIL).rpartition("<")[2].strip(">").strip().lower())
    _our_addresses = (time.monotonic(), frozenset(found))
    return _our_addresses[1]


def _routing_rules() -> list[RoutingRule]:
    global _rules
    loaded_at, cached = _rules
    if time.monotonic() - loaded_at < OUR_ADDRESSES_TTL:
        return cached
    found = list(RoutingRule.objects.filter(is_active=True, queue__is_active=True).select_related("queue"))
    _rules = (time.monotonic(), found)
    return found


def _routed_by_rule(mailbox: Mailbox, contact: Contact | None, subject: str, text: str) -> bool:
    """Whether a routing rule takes this new ticket (rules are read once in a while: most setups have few)."""
    rules = _routing_rules()
    if not rules:
        return False
    organisation = contact.organisation if contact is not None else None
    return any(
        rule_matches(
            rule,
            channel=Channel.EMAIL,
            category=None,
            organisation=organisation,
            mailbox=mailbox.address,
            text=f"{subject}\n{text}",
        )
        for rule in rules
    )


def forget_our_addresses() -> None:
    """After a mailbox or queue address changes (and in tests)."""
    global _our_addresses, _rules
    _our_addresses = (0.0, frozenset())
    _rules = (0.0, [])
    _sender_counts.clear()


def finish(
    inbound: InboundMessage, status: str, *, ticket: Ticket | None = None, message: Message | None = None
) -> None:
    """Record the outcome on the row (saved by the caller, in the same transaction as the outcome)."""
    inbound.status = status
    inbound.ticket = ticket
    inbound.ticket_message = message
    inbound.processed_at = timezone.now()


OUTCOME_FIELDS = [
    "status",
    "ticket",
    "ticket_message",
    "processed_at",
    "from_email",
    "subject",
    "quote_offset",
    "auto_reason",
    "warnings",
    "error",
]


# ---------------------------------------------------------------------------------------------------- deciding


def _too_large(raw: bytes) -> ParsedMail:
    return ParsedMail(
        raw=raw,
        parsed=False,
        warnings=[
            _("Письмо слишком большое (%(size)d МБ) и не разбиралось; исходное письмо сохранено.")
            % {"size": len(raw) // 2**20}
        ],
    )


def process(inbound: InboundMessage, mailbox: Mailbox, raw: bytes, *, lookups: ChunkLookups | None = None) -> None:
    """Decide and record what the message becomes (the caller saves ``inbound`` in the same transaction)."""
    parsed = parse_message(raw) if len(raw) <= settings.HOTLINE_MAIL_MAX_BYTES else _too_large(raw)
    sender = clean_address(parsed.from_email) or ""
    inbound.from_email = (sender or parsed.from_email)[:254]
    inbound.subject = parsed.subject[:255]
    inbound.warnings = parsed.warnings
    inbound.auto_reason = parsed.auto_submitted_reason[:255]

    if _is_our_own(parsed, sender, inbound.message_id):
        finish(inbound, InboundStatus.OWN_MAIL)
        return
    if parsed.bounce:
        _bounce(inbound, parsed)
        return
    if sender and _flooding(inbound, mailbox, sender):
        _throttled(inbound, mailbox, sender)
        return
    known = lookups.threads if lookups is not None else None
    thread = find_thread(parsed, own_id=inbound.message_id, sender=sender, known=known) if parsed.parsed else None
    if parsed.auto_submitted:
        _auto_reply(inbound, parsed, thread)
        return
    if thread is not None:
        _reply(inbound, mailbox, parsed, thread, sender, lookups)
    else:
        _new_ticket(inbound, mailbox, parsed, sender, raw, lookups)


def _is_our_own(parsed: ParsedMail, sender: str, message_id: str) -> bool:
    if message_id and parse_message_id(message_id) is not None:
        return True
    return bool(sender) and sender in our_addresses()


def _flooding(inbound: InboundMessage, mailbox: Mailbox, sender: str) -> bool:
    """Whether ``sender`` already sent ``loop_limit`` messages to the mailbox within the hour.

    The database count is read once per sender and process, then counted on here and read again only near the
    limit: an import of thousands of messages does not pay a query per message for it. Several processes each
    count their own share between reads, so a loop spread over N of them is stopped by N × the limit at worst.
    """
    if not mailbox.loop_limit:
        return False
    now = time.monotonic()
    key = (mailbox.pk, sender)
    known = _sender_counts.get(key)
    if known is not None and now - known[0] < _SENDER_COUNT_TTL and known[1] + 1 < mailbox.loop_limit:
        _sender_counts[key] = (known[0], known[1] + 1)
        return False
    since = timezone.now() - LOOP_WINDOW
    recent = (
        InboundMessage.objects.filter(mailbox=mailbox, from_email=sender, received_at__gte=since)
        .exclude(status__in=[InboundStatus.OWN_MAIL, InboundStatus.FAILED])
        .count()
    )
    if len(_sender_counts) > _SENDER_COUNT_MAX:
        _sender_counts.clear()
    _sender_counts[key] = (now, recent + 1)
    return recent >= mailbox.loop_limit


def _throttled(inbound: InboundMessage, mailbox: Mailbox, sender: str) -> None:
    since = timezone.now() - LOOP_WINDOW
    already = InboundMessage.objects.filter(
        mailbox=mailbox, from_email=sender, received_at__gte=since, status=InboundStatus.THROTTLED
    ).exists()
    finish(inbound, InboundStatus.THROTTLED)
    if already:
        return
    # Tell the agents once per window, on the sender's latest ticket, why their mail stopped arriving.
    latest = (
        InboundMessage.objects.filter(mailbox=mailbox, from_email=sender, ticket__isnull=False)
        .order_by("-received_at")
        .values_list("ticket_id", flat=True)
        .first()
    )
    ticket = Ticket.objects.filter(pk=latest).first() if latest is not None else None
    if ticket is not None:
        add_note(
            actor=None,
            ticket=ticket,
            body_text=_(
                "С адреса %(sender)s за последний час пришло больше %(limit)d писем — похоже на зацикливание. "
                "Следующие письма сохраняются, но заявок не создают; их можно обработать в разделе «Входящие "
                "письма» администрирования."
            )
            % {"sender": sender, "limit": mailbox.loop_limit},
        )


def _bounce(inbound: InboundMessage, parsed: ParsedMail) -> None:
    reason = (parsed.subject or _("уведомление о недоставке"))[:200]
    for address in parsed.failed_recipients:
        clean = clean_address(address)
        if clean is not None:
            mark_email_failing(actor=None, email=clean, reason=reason)
    ticket = _bounced_ticket(parsed)
    if ticket is None:
        finish(inbound, InboundStatus.BOUNCE)
        return
    addresses = ", ".join(parsed.failed_recipients) or _("адрес не указан")
    note = add_note(
        actor=None,
        ticket=ticket,
        body_text=_("Письмо по заявке не доставлено (%(addresses)s): %(reason)s\n\n%(text)s")
        % {"addresses": addresses, "reason": reason, "text": clip(parsed.text, BODY_MAX // 2)},
    )
    finish(inbound, InboundStatus.BOUNCE, ticket=ticket, message=note)


def _bounced_ticket(parsed: ParsedMail) -> Ticket | None:
    """The ticket of our mail that bounced: its Message-ID is in the report's headers or returned message."""
    texts = [parsed.in_reply_to, *parsed.references]
    texts += [
        a.content[:64_000].decode("latin-1")
        for a in parsed.attachments
        if a.content_type.startswith(("message/", "text/"))
    ]
    for text in texts:
        for candidate in _BRACKETED_ID.findall(text or "") or [text]:
            ours = parse_message_id(candidate)
            if ours is not None and ours.ticket_id is not None:
                ticket = Ticket.objects.filter(pk=ours.ticket_id).first()
                if ticket is not None:
                    return ticket
    return None


def _auto_reply(inbound: InboundMessage, parsed: ParsedMail, thread: Thread | None) -> None:
    """Recorded, never answered, never reopening: a note for the agents when it belongs to a ticket."""
    if thread is None:
        finish(inbound, InboundStatus.AUTO_REPLY)
        return
    note = add_note(
        actor=None,
        ticket=thread.ticket,
        body_text=_("Автоответ от %(sender)s (%(reason)s): %(subject)s\n\n%(text)s")
        % {
            "sender": inbound.from_email or _("неизвестного отправителя"),
            "reason": parsed.auto_submitted_reason or "auto",
            "subject": parsed.subject,
            "text": clip(parsed.text, BODY_MAX // 2),
        },
    )
    finish(inbound, InboundStatus.NOTE, ticket=thread.ticket, message=note)


# ---------------------------------------------------------------------------------------------------- tickets


def _new_ticket(
    inbound: InboundMessage,
    mailbox: Mailbox,
    parsed: ParsedMail,
    sender: str,
    raw: bytes,
    lookups: ChunkLookups | None,
    *,
    follows: Ticket | None = None,
) -> Ticket:
    content = message_content(parsed, raw)
    contact = _sender_contact(sender, parsed.from_display_name, lookups)
    queue: Queue | None = mailbox.queue
    if _routed_by_rule(mailbox, contact, content.subject, content.text):
        queue = None  # an administrator's routing rule wins over the mailbox's queue: open_ticket applies it
    ticket = open_ticket(
        actor=None,
        subject=content.subject,
        description=content.text,
        channel=Channel.EMAIL,
        contact=contact,
        queue=queue,
        mailbox=mailbox.address,
        attachments=content.uploads,
        body_html=content.html,
        external_id=inbound.message_id,
    )
    if follows is not None:
        link_tickets(actor=None, source=ticket, target=follows)
        add_note(
            actor=None,
            ticket=ticket,
            body_text=_("Продолжение закрытой заявки %(number)s: клиент ответил на неё письмом.")
            % {"number": follows.number},
        )
    else:
        stranger = numbered_ticket(parsed.subject)
        if stranger is not None and parsed.parsed:
            add_note(
                actor=None,
                ticket=ticket,
                body_text=_(
                    "В теме письма указана заявка %(number)s, но отправитель %(sender)s не связан с ней, "
                    "поэтому создана новая заявка."
                )
                % {"number": stranger.number, "sender": sender or "?"},
            )
    _watchers(ticket, mailbox, parsed, sender)
    agent_notes(ticket, content)
    inbound.quote_offset = content.quote_offset
    # The first message is the ticket's first: found through the ticket, not stored twice.
    finish(inbound, InboundStatus.TICKET, ticket=ticket)
    return ticket


def _reply(
    inbound: InboundMessage,
    mailbox: Mailbox,
    parsed: ParsedMail,
    thread: Thread,
    sender: str,
    lookups: ChunkLookups | None,
) -> None:
    ticket = thread.ticket
    if ticket.status in (Status.CLOSED, Status.CANCELLED):
        if mailbox.closed_reply == ClosedTicketReply.FOLLOW_UP:
            _new_ticket(inbound, mailbox, parsed, sender, parsed.raw, lookups, follows=ticket)
            return
        reopen_ticket(actor=None, ticket=ticket, reason=_("клиент ответил письмом на закрытую заявку"))
    content = message_content(parsed, parsed.raw)
    contact = _sender_contact(sender, parsed.from_display_name, lookups)
    message = add_reply(
        actor=None,
        ticket=ticket,
        body_text=content.text,
        body_html=content.html,
        attachments=content.uploads,
        author_contact=contact,
        channel=Channel.EMAIL,
        external_id=inbound.message_id,
    )
    _watchers(ticket, mailbox, parsed, sender)
    agent_notes(ticket, content)
    inbound.quote_offset = content.quote_offset
    finish(inbound, InboundStatus.REPLY, ticket=message.ticket, message=message)


def _sender_contact(sender: str, display_name: str, lookups: ChunkLookups | None) -> Contact | None:
    """The sender's contact: from the chunk's look-ups when they have it, created when nobody has the address."""
    if not sender:
        return None
    if lookups is not None and sender in lookups.contacts:
        known = lookups.contacts[sender]
        if known is not None:
            return known
        contact = contact_for_sender(address=sender, display_name=display_name, known_absent=True)
    else:
        contact = contact_for_sender(address=sender, display_name=display_name)
    if lookups is not None and contact is not None:
        lookups.learn_contact(sender, contact)
    return contact


def _watchers(ticket: Ticket, mailbox: Mailbox, parsed: ParsedMail, sender: str) -> None:
    people = [(a.email, a.display_name) for a in [*parsed.to, *parsed.cc]]
    if people:
        add_contact_watchers(ticket=ticket, addresses=people, skip=[*our_addresses(), mailbox.address, sender])
