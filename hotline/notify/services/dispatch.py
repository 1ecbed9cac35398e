"""Queues notifications: for each recipient who wants one, render it in their language and store the delivery.

Nothing is sent here. The outbox subscribers call these functions; each delivery row is keyed by
(event, kind, recipient), so handling the same event twice queues nothing twice. A task per mail is
enqueued after commit (``tasks.send_email_task``); the periodic sweep sends whatever is still due.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.html import linebreaks, urlize

from hotline.core import roles
from hotline.core.events import current_event_id
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import Channel as DeskChannel
from hotline.desk.mail_ids import make_message_id
from hotline.desk.models import Attachment, Message, Ticket
from hotline.notify import context, links
from hotline.notify.kinds import CHANNELS_FOR, ESSENTIAL_KINDS, HUMAN_KINDS, Channel, default_enabled
from hotline.notify.models import EmailDelivery, MailOptOut, Notification, NotificationPreference
from hotline.notify.rendering import Rendered, render

logger = logging.getLogger(__name__)
Extra = Callable[[str], dict[str, Any]]
# Mail clients cope with long chains, header lines do not: the root and the latest mails are what thread.
REFERENCES_MAX = 20
INAPP_BODY_MAX = 300

_UNSUBSCRIBE_FOOTER = {
    "ru": "Вы получили это письмо, потому что обращались в поддержку. Отписаться от уведомлений о ходе заявок "
    "(ответы поддержки будут приходить по-прежнему): {url}",
    "en": "You receive this e-mail because you contacted support. Unsubscribe from request status notices "
    "(replies from support will still reach you): {url}",
}


def event_key() -> str:
    """The idempotency key of the event being handled; a fresh one outside the outbox (nothing to repeat)."""
    event_id = current_event_id()
    return str(event_id) if event_id is not None else f"direct-{uuid.uuid4().hex}"


def from_address(ticket: Ticket | None, *, to_customer: bool) -> str:
    """Customers hear from the address they wrote to (the ticket's mailbox), else the queue's; staff from the system."""
    if to_customer and ticket is not None:
        return ticket.mailbox or ticket.queue.email or settings.DEFAULT_FROM_EMAIL
    return str(settings.DEFAULT_FROM_EMAIL)


def new_message_id(ticket: Ticket | None, from_email: str) -> str:
    """Our Message-ID (without brackets), signed, the ticket number first: intake recognises replies by it."""
    return make_message_id(ticket_id=ticket.pk if ticket is not None else None, from_email=from_email)


def _bare(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def thread_ids(ticket: Ticket, *, to_customer: bool, recipient_email: str = "") -> list[str]:
    """Message-IDs of the ticket's earlier mails, oldest first: the customer's and ours to them (or to the agent)."""
    ours = EmailDelivery.objects.filter(ticket=ticket, to_customer=to_customer)
    if not to_customer:
        ours = ours.filter(recipient_email=recipient_email)
    dated = list(ours.values_list("created_at", "message_id"))
    if to_customer:
        dated += list(
            Message.objects.filter(ticket=ticket, channel=DeskChannel.EMAIL, is_internal=False)
            .exclude(external_id="")
            .values_list("created_at", "external_id")
        )
    seen: set[str] = set()
    ordered: list[str] = []
    for _at, raw in sorted(dated, key=lambda pair: pair[0]):
        mid = _bare(raw)
        if mid and mid not in seen:
            seen.add(mid)
            ordered.append(mid)
    return ordered


def _threading(ids: list[str]) -> tuple[str, str]:
    if not ids:
        return "", ""
    chain = ids if len(ids) <= REFERENCES_MAX else [ids[0], *ids[-(REFERENCES_MAX - 1) :]]
    return ids[-1], " ".join(chain)


def html_body(text: str) -> str:
    """The text part as simple HTML with clickable links; nothing from the text is trusted as markup."""
    return (
        '<!doctype html><html><body style="font-family: sans-serif; font-size: 14px; line-height: 1.5">'
        f"{linebreaks(urlize(text, autoescape=True))}</body></html>"
    )


def _compose(
    kind: str, rendered: Rendered, *, ticket: Ticket | None, signature: str, footer: str
) -> tuple[str, str, str]:
    subject = f"[{ticket.number}] {rendered.subject}" if ticket is not None else rendered.subject
    text = rendered.body
    if signature.strip():
        text = f"{text}\n\n-- \n{signature.strip()}"
    if footer:
        text = f"{text}\n\n{footer}"
    return subject, text, html_body(text)


def _create_mail(**fields: Any) -> EmailDelivery | None:
    try:
        with transaction.atomic():
            return EmailDelivery.objects.create(**fields)
    except IntegrityError:
        return None  # queued by an earlier run of the same event


def _schedule_send(email_ids: Sequence[int]) -> None:
    """Each mail goes to a worker once the rows commit (in-process in embedded mode); the periodic sweep retries."""
    from hotline.celery import enqueue_on_commit
    from hotline.notify.tasks import send_email_task

    for pk in email_ids:
        enqueue_on_commit(send_email_task, pk)


def customer_address(contact: Contact) -> str:
    """The contact's primary working e-mail address ('' when none works)."""
    addresses = sorted(contact.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    return next((e.email for e in addresses if not e.failing), "")


def customer_wants(contact: Contact, kind: str) -> bool:
    """Essential mail always goes; the rest unless the customer unsubscribed or turned it off."""
    if kind in ESSENTIAL_KINDS:
        return True
    if MailOptOut.objects.filter(contact=contact).exists():
        return False
    if contact.user_id is None:
        return True
    pref = (
        NotificationPreference.objects.filter(user_id=contact.user_id, kind=kind, channel=Channel.EMAIL)
        .values_list("enabled", flat=True)
        .first()
    )
    return default_enabled(kind, Channel.EMAIL) if pref is None else pref


def notify_customers(
    *,
    kind: str,
    ticket: Ticket,
    contacts: Iterable[Contact],
    actor: User | None = None,
    extra: Extra | None = None,
    attachments: Sequence[Attachment] = (),
    key: str | None = None,
) -> list[EmailDelivery]:
    """Queue one mail of ``kind`` to each contact that has a working address and wants it."""
    key = key or event_key()
    thread = thread_ids(ticket, to_customer=True)
    in_reply_to, references = _threading(thread)
    from_email = from_address(ticket, to_customer=True)
    queued: list[EmailDelivery] = []
    seen: set[int] = set()
    for contact in contacts:
        if contact.pk in seen or not contact.is_active:
            continue
        seen.add(contact.pk)
        if actor is not None and contact.user_id == actor.pk:
            continue  # nobody is told what they did themselves
        dedupe_key = f"{key}:{kind}:c{contact.pk}"
        address = customer_address(contact)
        if not address or not customer_wants(contact, kind):
            continue
        if EmailDelivery.objects.filter(dedupe_key=dedupe_key).exists():
            continue
        language = context.language_of(contact.language)
        values = context.ticket_context(
            ticket, language, for_customer=True, recipient_name=context.contact_name(contact), actor=actor
        )
        unsubscribe = links.unsubscribe_url(contact.pk)
        values["unsubscribe_url"] = unsubscribe
        if extra is not None:
            values.update(extra(language))
        if kind == "resolved":
            values["rating_url"] = links.rating_url(ticket.pk, contact.pk)
            values["rating_links"] = [
                {"score": score, "url": links.rating_url(ticket.pk, contact.pk, score)} for score in range(5, 0, -1)
            ]
        essential = kind in ESSENTIAL_KINDS
        footer = "" if essential or not unsubscribe else _UNSUBSCRIBE_FOOTER[language].format(url=unsubscribe)
        subject, text, html = _compose(
            kind, render(kind, language, values), ticket=ticket, signature=ticket.queue.signature, footer=footer
        )
        headers: dict[str, str] = {"X-Hotline-Ticket": ticket.number}
        if kind not in HUMAN_KINDS:
            headers["Auto-Submitted"] = "auto-generated"
        if not essential and unsubscribe:
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        row = _create_mail(
            kind=kind,
            dedupe_key=dedupe_key,
            ticket=ticket,
            to_customer=True,
            recipient_email=address,
            recipient_contact=contact,
            recipient_user_id=contact.user_id,
            language=language,
            from_email=from_email,
            subject=subject,
            body_text=text,
            body_html=html,
            message_id=new_message_id(ticket, from_email),
            in_reply_to=in_reply_to,
            references=references,
            extra_headers=headers,
        )
        if row is not None:
            if attachments:
                row.attachments.set(attachments)
            queued.append(row)
    _schedule_send([row.pk for row in queued])
    return queued


def _staff_channels(users: Sequence[User], kind: str) -> dict[int, set[str]]:
    chosen = {
        (user_id, channel): enabled
        for user_id, channel, enabled in NotificationPreference.objects.filter(
            user_id__in=[u.pk for u in users], kind=kind
        ).values_list("user_id", "channel", "enabled")
    }
    return {
        user.pk: {
            channel
            for channel in CHANNELS_FOR[kind]
            if chosen.get((user.pk, channel), default_enabled(kind, channel))
            and (channel != Channel.EMAIL or bool(user.email))
        }
        for user in users
    }


def _agent_path(ticket: Ticket) -> str:
    try:
        return reverse("desk:ticket", args=[ticket.number])
    except NoReverseMatch:
        return ""


def notify_staff(
    *,
    kind: str,
    ticket: Ticket,
    users: Iterable[User],
    actor: User | None = None,
    extra: Extra | None = None,
    key: str | None = None,
) -> tuple[list[EmailDelivery], list[Notification]]:
    """Tell each agent on the channels they chose (in-app, mail); never the actor themselves."""
    key = key or event_key()
    recipients: dict[int, User] = {}
    for user in users:
        if roles.is_agent(user) and (actor is None or user.pk != actor.pk):
            recipients.setdefault(user.pk, user)
    staff = list(recipients.values())
    channels = _staff_channels(staff, kind)
    mails: list[EmailDelivery] = []
    notices: list[Notification] = []
    from_email = from_address(ticket, to_customer=False)
    for user in staff:
        wanted = channels.get(user.pk, set())
        if not wanted:
            continue
        language = context.language_of(user.language)
        values = context.ticket_context(
            ticket, language, for_customer=False, recipient_name=context.person_name(user), actor=actor
        )
        if extra is not None:
            values.update(extra(language))
        rendered = render(kind, language, values)
        if Channel.IN_APP in wanted:
            dedupe_key = f"{key}:{kind}:u{user.pk}"
            excerpt = str(values.get("message") or values.get("note") or values.get("reason") or "")
            notice, created = Notification.objects.get_or_create(
                dedupe_key=dedupe_key,
                defaults={
                    "user": user,
                    "kind": kind,
                    "ticket": ticket,
                    "title": f"{ticket.number}: {rendered.subject}"[:300],
                    "body": excerpt[:INAPP_BODY_MAX],
                    "url": _agent_path(ticket),
                },
            )
            if created:
                notices.append(notice)
        if Channel.EMAIL in wanted:
            dedupe_key = f"{key}:{kind}:e{user.pk}"
            if EmailDelivery.objects.filter(dedupe_key=dedupe_key).exists():
                continue
            in_reply_to, references = _threading(
                thread_ids(ticket, to_customer=False, recipient_email=user.email.lower())
            )
            subject, text, html = _compose(kind, rendered, ticket=ticket, signature="", footer="")
            row = _create_mail(
                kind=kind,
                dedupe_key=dedupe_key,
                ticket=ticket,
                to_customer=False,
                recipient_email=user.email.lower(),
                recipient_user=user,
                language=language,
                from_email=from_email,
                subject=subject,
                body_text=text,
                body_html=html,
                message_id=new_message_id(ticket, from_email),
                in_reply_to=in_reply_to,
                references=references,
                extra_headers={"X-Hotline-Ticket": ticket.number, "Auto-Submitted": "auto-generated"},
            )
            if row is not None:
                mails.append(row)
    if notices:
        from hotline.web.live import broadcast

        for user_id in {n.user_id for n in notices}:
            broadcast(f"notifications:{user_id}", {"event": "notify.created"})
    _schedule_send([row.pk for row in mails])
    return mails, notices
