"""The event bus: typed events written to the outbox in the publisher's transaction.

Lower apps publish; upper apps subscribe in their ``AppConfig.ready``. A *sync* subscriber runs
inside the publishing transaction (its writes commit or roll back with the change). An *async*
subscriber runs later from the outbox, at least once, and is recorded per (event, subscriber) so
a redelivery does nothing twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from django.conf import settings
from django.db import transaction

from hotline.core import batching
from hotline.core.models import OutboxEvent

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event. Subclasses are frozen dataclasses named in the past tense."""

    name: ClassVar[str] = "event"
    actor_id: int | None = None


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]

_registry: dict[str, type[Event]] = {}
# The outbox row an async subscriber is handling: its stable id for idempotency keys and webhooks.
_current_event_id: ContextVar[UUID | None] = ContextVar("hotline_current_event_id", default=None)
_sync: dict[str, list[Handler]] = defaultdict(list)
_async: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


def register_event[E: Event](cls: type[E]) -> type[E]:
    """Class decorator: names the event ``<app>.<ClassName>`` and makes it loadable from the outbox."""
    app = cls.__module__.split(".")[1] if cls.__module__.startswith("hotline.") else cls.__module__
    cls.name = f"{app}.{cls.__name__}"
    _registry[cls.name] = cls
    return cls


def subscribe[E: Event](event_type: type[E], handler: Callable[[E], None], *, mode: str = "async") -> None:
    if mode == "sync":
        if handler not in _sync[event_type.name]:
            _sync[event_type.name].append(handler)
    elif mode == "async":
        key = f"{handler.__module__}.{handler.__qualname__}"
        if all(existing != key for existing, _ in _async[event_type.name]):
            _async[event_type.name].append((key, handler))
    else:
        raise ValueError(f"unknown subscription mode {mode!r}")


def current_event_id() -> UUID | None:
    """The outbox id of the event being delivered to an async subscriber (None outside one)."""
    return _current_event_id.get()


@contextlib.contextmanager
def delivering(event_id: UUID) -> Iterator[None]:
    token = _current_event_id.set(event_id)
    try:
        yield
    finally:
        _current_event_id.reset(token)


def async_subscribers(name: str) -> list[tuple[str, Handler]]:
    return list(_async.get(name, []))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def to_payload(event: Event) -> dict[str, Any]:
    return {f.name: _jsonable(getattr(event, f.name)) for f in dataclasses.fields(event)}


def from_payload(name: str, payload: dict[str, Any]) -> Event:
    cls = _registry[name]
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in payload.items() if k in known})


def publish(event: Event) -> OutboxEvent:
    """Write the event to the outbox and run sync subscribers, inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{event.name} must be published inside a transaction")
    # The id is made here, so a delivery can be queued before a bulk job's deferred row is written.
    row = batching.insert(OutboxEvent(name=event.name, payload=to_payload(event)))
    for handler in _sync.get(event.name, []):
        handler(event)
    if _async.get(event.name) and getattr(settings, "HOTLINE_OUTBOX_INLINE", False):
        from hotline.core.outbox import deliver_event

        transaction.on_commit(lambda: deliver_event(row.pk), robust=True)
    elif _async.get(event.name) and getattr(settings, "HOTLINE_OUTBOX_ENQUEUE", False):
        # With a broker a worker delivers it right after commit; the periodic poll catches anything missed.
        from hotline.core.tasks import enqueue_outbox_delivery

        enqueue_outbox_delivery(row.pk)
    return row
