"""Bulk writers: rows as tuples straight into a table, COPY on PostgreSQL, ``executemany`` on SQLite.

The ORM's ``bulk_create`` builds a model instance per row; at a million tickets and several million messages
that alone takes longer than the database needs to store them. Here a table is described once from the model
(its concrete columns, in order); the generator fills the columns it cares about and every other column gets
the field's default, prepared once, so a column another engineer adds with a default keeps the loader working.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

UTC = datetime.UTC
SQLITE_CHUNK = 5_000


def _sqlite_datetime(value: datetime.datetime | None) -> str | None:
    # Django's SQLite backend keeps naive UTC text, e.g. "2025-01-31 09:15:00.123456".
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


class Table:
    """One model's table: ``columns`` the generator supplies (attnames), the rest from the field defaults."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__}: no such columns {unknown}")
        self.model = model
        self.name = model._meta.db_table
        self.supplied = list(columns)
        rest = [f for name, f in fields.items() if name not in columns]
        self.defaults = tuple(self._default(f) for f in rest)
        self.db_columns = [fields[c].column for c in columns] + [f.column for f in rest]
        self.vendor = connection.vendor
        self._prep: list[Callable[[Any], Any] | None] = [self._converter(fields[c]) for c in columns]
        self._needs_prep = any(p is not None for p in self._prep)
        self.rows = 0

    def _default(self, field: models.Field[Any, Any]) -> Any:
        return field.get_db_prep_save(field.get_default(), connection)

    def _converter(self, field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        """What a supplied Python value needs before the driver takes it (None: nothing)."""
        if connection.vendor == "sqlite":
            if isinstance(field, models.DateTimeField):
                return _sqlite_datetime
            if isinstance(field, models.UUIDField):
                return lambda v: v.hex if isinstance(v, uuid.UUID) else v
            if isinstance(field, models.JSONField):
                return lambda v: json.dumps(v, ensure_ascii=False)
            return None
        if isinstance(field, models.JSONField):
            from psycopg.types.json import Jsonb

            return Jsonb
        return None

    def _prepared(self, rows: Iterable[Sequence[Any]]) -> Iterable[tuple[Any, ...]]:
        defaults = self.defaults
        if not self._needs_prep:
            for row in rows:
                yield (*row, *defaults)
            return
        prep = self._prep
        for row in rows:
            yield (*(p(v) if p is not None else v for p, v in zip(prep, row, strict=True)), *defaults)

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order); returns how many."""
        count = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cols = ", ".join(f'"{c}"' for c in self.db_columns)
                with cursor.cursor.copy(f'COPY "{self.name}" ({cols}) FROM STDIN') as copy:
                    for row in self._prepared(rows):
                        copy.write_row(row)
                        count += 1
            else:
                cols = ", ".join(f'"{c}"' for c in self.db_columns)
                marks = ", ".join("?" for _ in self.db_columns)
                sql = f'INSERT INTO "{self.name}" ({cols}) VALUES ({marks})'  # noqa: S608
                chunk: list[tuple[Any, ...]] = []
                # The driver's own executemany: Django's wrapper would rewrite the placeholders on every call.
                raw = cursor.cursor
                for row in self._prepared(rows):
                    chunk.append(row)
                    if len(chunk) >= SQLITE_CHUNK:
                        sqlite3.Cursor.executemany(raw, sql, chunk)
                        count += len(chunk)
                        chunk.clear()
                if chunk:
                    sqlite3.Cursor.executemany(raw, sql, chunk)
                    count += len(chunk)
        self.rows += count
        return count


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """After rows were written with explicit ids, the next id the database hands out follows them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class DeferredIndexes:
    """PostgreSQL: the secondary indexes and foreign keys of some tables dropped for a bulk load, rebuilt after.

    Each row COPY'd into a table with 17 indexes updates 17 B-trees at random places, and each deferred foreign
    key queues a check that runs row by row at commit; building an index over the loaded table is one sort, and
    adding a foreign key back checks every row in one join. Primary keys and unique constraints stay (other
    tables' foreign keys depend on them). The definitions come from the catalogue, so an index another app adds
    is rebuilt as it was declared. Nothing happens on SQLite (its loads are bound by the generator).
    """

    def __init__(self, model_list: Sequence[type[models.Model]]) -> None:
        self.tables = [m._meta.db_table for m in model_list]
        self.indexes: list[tuple[str, str]] = []  # (name, CREATE INDEX …)
        self.foreign_keys: list[tuple[str, str, str]] = []  # (table, name, FOREIGN KEY … definition)
        self.rebuild_seconds = 0.0

    def drop(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
                ORDER BY 1, 2
                """,
                [self.tables],
            )
            self.foreign_keys = [(t, n, d) for t, n, d in cursor.fetchall()]
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid::regclass::text = ANY(%s)
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint c
                      WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
                  )
                ORDER BY 1
                """,
                [self.tables],
            )
            self.indexes = [(n, d) for n, d in cursor.fetchall()]
            for table, name, _ in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {name}")

    def rebuild(self) -> None:
        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Room to sort each index in memory (one session, for the length of the rebuild).
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("RESET maintenance_work_mem")
        self.rebuild_seconds = time.perf_counter() - started
