"""What each kind of object contributes to its search document."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable

from hotline.customers.models import Contact
from hotline.desk.choices import MessageKind
from hotline.desk.models import Message, Ticket
from hotline.knowledge.models import Article, DocumentKind

# A document keeps the first this many characters of a field: enough to find and quote, and below
# PostgreSQL's 1 MB tsvector limit however long a mail thread grows.
FIELD_MAX = 100_000


@dataclasses.dataclass(frozen=True)
class DocumentData:
    kind: str
    object_id: int
    title: str
    body: str
    internal: str
    sort_at: datetime.datetime
    is_public: bool = False
    language: str = ""


def _join(parts: Iterable[str]) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())[:FIELD_MAX]


def ticket_document(ticket: Ticket, messages: Iterable[Message]) -> DocumentData:
    """Subject; the description and public replies; internal notes apart (staff only).

    The first message repeats the description: it is taken once.
    """
    public: list[str] = [ticket.description]
    internal: list[str] = []
    for message in messages:
        if message.kind == MessageKind.NOTE:
            internal.append(message.body_text)
        elif message.kind == MessageKind.REPLY and not message.is_internal and message.body_text != ticket.description:
            public.append(message.body_text)
    return DocumentData(
        kind=DocumentKind.TICKET,
        object_id=ticket.pk,
        title=ticket.subject,
        body=_join(public),
        internal=_join(internal),
        sort_at=ticket.created_at,
    )


def load_ticket_documents(ticket_ids: Iterable[int], current: Ticket | None = None) -> dict[int, DocumentData]:
    """The documents of these tickets from the database, by id (a missing ticket has none); two queries.

    ``current``: one of them as an instance known to be up to date, whose row is not read again.
    """
    ids = list(dict.fromkeys(ticket_ids))
    tickets = {current.pk: current} if current is not None and current.pk in ids else {}
    unread = [pk for pk in ids if pk not in tickets]
    if unread:
        fields = ("id", "subject", "description", "created_at")
        tickets.update((t.pk, t) for t in Ticket.objects.filter(pk__in=unread).only(*fields))
    messages: dict[int, list[Message]] = {pk: [] for pk in tickets}
    if tickets:
        for message in (
            Message.objects.filter(ticket_id__in=list(tickets), kind__in=[MessageKind.REPLY, MessageKind.NOTE])
            .only("ticket_id", "kind", "is_internal", "body_text")
            .order_by("created_at", "id")
        ):
            messages[message.ticket_id].append(message)
    return {pk: ticket_document(tickets[pk], messages[pk]) for pk in ids if pk in tickets}


def contact_document(contact: Contact) -> DocumentData | None:
    """Name; organisation, position, e-mails and phones; notes (staff only). Merged and erased: none."""
    if not contact.is_active:
        return None
    organisation = contact.organisation.name if contact.organisation_id and contact.organisation else ""
    emails = [e.email for e in contact.emails.all()]
    phones = [p.e164 for p in contact.phones.all()]
    return DocumentData(
        kind=DocumentKind.CONTACT,
        object_id=contact.pk,
        title=contact.full_name,
        body=_join([organisation, contact.position, " ".join(emails), " ".join(phones)]),
        internal=_join([contact.notes]),
        sort_at=contact.created_at,
    )


def load_contact_document(contact_id: int) -> DocumentData | None:
    contact = (
        Contact.objects.select_related("organisation").prefetch_related("emails", "phones").filter(pk=contact_id)
    ).first()
    return contact_document(contact) if contact is not None else None


def article_document(article: Article) -> DocumentData | None:
    """Published articles only (drafts and the archive are not searched); keywords count as the body."""
    if article.status != "published":
        return None
    return DocumentData(
        kind=DocumentKind.ARTICLE,
        object_id=article.pk,
        title=article.title,
        body=_join([article.body_text, article.keywords]),
        internal="",
        sort_at=article.published_at or article.updated_at,
        is_public=article.is_public,
        language=article.language,
    )


def load_article_document(article_id: int) -> DocumentData | None:
    article = Article.objects.filter(pk=article_id).first()
    return article_document(article) if article is not None else None
