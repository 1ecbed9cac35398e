"""Writes a bulk job puts off to the end of its chunk: one statement per table instead of one per row.

An intake chunk (a batch of a Maildir import) opens tickets one after another in one transaction. Rows that
nothing reads back before the commit — audit entries, ticket history, outbox events, SLA timer events — and
work that is cheaper for many objects at once — search documents — are collected while a ``deferring()`` block
is open and written when it ends, still inside the transaction. Outside such a block every call writes at once.

``attempt()`` marks one unit of work inside the block (a message in its savepoint): what it collected is
dropped when it fails, exactly as its savepoint's own rows are.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

Flusher = Callable[[list[Any]], None]


@dataclass
class _Pending:
    inserts: list[models.Model] = field(default_factory=list)
    later: list[tuple[Flusher, Any]] = field(default_factory=list)
    # Look-ups a service may keep for the rest of the block (valid inside its transaction); cleared when an
    # attempt fails, since what it read or locked went with its savepoint.
    memo: dict[Hashable, Any] = field(default_factory=dict)
    attempts: int = 0  # how many attempt() blocks are open


_current: ContextVar[_Pending | None] = ContextVar("hotline_batching", default=None)


def active() -> bool:
    return _current.get() is not None


def insert[M: models.Model](obj: M) -> M:
    """Insert ``obj`` now, or at the end of the open ``deferring()`` block (its pk is unset until then)."""
    pending = _current.get()
    if pending is None:
        obj.save(force_insert=True)
    else:
        pending.inserts.append(obj)
    return obj


def insert_many[M: models.Model](objs: Sequence[M]) -> None:
    """Like ``insert`` for several rows of one model (one statement either way)."""
    if not objs:
        return
    pending = _current.get()
    if pending is None:
        type(objs[0])._default_manager.bulk_create(objs)
    else:
        pending.inserts.extend(objs)


def later(flusher: Flusher, item: Any) -> None:
    """``flusher([item])`` now, or once with every item given it when the open block ends (in order given)."""
    pending = _current.get()
    if pending is None:
        flusher([item])
    else:
        pending.later.append((flusher, item))


def memo() -> dict[Hashable, Any] | None:
    """The open block's scratch space for look-ups valid until it ends (None outside a block)."""
    pending = _current.get()
    return pending.memo if pending is not None else None


@contextlib.contextmanager
def deferring() -> Iterator[None]:
    """Collect deferred writes until the block ends, then write them (inside the caller's transaction).

    Nested blocks join the outermost one. When the block raises, nothing collected is written.
    """
    if _current.get() is not None:
        yield
        return
    pending = _Pending()
    token = _current.set(pending)
    try:
        yield
    finally:
        _current.reset(token)
    _flush(pending)


@contextlib.contextmanager
def attempt() -> Iterator[None]:
    """One unit of work in the open block: when it raises, what it collected is dropped."""
    pending = _current.get()
    if pending is None:
        yield
        return
    inserts, later_items = len(pending.inserts), len(pending.later)
    pending.attempts += 1
    try:
        yield
    except BaseException:
        del pending.inserts[inserts:]
        del pending.later[later_items:]
        pending.memo.clear()
        raise
    finally:
        pending.attempts -= 1


def atomic[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service a bulk job calls once per unit of work: inside an ``attempt()`` (which
    its caller wraps in a savepoint of its own) no savepoint of its own, two statements less per call. A failure
    then rolls back the whole attempt, which is what its caller does with one anyway.

    Only for services that do not catch a failure of their own writes and carry on.
    """

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        pending = _current.get()
        with transaction.atomic(savepoint=pending is None or pending.attempts == 0):
            return func(*args, **kwargs)

    return inner


def _flush(pending: _Pending) -> None:
    """Rows first (grouped by model, in the order each model first came), then the flushers with their items.

    A flusher may defer more (a search document's words for the typo dictionary): the block stays open while the
    flushers run and is flushed again until nothing is left, so each kind of write is still one statement.
    """
    token = _current.set(pending)
    try:
        while pending.inserts or pending.later:
            inserts, pending.inserts = pending.inserts, []
            later, pending.later = pending.later, []
            by_model: dict[type[models.Model], list[models.Model]] = {}
            for obj in inserts:
                by_model.setdefault(type(obj), []).append(obj)
            for model, rows in by_model.items():
                model._default_manager.bulk_create(rows)
            by_flusher: dict[Flusher, list[Any]] = {}
            for flusher, item in later:
                by_flusher.setdefault(flusher, []).append(item)
            for flusher, items in by_flusher.items():
                flusher(items)
    finally:
        _current.reset(token)
