"""Notify's Celery tasks: send one queued mail or webhook delivery right after it is queued, and a
periodic sweep that sends whatever is due (retries after backoff, anything a lost task left behind).

Ids in, idempotent: a delivery is claimed before it is sent, so a duplicate task finds nothing to do.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings

from hotline.celery import app
from hotline.core import periodic
from hotline.notify.services.sending import send_due_emails, send_emails
from hotline.notify.services.webhooks import send_due_webhooks, send_webhooks

# An SMTP exchange or an HTTP POST with its timeout, for a batch: well under the worker's limit.
SEND_TIME_LIMIT = 120


@app.task(name="notify.send_email", time_limit=SEND_TIME_LIMIT, soft_time_limit=SEND_TIME_LIMIT - 20)
def send_email_task(delivery_id: int) -> str:
    return str(send_emails([int(delivery_id)]))


@app.task(name="notify.send_webhook", time_limit=SEND_TIME_LIMIT, soft_time_limit=SEND_TIME_LIMIT - 20)
def send_webhook_task(delivery_id: str) -> str:
    ok, failed = send_webhooks([UUID(str(delivery_id))])
    return f"sent {ok}, failed {failed}"


def _send_due() -> str:
    mail = send_due_emails()
    ok, failed = send_due_webhooks()
    return f"mail: {mail}; webhooks: sent {ok}, failed {failed}"


@app.task(name="notify.send_due_notifications", time_limit=300, soft_time_limit=270)
def send_due_notifications_task() -> str:
    """Send the mail and webhooks whose (next) attempt is due, once per slot across all workers."""
    run = periodic.run_once_per_slot("notify.send_due_notifications", settings.HOTLINE_NOTIFY_SEND_SECONDS, _send_due)
    return "skipped" if run is None else run.result
