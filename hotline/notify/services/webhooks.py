"""Outgoing webhooks: an administrator's endpoints, signed deliveries of events, retries and replay.

Each POST carries the event as JSON and two headers a receiver checks:
``X-Hotline-Timestamp: <unix seconds>`` and ``X-Hotline-Signature: sha256=<hex>``, the HMAC-SHA256 of
``"<timestamp>." + body`` under the webhook's secret (``verify_signature`` is the reference check).
A receiver rejects timestamps older than a few minutes, so a captured request cannot be replayed.
``X-Hotline-Event-Id`` stays the same across retries and replays: receivers deduplicate by it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import Event, current_event_id, to_payload
from hotline.core.models import AuditLog, User
from hotline.desk import events as desk_events
from hotline.desk.models import Ticket
from hotline.notify import labels, links
from hotline.notify.models import RETRYABLE, DeliveryStatus, Webhook, WebhookDelivery
from hotline.notify.services import delivery
from hotline.sla import events as sla_events

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10
RESPONSE_MAX = 2000
SECRET_MIN = 16

# Events a webhook can subscribe to.
EVENT_TYPES: list[type[Event]] = [
    desk_events.TicketOpened,
    desk_events.TicketAssigned,
    desk_events.TicketStatusChanged,
    desk_events.TicketUpdated,
    desk_events.TicketEscalated,
    desk_events.TicketTransferred,
    desk_events.MessageAdded,
    desk_events.TicketMerged,
    desk_events.TicketRated,
    sla_events.SlaWarning,
    sla_events.SlaBreached,
]


def event_names() -> list[str]:
    return [cls.name for cls in EVENT_TYPES]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    *, secret: str, body: bytes, timestamp: str, signature: str, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("Адрес вебхука — URL вида https://host/path", field="url")
    if len(url) > 500:
        raise ValidationFailed("Адрес не длиннее 500 символов", field="url")
    return url


def _clean_events(event_types: Sequence[str]) -> list[str]:
    known = event_names()
    unknown = [name for name in event_types if name not in known]
    if unknown:
        raise ValidationFailed(f"Неизвестные события: {', '.join(unknown)}", field="event_types")
    chosen = [name for name in known if name in set(event_types)]
    if not chosen:
        raise ValidationFailed("Выберите хотя бы одно событие", field="event_types")
    return chosen


@transaction.atomic
def save_webhook(
    *,
    actor: User | None,
    webhook: Webhook | None = None,
    name: str,
    url: str,
    event_types: Sequence[str],
    secret: str = "",
    is_active: bool = True,
) -> Webhook:
    """Register or change a webhook; a new one without a secret gets a generated one.

    Raises:
        Forbidden: the actor is not an administrator.
        ValidationFailed: an empty name, a URL that is not http(s), unknown or no events, a short secret.
    """
    if not roles.is_admin(actor):
        raise Forbidden("Вебхуки настраивает администратор")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Название от 1 до 120 символов", field="name")
    values: dict[str, Any] = {
        "name": name,
        "url": _clean_url(url),
        "event_types": _clean_events(event_types),
        "is_active": bool(is_active),
    }
    secret = (secret or "").strip()
    if secret:
        if len(secret) < SECRET_MIN:
            raise ValidationFailed(f"Секрет не короче {SECRET_MIN} символов", field="secret")
        values["secret"] = secret
    elif webhook is None:
        values["secret"] = generate_secret()
    if webhook is None:
        webhook = Webhook.objects.create(created_by=actor, **values)
        action = AuditLog.Action.CREATE
        changed = sorted(values)
    else:
        changed = [k for k, v in values.items() if getattr(webhook, k) != v]
        for key, value in values.items():
            setattr(webhook, key, value)
        webhook.save(update_fields=list(values))
        action = AuditLog.Action.UPDATE
    # The secret itself never goes into the audit log.
    audit.record(actor=actor, action=action, obj=webhook, summary=f"webhook {name}", changes={"fields": changed})
    return webhook


def _ticket_snapshot(ticket_id: int) -> dict[str, Any] | None:
    ticket = Ticket.objects.select_related("queue", "assignee").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": labels.status_label(ticket.status, "ru"),
        "priority": ticket.priority,
        "queue": {"id": ticket.queue_id, "name": ticket.queue.name},
        "assignee": None
        if ticket.assignee is None
        else {"id": ticket.assignee.pk, "name": ticket.assignee.display_name},
        "url": links.agent_ticket_url(ticket),
    }


def queue_webhooks(event: Event) -> None:
    """Outbox subscriber: one pending delivery per active webhook that wants this event."""
    hooks = [hook for hook in Webhook.objects.filter(is_active=True) if hook.wants(event.name)]
    if not hooks:
        return
    event_id = current_event_id() or uuid.uuid4()
    payload: dict[str, Any] = {
        "id": str(event_id),
        "event": event.name,
        "occurred_at": timezone.now().isoformat(),
        "data": to_payload(event),
    }
    ticket_id = getattr(event, "ticket_id", None)
    if isinstance(ticket_id, int):
        payload["ticket"] = _ticket_snapshot(ticket_id)
    rows = [WebhookDelivery(webhook=hook, event_id=event_id, event_name=event.name, payload=payload) for hook in hooks]
    # The unique (webhook, event) pair makes a second run of this event add nothing.
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    _schedule_send([row.pk for row in rows])


def _schedule_send(ids: Sequence[uuid.UUID]) -> None:
    from hotline.celery import enqueue_on_commit
    from hotline.notify.tasks import send_webhook_task

    for pk in ids:
        enqueue_on_commit(send_webhook_task, str(pk))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a detour: following it would re-send (or drop) the signed body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(row: WebhookDelivery) -> tuple[int, str]:
    body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s) when saved
        row.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Hotline-Webhooks/1",
            "X-Hotline-Event": row.event_name,
            "X-Hotline-Event-Id": str(row.event_id),
            "X-Hotline-Delivery": str(row.pk),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(row.webhook.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status), response.read(RESPONSE_MAX).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read(RESPONSE_MAX).decode(errors="replace")


def send_webhook(row: WebhookDelivery) -> bool:
    """POST one claimed delivery and record the outcome; returns whether the receiver accepted it (2xx)."""
    started = time.monotonic()
    try:
        status, text = _post(row)
    except (OSError, ValueError) as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        delivery.record_failure(row, f"{type(exc).__name__}: {exc}", duration_ms=elapsed, response_status=None)
        return False
    elapsed = int((time.monotonic() - started) * 1000)
    if 200 <= status < 300:
        delivery.record_success(row, response_status=status, response_body=text, duration_ms=elapsed)
        return True
    delivery.record_failure(row, f"HTTP {status}", response_status=status, response_body=text, duration_ms=elapsed)
    return False


def send_webhooks(ids: Iterable[Any]) -> tuple[int, int]:
    """Send the given deliveries that are still due; returns (accepted, failed)."""
    ok = failed = 0
    for pk in ids:
        if not delivery.claim(WebhookDelivery, pk):
            continue
        row = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        if send_webhook(row):
            ok += 1
        else:
            failed += 1
    return ok, failed


def send_due_webhooks(*, limit: int = 200) -> tuple[int, int]:
    return send_webhooks(delivery.due_ids(WebhookDelivery, limit=limit))


def _ensure_admin(actor: User | None) -> None:
    if not roles.is_admin(actor):
        raise Forbidden("Журнал вебхуков доступен администратору")


@transaction.atomic
def replay_webhook(*, actor: User | None, row: WebhookDelivery) -> WebhookDelivery:
    """Send the same event to the same webhook again, as a new delivery in the log.

    Raises:
        Forbidden: the actor is not an administrator.
    """
    _ensure_admin(actor)
    original = row.replay_of or row
    replay = WebhookDelivery.objects.create(
        webhook=row.webhook,
        event_id=row.event_id,
        event_name=row.event_name,
        payload=row.payload,
        replay_of=original,
    )
    audit.record(
        actor=actor, action=AuditLog.Action.CREATE, obj=replay, summary=f"replay of {row.event_name} ({original.pk})"
    )
    _schedule_send([replay.pk])
    return replay


@transaction.atomic
def retry_webhook(*, actor: User | None, row: WebhookDelivery) -> WebhookDelivery:
    """Make a failed delivery due now.

    Raises:
        Forbidden: the actor is not an administrator.
        Conflict: it was already delivered or cancelled (replay it instead).
    """
    _ensure_admin(actor)
    row = WebhookDelivery.objects.select_for_update().get(pk=row.pk)
    if row.status not in RETRYABLE:
        raise Conflict("Доставка уже выполнена или отменена; используйте повтор")
    row.next_attempt_at = timezone.now()
    row.save(update_fields=["next_attempt_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, summary="retry webhook delivery")
    return row


@transaction.atomic
def cancel_webhook_delivery(*, actor: User | None, row: WebhookDelivery) -> WebhookDelivery:
    """Stop retrying a delivery, on record.

    Raises:
        Forbidden: the actor is not an administrator.
        Conflict: it was already delivered.
    """
    _ensure_admin(actor)
    row = WebhookDelivery.objects.select_for_update().get(pk=row.pk)
    if row.status == DeliveryStatus.SENT:
        raise Conflict("Доставка уже выполнена")
    row.status = DeliveryStatus.CANCELLED
    row.next_attempt_at = None
    row.save(update_fields=["status", "next_attempt_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, summary="cancel webhook delivery")
    return row
