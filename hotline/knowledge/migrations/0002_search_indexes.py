"""Full-text search objects Django's models cannot declare, per database (vendor-guarded).

PostgreSQL: ``pg_trgm`` (a trusted extension since PostgreSQL 13: the database owner may create it), one
partial GIN index over the weighted vectors per kind of document, and a trigram GIN index over the typo
dictionary. SQLite: an FTS5 table over the documents' Snowball stems, kept in step by triggers.
The statements are frozen here; ``hotline.knowledge.search.schema`` holds the same for re-creating
anything a later table rebuild drops.
"""

from django.db import migrations

DOC = "knowledge_searchdocument"
FTS = "knowledge_search_fts"
COLS = "title_stems, body_stems, internal_stems"
NEW = "new.title_stems, new.body_stems, new.internal_stems"
OLD = "old.title_stems, old.body_stems, old.internal_stems"
KINDS = ("ticket", "contact", "article")

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(f"CREATE INDEX IF NOT EXISTS search_{k}_fts ON {DOC} USING gin (vector) WHERE kind = '{k}'" for k in KINDS),
    "CREATE INDEX IF NOT EXISTS search_term_trgm ON knowledge_searchterm USING gin (word gin_trgm_ops)",
]
POSTGRES_DROP = [*(f"DROP INDEX IF EXISTS search_{k}_fts" for k in KINDS), "DROP INDEX IF EXISTS search_term_trgm"]
SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({COLS}, content='{DOC}', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_ai AFTER INSERT ON {DOC} BEGIN "
    f"INSERT INTO {FTS}(rowid, {COLS}) VALUES (new.id, {NEW}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_ad AFTER DELETE ON {DOC} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {COLS}) VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_search_au AFTER UPDATE ON {DOC} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {COLS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO {FTS}(rowid, {COLS}) VALUES (new.id, {NEW}); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
