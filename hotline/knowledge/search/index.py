"""Writing the index: one upsert per document, in the caller's transaction.

PostgreSQL computes the weighted vector in the same statement (A title, B body, C internal, the
``russian`` configuration: Russian words by ``russian_stem``, Latin ones by ``english_stem``). SQLite
stores the stems (``text.stems``), and its triggers copy them into the FTS5 table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from hotline.core import batching
from hotline.knowledge.models import SearchDocument, SearchTerm
from hotline.knowledge.search import text
from hotline.knowledge.search.documents import DocumentData
from hotline.knowledge.search.schema import DOC_TABLE, TERM_TABLE

CONFIG = "russian"
# Words shorter than this are rarely mistyped in a way a trigram can fix; longer ones are not words.
TERM_MIN, TERM_MAX = 4, 40

_COLUMNS = (
    "kind",
    "object_id",
    "title",
    "body",
    "internal",
    "is_public",
    "language",
    "sort_at",
    "title_stems",
    "body_stems",
    "internal_stems",
    "indexed_at",
)
_UPDATE = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("kind", "object_id"))


def vector_sql(title: str, body: str, internal: str) -> str:
    """The SQL of a document's weighted vector, from three SQL expressions (PostgreSQL)."""
    return (
        f"setweight(to_tsvector('{CONFIG}', {title}), 'A') || "
        f"setweight(to_tsvector('{CONFIG}', {body}), 'B') || "
        f"setweight(to_tsvector('{CONFIG}', {internal}), 'C')"
    )


def _row(doc: DocumentData, *, stems: bool) -> list[Any]:
    now = timezone.now()
    return [
        doc.kind,
        doc.object_id,
        doc.title,
        doc.body,
        doc.internal,
        doc.is_public,
        doc.language,
        doc.sort_at,
        text.stems(doc.title) if stems else "",
        text.stems(doc.body) if stems else "",
        text.stems(doc.internal) if stems else "",
        now,
    ]


def upsert(docs: Sequence[DocumentData]) -> None:
    """Insert or replace these documents."""
    if not docs:
        return
    postgres = connection.vendor == "postgresql"
    columns = list(_COLUMNS)
    placeholder = ", ".join(["%s"] * len(columns))
    if postgres:
        columns.append("vector")
        placeholder += ", " + vector_sql("%s", "%s", "%s")
    params: list[Any] = []
    for doc in docs:
        params.extend(_row(doc, stems=not postgres))
        if postgres:
            params.extend([doc.title, doc.body, doc.internal])
    values = ", ".join([f"({placeholder})"] * len(docs))
    update = _UPDATE + (", vector = excluded.vector" if postgres else "")
    sql = (
        f"INSERT INTO {DOC_TABLE} ({', '.join(columns)}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (kind, object_id) DO UPDATE SET {update}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    remember_terms(doc.title + "\n" + (doc.body if doc.kind == "article" else "") for doc in docs)


def remember_terms(texts: Iterable[str]) -> None:
    """Add the words of titles (and articles) to the typo dictionary; PostgreSQL only, where it is used.

    In a bulk job's chunk the words of all its documents go in with one statement at its end: one sorted insert
    per transaction cannot deadlock with another importer's.
    """
    if connection.vendor != "postgresql":
        return
    found = {
        text.fold(word)
        for chunk in texts
        for word in text.words(chunk)
        if TERM_MIN <= len(word) <= TERM_MAX and not word.isdigit()
    }
    if found:
        batching.later(_insert_terms, found)


def _insert_terms(word_sets: list[set[str]]) -> None:
    words = sorted(set().union(*word_sets))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TERM_TABLE} (word) SELECT unnest(%s::varchar[]) ON CONFLICT DO NOTHING",
            [words],
        )


def delete(kind: str, object_ids: Iterable[int]) -> None:
    ids = list(object_ids)
    if ids:
        SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()


def clear_terms() -> None:
    SearchTerm.objects.all().delete()
