"""The database objects behind search that Django's models cannot declare, per database.

PostgreSQL: ``pg_trgm`` and GIN indexes (one partial index per kind, so a search of 2 000 articles never
walks the postings of a million tickets; a trigram index over the typo dictionary). SQLite: an FTS5
table over the documents' stems, kept in step with ``knowledge_searchdocument`` by triggers.

The migration ``0002_search_indexes`` creates them; ``ensure_search_schema`` (run after every
``migrate``, also when tests build the schema without migrations) re-creates whatever is missing —
on SQLite a table rebuild drops the triggers — and is a no-op otherwise.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "knowledge_search_fts"
DOC_TABLE = "knowledge_searchdocument"
TERM_TABLE = "knowledge_searchterm"
FTS_COLUMNS = ("title_stems", "body_stems", "internal_stems")

POSTGRES_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS search_{kind}_fts ON {DOC_TABLE} USING gin (vector) WHERE kind = '{kind}'"
        for kind in ("ticket", "contact", "article")
    ),
    f"CREATE INDEX IF NOT EXISTS search_term_trgm ON {TERM_TABLE} USING gin (word gin_trgm_ops)",
]
POSTGRES_DROP = [
    *(f"DROP INDEX IF EXISTS search_{kind}_fts" for kind in ("ticket", "contact", "article")),
    "DROP INDEX IF EXISTS search_term_trgm",
]

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
SQLITE_STATEMENTS = [
    # The stems are already lower-cased and folded: the tokenizer only splits on spaces.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, content='{DOC_TABLE}', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_ai AFTER INSERT ON {DOC_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_ad AFTER DELETE ON {DOC_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_au AFTER UPDATE ON {DOC_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def _table_exists(connection: BaseDatabaseWrapper, name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


def ensure_search_schema(connection: BaseDatabaseWrapper) -> None:
    """Create the search objects this database lacks (idempotent)."""
    if not _table_exists(connection, DOC_TABLE):
        return
    if connection.vendor == "postgresql":
        statements = POSTGRES_STATEMENTS
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
            fresh = cursor.fetchone() is None
        statements = SQLITE_STATEMENTS
        if fresh:
            # Documents already stored (a table rebuilt by a later migration) go into the new index.
            statements = [*statements, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"]  # noqa: S608
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_search_schema(connection: BaseDatabaseWrapper) -> None:
    statements = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
