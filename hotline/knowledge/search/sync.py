"""Keeping the index current: sync subscribers to the writes of the desk, the customers and knowledge.

They run inside the writer's transaction, so a ticket is findable the moment its creation commits and a
rolled-back change leaves no trace in the index. Each handler rebuilds the whole document of the object
it hears about: a few indexed reads and one upsert.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.core import batching, events
from hotline.customers.events import (
    ContactCreated,
    ContactErased,
    ContactsMerged,
    ContactUpdated,
    OrganisationUpdated,
)
from hotline.customers.models import Contact
from hotline.customers.services.contacts import contact_being_created
from hotline.desk.events import MessageAdded, TicketMerged, TicketOpened, TicketUpdated
from hotline.desk.models import Ticket
from hotline.desk.services.common import ticket_in_hand
from hotline.knowledge.events import ArticleDeleted, ArticleSaved
from hotline.knowledge.models import DocumentKind
from hotline.knowledge.search import documents, index

# Ticket fields whose text is in the document.
TICKET_TEXT_FIELDS = frozenset({"subject", "description"})
CONTACT_TEXT_FIELDS = frozenset({"full_name", "last_name", "first_name", "middle_name", "organisation", "position"})
CONTACT_TEXT_FIELDS |= {"notes", "phones", "emails", "organisation_id", "name"}


def refresh_tickets(ticket_ids: Iterable[int], *, current: Ticket | None = None) -> None:
    """Rebuild these tickets' documents (``current``: one of them as an instance known to be up to date)."""
    ids = list(dict.fromkeys(ticket_ids))
    docs = documents.load_ticket_documents(ids, current)
    index.upsert(list(docs.values()))
    index.delete(DocumentKind.TICKET, [pk for pk in ids if pk not in docs])


def _refresh_tickets_soon(ticket_ids: Iterable[int], *, current: Ticket | None = None) -> None:
    """Now; or, in a bulk job's chunk, once for every ticket the chunk touched, read back at its end."""
    if batching.active():
        for ticket_id in ticket_ids:
            batching.later(refresh_tickets, ticket_id)
    else:
        refresh_tickets(ticket_ids, current=current)


def refresh_contacts(contact_ids: Iterable[int], *, current: Contact | None = None) -> None:
    """Rebuild these contacts' documents (``current``: one of them as an instance with its contact points)."""
    docs, gone = [], []
    for contact_id in dict.fromkeys(contact_ids):
        if current is not None and current.pk == contact_id:
            doc = documents.contact_document(current)
        else:
            doc = documents.load_contact_document(contact_id)
        if doc is None:
            gone.append(contact_id)
        else:
            docs.append(doc)
    index.upsert(docs)
    index.delete(DocumentKind.CONTACT, gone)


def refresh_article(article_id: int) -> None:
    doc = documents.load_article_document(article_id)
    if doc is None:
        index.delete(DocumentKind.ARTICLE, [article_id])
    else:
        index.upsert([doc])


def on_ticket_opened(event: TicketOpened) -> None:
    # Usually the instance open_ticket is announcing: its row need not be read back.
    opened = ticket_in_hand(event.ticket_id)
    if opened is not None:
        parent_id = opened.parent_id
    else:
        parent_id = Ticket.objects.filter(pk=event.ticket_id).values_list("parent_id", flat=True).first()
    # A ticket split off another took some of its messages: the parent's document changes too.
    _refresh_tickets_soon([event.ticket_id, *([parent_id] if parent_id else [])], current=opened)


def on_ticket_updated(event: TicketUpdated) -> None:
    if TICKET_TEXT_FIELDS.intersection(event.fields):
        refresh_tickets([event.ticket_id])


def on_message_added(event: MessageAdded) -> None:
    _refresh_tickets_soon([event.ticket_id])


def on_ticket_merged(event: TicketMerged) -> None:
    refresh_tickets([event.ticket_id, event.into_ticket_id])


def on_contact_changed(event: ContactCreated | ContactUpdated) -> None:
    fields = getattr(event, "fields", None)
    if fields is None or CONTACT_TEXT_FIELDS.intersection(fields):
        # A new contact: the instance create_contact is announcing, its phones and e-mails with it.
        created = contact_being_created(event.contact_id) if isinstance(event, ContactCreated) else None
        refresh_contacts([event.contact_id], current=created)


def on_contacts_merged(event: ContactsMerged) -> None:
    refresh_contacts([event.duplicate_id, event.survivor_id])


def on_contact_erased(event: ContactErased) -> None:
    """The person's data leaves the index with them: their card and the text of their tickets."""
    refresh_contacts([event.contact_id])
    refresh_tickets(Ticket.objects.filter(contact_id=event.contact_id).values_list("pk", flat=True))


def on_organisation_updated(event: OrganisationUpdated) -> None:
    if "name" in event.fields:
        refresh_contacts(Contact.objects.filter(organisation_id=event.organisation_id).values_list("pk", flat=True))


def on_article_saved(event: ArticleSaved) -> None:
    refresh_article(event.article_id)


def on_article_deleted(event: ArticleDeleted) -> None:
    index.delete(DocumentKind.ARTICLE, [event.article_id])


def register() -> None:
    events.subscribe(TicketOpened, on_ticket_opened, mode="sync")
    events.subscribe(TicketUpdated, on_ticket_updated, mode="sync")
    events.subscribe(MessageAdded, on_message_added, mode="sync")
    events.subscribe(TicketMerged, on_ticket_merged, mode="sync")
    events.subscribe(ContactCreated, on_contact_changed, mode="sync")
    events.subscribe(ContactUpdated, on_contact_changed, mode="sync")
    events.subscribe(ContactsMerged, on_contacts_merged, mode="sync")
    events.subscribe(ContactErased, on_contact_erased, mode="sync")
    events.subscribe(OrganisationUpdated, on_organisation_updated, mode="sync")
    events.subscribe(ArticleSaved, on_article_saved, mode="sync")
    events.subscribe(ArticleDeleted, on_article_deleted, mode="sync")
