"""Sends queued mail through the configured mailer (SMTP in production) and records each outcome.

A row is claimed before it is sent, so two senders never send it twice at once; a send that fails
keeps its error and is retried with backoff (``delivery.record_failure``). Errors the receiving
server calls permanent (5xx) are not retried automatically but stay visible for an administrator.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from hotline.core import audit
from hotline.core.errors import Conflict
from hotline.core.models import AuditLog, User
from hotline.notify.models import RETRYABLE, DeliveryStatus, EmailDelivery
from hotline.notify.services import delivery

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {len(self.sent)}, failed {len(self.failed)}"


class PermanentError(Exception):
    """The message cannot be delivered as it is (a file gone, an address the server refuses)."""


def build_message(row: EmailDelivery) -> EmailMultiAlternatives:
    """The mail as it goes out: our Message-ID, the thread's In-Reply-To/References, attachments."""
    headers = {"Message-ID": f"<{row.message_id}>", **row.extra_headers}
    if row.in_reply_to:
        headers["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        headers["References"] = " ".join(f"<{mid}>" for mid in row.references.split())
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=[row.recipient_email],
        headers=headers,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments.all():
        try:
            with attachment.file.open("rb") as handle:
                content = handle.read()
        except (FileNotFoundError, ValueError) as exc:
            raise PermanentError(f"вложение «{attachment.original_name}» недоступно: {exc}") from exc
        message.attach(attachment.original_name, content, attachment.content_type or None)
    return message


def _is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, PermanentError | ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for address, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def _mailer() -> BaseEmailBackend:
    return mailers[getattr(settings, "HOTLINE_NOTIFY_MAILER", "default")]


def _connection_lost(exc: BaseException) -> bool:
    # A refused recipient or a rejected message leaves the session usable; anything else may not.
    return not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused | PermanentError)


def send_emails(ids: Iterable[int]) -> SendReport:
    """Send the given deliveries that are still due, over one connection; returns what happened."""
    report = SendReport()
    claimed = [pk for pk in ids if delivery.claim(EmailDelivery, pk)]
    if not claimed:
        return report
    rows = list(EmailDelivery.objects.filter(pk__in=claimed).order_by("created_at", "id"))
    connection = _mailer()
    try:
        connection.open()
    except OSError as exc:
        # The server is not there: every claimed mail records why and waits for its next attempt.
        for row in rows:
            delivery.record_failure(row, _describe(exc))
            report.failed.append(row.pk)
        logger.warning("mail server unavailable, %d mail(s) postponed: %s", len(rows), exc)
        return report
    try:
        for row in rows:
            try:
                message = build_message(row)
                connection.send_messages([message])
            except (OSError, ValueError, PermanentError) as exc:
                delivery.record_failure(row, _describe(exc), permanent=_is_permanent(exc))
                report.failed.append(row.pk)
                logger.warning("mail %s to %s failed: %s", row.pk, row.recipient_email, _describe(exc))
                if _connection_lost(exc):
                    connection.close()
                    # If the server is gone for good, the next row fails to send and says so.
                    with contextlib.suppress(OSError):
                        connection.open()
            else:
                delivery.record_success(row)
                report.sent.append(row.pk)
    finally:
        try:
            connection.close()
        except OSError:
            logger.debug("closing the mail connection failed", exc_info=True)
    return report


def send_due_emails(*, limit: int = 200) -> SendReport:
    """Send every mail whose (next) attempt is due, oldest first, at most ``limit``."""
    return send_emails(delivery.due_ids(EmailDelivery, limit=limit))


@transaction.atomic
def retry_email(*, actor: User | None, row: EmailDelivery) -> EmailDelivery:
    """Make a failed or pending mail due now (an administrator or the ticket's agent asked).

    Raises:
        Conflict: the mail was already sent or was cancelled.
    """
    row = EmailDelivery.objects.select_for_update().get(pk=row.pk)
    if row.status not in RETRYABLE:
        raise Conflict("Письмо уже отправлено или отменено")
    row.next_attempt_at = timezone.now()
    row.save(update_fields=["next_attempt_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, summary=f"retry mail to {row.recipient_email}")
    return row


@transaction.atomic
def cancel_email(*, actor: User | None, row: EmailDelivery) -> EmailDelivery:
    """Stop trying to send a mail, on purpose and on record.

    Raises:
        Conflict: the mail was already sent.
    """
    row = EmailDelivery.objects.select_for_update().get(pk=row.pk)
    if row.status == DeliveryStatus.SENT:
        raise Conflict("Письмо уже отправлено")
    row.status = DeliveryStatus.CANCELLED
    row.next_attempt_at = None
    row.save(update_fields=["status", "next_attempt_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, summary=f"cancel mail to {row.recipient_email}")
    return row
