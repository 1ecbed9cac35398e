"""Rebuilding the whole index (``hotline search reindex``): after a bulk load, a restore, an upgrade.

On PostgreSQL tickets and contacts are indexed set-wise, one ``INSERT … SELECT`` per range of ids, so a
million tickets take minutes, not hours; the documents are the same as ``documents.ticket_document`` and
``documents.contact_document`` build. When the index is empty (a first build) its GIN indexes are dropped
for the load and built once at the end, which is several times cheaper than updating them row by row.
Articles (and everything on SQLite, where stemming happens in Python) go through the same builders as the
live path. Each batch commits on its own, so a long rebuild neither holds one huge transaction nor loses
finished batches if it is interrupted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, QuerySet

from hotline.customers.models import Contact
from hotline.desk.choices import MessageKind
from hotline.desk.models import Message, Ticket
from hotline.knowledge.models import Article, DocumentKind, SearchDocument
from hotline.knowledge.search import documents, index, schema
from hotline.knowledge.search.documents import FIELD_MAX
from hotline.knowledge.search.schema import DOC_TABLE

Progress = Callable[[str, int], None]

_TICKETS_SQL = f"""
INSERT INTO {DOC_TABLE} (kind, object_id, title, body, internal, is_public, language, sort_at,
                         title_stems, body_stems, internal_stems, indexed_at, vector)
SELECT 'ticket', s.id, s.title, s.body, s.internal, false, '', s.created_at, '', '', '', now(),
       {index.vector_sql("s.title", "s.body", "s.internal")}
FROM (
    SELECT t.id, t.subject AS title, t.created_at,
           left(concat_ws(E'\\n', nullif(btrim(t.description), ''), m.public_text), {FIELD_MAX}) AS body,
           left(coalesce(m.internal_text, ''), {FIELD_MAX}) AS internal
    FROM desk_ticket t
    LEFT JOIN LATERAL (
        SELECT string_agg(nullif(btrim(x.body_text), ''), E'\\n' ORDER BY x.created_at, x.id)
                   FILTER (WHERE x.kind = '{MessageKind.REPLY}' AND NOT x.is_internal
                           AND x.body_text <> t.description) AS public_text,
               string_agg(nullif(btrim(x.body_text), ''), E'\\n' ORDER BY x.created_at, x.id)
                   FILTER (WHERE x.kind = '{MessageKind.NOTE}') AS internal_text
        FROM desk_message x WHERE x.ticket_id = t.id
    ) m ON true
    WHERE t.id >= %s AND t.id < %s
) s
ON CONFLICT (kind, object_id) DO UPDATE SET
    title = excluded.title, body = excluded.body, internal = excluded.internal, sort_at = excluded.sort_at,
    indexed_at = excluded.indexed_at, vector = excluded.vector
"""  # noqa: S608


# The same document as ``documents.contact_document``: name; organisation, position, e-mails, phones (each
# part trimmed, empty ones left out, one per line); notes apart. Merged and erased contacts have none.
_BLANKS = r"E' \t\n\r\f\v'"
_CONTACTS_SQL = f"""
INSERT INTO {DOC_TABLE} (kind, object_id, title, body, internal, is_public, language, sort_at,
                         title_stems, body_stems, internal_stems, indexed_at, vector)
SELECT 'contact', s.id, s.title, s.body, s.internal, false, '', s.created_at, '', '', '', now(),
       {index.vector_sql("s.title", "s.body", "s.internal")}
FROM (
    SELECT c.id, c.full_name AS title, c.created_at,
           left(concat_ws(E'\\n', nullif(btrim(o.name, {_BLANKS}), ''), nullif(btrim(c.position, {_BLANKS}), ''),
                          nullif(btrim(e.emails, {_BLANKS}), ''), nullif(btrim(p.phones, {_BLANKS}), '')),
                {FIELD_MAX}) AS body,
           left(coalesce(nullif(btrim(c.notes, {_BLANKS}), ''), ''), {FIELD_MAX}) AS internal
    FROM customers_contact c
    LEFT JOIN customers_organisation o ON o.id = c.organisation_id
    LEFT JOIN LATERAL (
        SELECT string_agg(x.email, ' ' ORDER BY x.id) AS emails FROM customers_contactemail x WHERE x.contact_id = c.id
    ) e ON true
    LEFT JOIN LATERAL (
        SELECT string_agg(x.e164, ' ' ORDER BY x.id) AS phones FROM customers_contactphone x WHERE x.contact_id = c.id
    ) p ON true
    WHERE c.id >= %s AND c.id < %s AND c.merged_into_id IS NULL AND c.erased_at IS NULL
) s
ON CONFLICT (kind, object_id) DO UPDATE SET
    title = excluded.title, body = excluded.body, internal = excluded.internal, sort_at = excluded.sort_at,
    indexed_at = excluded.indexed_at, vector = excluded.vector
