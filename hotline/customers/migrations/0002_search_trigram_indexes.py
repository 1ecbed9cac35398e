"""PostgreSQL only: trigram indexes so «contains» name search is an index scan, not a table scan.

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may create it. SQLite
skips this migration; its search scans the table, which is fine at embedded-mode sizes.
"""

from django.db import migrations

INDEXES = [
    ("contact_search_trgm", "customers_contact"),
    ("organisation_search_trgm", "customers_organisation"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_name gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
