"""Configuration that every new ticket reads, cached per process and checked with one primary-key read.

Routing rules, the priority matrix, SLA policies and their conditions change a few times a month and are read
on every ticket. A process keeps what it built from them, under the *token* of the one ``ConfigurationVersion``
row it was built under:

    rules = config_cache.cached("desk.routing", load_rules)   # one indexed read when nothing changed

Any write to a watched model (``watch`` connects ``post_save``, ``post_delete`` and ``m2m_changed``; a service
that changes such rows with ``QuerySet.update`` calls ``changed()`` itself) writes a new random token in the
writer's transaction, so:

- another process (uvicorn worker, Celery worker) sees the new token exactly when it sees the new rows — the
  token and the rows commit together — and builds its copy again;
- a rolled-back change leaves a token nobody will ever write again, so nothing built inside that transaction
  is reused afterwards (a counter could be incremented to the same value by the next change);
- a missing row (a flushed test database) is created with a new token, which matches no cached copy.

Inside ``pinned()`` (opening a ticket) the token is read once for the whole block instead of once per lookup.
Cached values are shared between threads: they must be immutable, or handed out as copies.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.db.models import Model, signals

from hotline.core.models import ConfigurationVersion

ROW_ID = 1
_UNREAD = object()

_lock = threading.Lock()
_cache: dict[str, tuple[str, Any]] = {}
# The token read for the current pinned block (``_UNREAD`` until first needed); None outside one.
_pinned: ContextVar[list[Any] | None] = ContextVar("hotline_config_token", default=None)


def _read_token() -> str:
    # Raw SQL: this runs on every ticket, and the ORM's query compilation would cost more than the read.
    table = connection.ops.quote_name(ConfigurationVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = %s", [ROW_ID])  # noqa: S608 - a model's table name
        row = cursor.fetchone()
    if row is not None:
        return str(row[0])
    # No row (a flushed or freshly synced test database): a new token, so nothing cached before is reused.
    ConfigurationVersion.objects.bulk_create(
        [ConfigurationVersion(pk=ROW_ID, token=uuid.uuid4().hex)], ignore_conflicts=True
    )
    return ConfigurationVersion.objects.values_list("token", flat=True).get(pk=ROW_ID)


def current_token() -> str:
    """The token the database holds now (or the one pinned for this block)."""
    holder = _pinned.get()
    if holder is None:
        return _read_token()
    if holder[0] is _UNREAD:
        holder[0] = _read_token()
    token: str = holder[0]
    return token


def cached[T](key: str, loader: Callable[[], T]) -> T:
    """``loader()``'s result, rebuilt only when the configuration changed since it was built in this process."""
    token = current_token()
    entry = _cache.get(key)
    if entry is not None and entry[0] == token:
        value: T = entry[1]
        return value
    value = loader()
    with _lock:
        _cache[key] = (token, value)
    return value


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """Read the token at most once in this block (nested blocks share the outer one's)."""
    if _pinned.get() is not None:
        yield
        return
    reset = _pinned.set([_UNREAD])
    try:
        yield
    finally:
        _pinned.reset(reset)


def changed() -> None:
    """Configuration changed in the current transaction: every process builds its copies again after commit."""
    token = uuid.uuid4().hex
    if not ConfigurationVersion.objects.filter(pk=ROW_ID).update(token=token):
        ConfigurationVersion.objects.update_or_create(pk=ROW_ID, defaults={"token": token})
    holder = _pinned.get()
    if holder is not None:
        holder[0] = token
    with _lock:
        _cache.clear()


def clear_local() -> None:
    """Forget this process's copies (tests that write configuration around the ORM)."""
    with _lock:
        _cache.clear()


def _on_change(sender: type[Model], **kwargs: Any) -> None:
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: act once, after the rows changed
    changed()


def watch(*models: type[Model], deletes_only: bool = False) -> None:
    """Changes to these models (and to rows of an m2m ``through`` model) invalidate every cached copy.

    ``deletes_only``: for rows the configuration merely points at through an m2m (an organisation in an SLA
    condition): Django deletes the ``through`` rows of a cascade without any signal, so the delete of the row
    itself has to tell, while its everyday edits need not.
    """
    for model in models:
        uid = f"hotline.config_cache.{model._meta.label}"
        signals.post_delete.connect(_on_change, sender=model, weak=False, dispatch_uid=uid + ".delete")
        if deletes_only:
            continue
        signals.post_save.connect(_on_change, sender=model, weak=False, dispatch_uid=uid + ".save")
        signals.m2m_changed.connect(_on_change, sender=model, weak=False, dispatch_uid=uid + ".m2m")