"""  # noqa: S608


def _orphans(
    kind: str, objects: QuerySet[Any], start: int | None = None, stop: int | None = None
) -> QuerySet[SearchDocument]:
    """Documents of ``kind`` (ids in [start, stop)) whose object is not among ``objects``.

    ``NOT EXISTS``, not ``NOT IN (subquery)``: PostgreSQL hashes a ``NOT IN`` list only while it fits in
    ``work_mem``; past a few hundred thousand ids it re-reads the list for every document (hours at 1 M).
    """
    docs = SearchDocument.objects.filter(kind=kind)
    if start is not None:
        docs = docs.filter(object_id__gte=start, object_id__lt=stop)
    return docs.exclude(Exists(objects.filter(pk=OuterRef("object_id"))))


def _id_ranges(model: type[Ticket] | type[Contact] | type[Article], batch: int) -> list[tuple[int, int]]:
    bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = int(bounds["low"]), int(bounds["high"])
    return [(start, min(start + batch, high + 1)) for start in range(low, high + 1, batch)]


def _ticket_documents(start: int, stop: int) -> list[documents.DocumentData]:
    """The documents of a range of tickets in two queries (tickets, then their messages)."""
    tickets = list(Ticket.objects.filter(pk__gte=start, pk__lt=stop).only("id", "subject", "description", "created_at"))
    by_ticket: dict[int, list[Message]] = defaultdict(list)
    messages = (
        Message.objects.filter(ticket_id__gte=start, ticket_id__lt=stop, kind__in=[MessageKind.REPLY, MessageKind.NOTE])
        .only("ticket_id", "kind", "is_internal", "body_text")
        .order_by("ticket_id", "created_at", "id")
    )
    for message in messages.iterator(chunk_size=2000):
        by_ticket[message.ticket_id].append(message)
    return [documents.ticket_document(ticket, by_ticket[ticket.pk]) for ticket in tickets]


def _tickets(batch: int, progress: Progress) -> int:
    done = 0
    for start, stop in _id_ranges(Ticket, batch):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(_TICKETS_SQL, [start, stop])
                    done += cursor.rowcount
            else:
                docs = _ticket_documents(start, stop)
                for chunk in range(0, len(docs), 200):
                    index.upsert(docs[chunk : chunk + 200])
                done += len(docs)
            # Tickets deleted since the last build leave the index.
            _orphans(DocumentKind.TICKET, Ticket.objects.all(), start, stop).delete()
        progress("tickets", done)
    _orphans(DocumentKind.TICKET, Ticket.objects.all()).delete()
    return done


def _contacts(batch: int, progress: Progress) -> int:
    done = 0
    for start, stop in _id_ranges(Contact, batch):
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_CONTACTS_SQL, [start, stop])
                done += cursor.rowcount
                # Merged and erased contacts leave the index.
                active = Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
                _orphans(DocumentKind.CONTACT, active, start, stop).delete()
            progress("contacts", done)
            continue
        with transaction.atomic():
            contacts = (
                Contact.objects.filter(pk__gte=start, pk__lt=stop)
                .select_related("organisation")
                .prefetch_related("emails", "phones")
            )
            docs, gone = [], []
            for contact in contacts:
                doc = documents.contact_document(contact)
                if doc is None:
                    gone.append(contact.pk)
                else:
                    docs.append(doc)
            for chunk in range(0, len(docs), 200):
                index.upsert(docs[chunk : chunk + 200])
            index.delete(DocumentKind.CONTACT, gone)
            done += len(docs)
        progress("contacts", done)
    _orphans(DocumentKind.CONTACT, Contact.objects.all()).delete()
    return done


def _articles(progress: Progress) -> int:
    done = 0
    with transaction.atomic():
        docs, gone = [], []
        for article in Article.objects.all().iterator(chunk_size=500):
            doc = documents.article_document(article)
            if doc is None:
                gone.append(article.pk)
            else:
                docs.append(doc)
        for chunk in range(0, len(docs), 200):
            index.upsert(docs[chunk : chunk + 200])
        index.delete(DocumentKind.ARTICLE, gone)
        _orphans(DocumentKind.ARTICLE, Article.objects.all()).delete()
        done = len(docs)
    progress("articles", done)
    return done


def _terms(batch: int) -> None:
    """The typo dictionary from every title and article (PostgreSQL only).

    Titles repeat (the same subject, the same name) far more often than documents do: each range of documents
    sends only its distinct titles through the word splitter.
    """
    if connection.vendor != "postgresql":
        return
    with transaction.atomic():
        index.clear_terms()
    bounds = SearchDocument.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    step = batch * 2
    for start in range(int(bounds["low"]), int(bounds["high"]) + 1, step):
        in_range = SearchDocument.objects.filter(pk__gte=start, pk__lt=start + step).order_by()
        titles = in_range.exclude(kind=DocumentKind.ARTICLE).values_list("title", flat=True).distinct()
        articles = in_range.filter(kind=DocumentKind.ARTICLE).values_list("title", "body")
        with transaction.atomic():
            index.remember_terms([*titles, *(f"{title}\n{body}" for title, body in articles)])


def reindex(
    *,
    kinds: tuple[str, ...] = ("tickets", "contacts", "articles"),
    batch: int = 20_000,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Rebuild the documents of ``kinds`` and the typo dictionary; returns how many of each were indexed."""
    report = progress or (lambda kind, n: None)
    counts: dict[str, int] = {}
    first_build = connection.vendor == "postgresql" and not SearchDocument.objects.exists()
    if first_build:
        # Nothing to search yet: the GIN indexes are built once over the loaded documents instead.
        schema.drop_search_schema(connection)
    if "tickets" in kinds:
        counts["tickets"] = _tickets(batch, report)
    if "contacts" in kinds:
        counts["contacts"] = _contacts(batch, report)
    if "articles" in kinds:
        counts["articles"] = _articles(report)
    _terms(batch)
    if first_build:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            schema.ensure_search_schema(connection)
            cursor.execute("RESET maintenance_work_mem")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DOC_TABLE}")
    return counts
