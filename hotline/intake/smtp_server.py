"""The inbound SMTP/LMTP server (aiosmtpd): organisations point an MX record or a forwarding rule at it.

Recipients are checked at RCPT time: an address that is not an active SMTP mailbox of ours is refused with 550,
so the sender's server bounces it to the sender at once — nothing is dropped silently. After DATA each message
goes through ``ingest_raw`` (in a worker thread: the ORM is synchronous) and the client hears 250 only after the
outcome is committed; if the database is unavailable it hears 451 and retries later. A message larger than
``HOTLINE_MAIL_MAX_BYTES`` is refused with 552 by aiosmtpd itself. LMTP answers once per recipient.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.services.ingest import ingest_raw

logger = logging.getLogger(__name__)
WORKERS = 4


def recipient_mailbox(address: str) -> Mailbox | None:
    """The active SMTP mailbox for an envelope recipient; ``support+tag@…`` is ``support@…``."""
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    if not at:
        return None
    candidates = [f"{local}@{domain}"]
    if "+" in local:
        candidates.append(f"{local.split('+', 1)[0]}@{domain}")
    found = {
        m.address: m
        for m in Mailbox.objects.filter(address__in=candidates, is_active=True, kind=MailboxKind.SMTP).select_related(
            "queue"
        )
    }
    return next((found[c] for c in candidates if c in found), None)


def _in_thread[T](function: Callable[[], T]) -> T:
    close_old_connections()  # a connection the database dropped meanwhile is replaced, not reused
    try:
        return function()
    finally:
        close_old_connections()


class InboundHandler:
    """aiosmtpd handler: accept mail for our SMTP mailboxes, take it in, answer after commit."""

    def __init__(self, *, lmtp: bool = False, executor: ThreadPoolExecutor | None = None) -> None:
        self.lmtp = lmtp
        self.executor = executor or ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="hotline-smtp")

    async def _run[T](self, function: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _in_thread, function)

    async def handle_RCPT(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            mailbox = await self._run(lambda: recipient_mailbox(address))
        except Exception:  # the database is away: the sender must retry, not bounce
            logger.exception("inbound smtp: recipient lookup for %s failed", address)
            return "451 4.3.0 Temporary failure, please try again later"
        if mailbox is None:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        mailboxes: dict[str, Mailbox] = getattr(envelope, "hotline_mailboxes", {})
        mailboxes[address] = mailbox
        envelope.hotline_mailboxes = mailboxes  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        raw = bytes(content if isinstance(content, bytes | bytearray) else str(content).encode("utf-8"))
        if envelope.mail_from is not None:
            # As a delivering MTA does: the envelope sender, which tells bounces ("<>") apart.
            raw = f"Return-Path: <{envelope.mail_from}>\r\n".encode("utf-8", "surrogateescape") + raw
        mailboxes: dict[str, Mailbox] = getattr(envelope, "hotline_mailboxes", {})
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        replies: list[str] = []
        done: dict[int, str] = {}
        for address in envelope.rcpt_tos:
            mailbox = mailboxes[address]
            if mailbox.pk not in done:
                done[mailbox.pk] = await self._take(mailbox, raw, peer)
            replies.append(done[mailbox.pk])
        if self.lmtp:
            return "\r\n".join(replies)
        # SMTP has one answer: temporary failure if any mailbox could not take it (retrying is harmless).
        return next((r for r in replies if not r.startswith("250")), "250 2.0.0 OK: queued as ticket")

    async def _take(self, mailbox: Mailbox, raw: bytes, peer: str) -> str:
        try:
            result = await self._run(
                lambda: ingest_raw(mailbox=mailbox, raw=raw, source="smtp", source_ref=f"smtp:{peer}")
            )
        except Exception:  # nothing could be stored: the sender keeps it and retries
            logger.exception("inbound smtp: could not store a message for %s", mailbox.address)
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 2.0.0 OK {result.inbound_id}"


def _tls_context() -> ssl.SSLContext | None:
    cert, key = settings.HOTLINE_SMTP_TLS_CERT, settings.HOTLINE_SMTP_TLS_KEY
    if not (cert and key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class InboundController(Controller):
    """aiosmtpd's threaded controller with our handler, SMTP or LMTP, size limit and optional STARTTLS."""

    def __init__(self, *, host: str, port: int, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(
            InboundHandler(lmtp=lmtp),
            hostname=host,
            port=port,
            data_size_limit=int(settings.HOTLINE_MAIL_MAX_BYTES),
            tls_context=_tls_context(),
            ident="Hotline inbound mail",
            **kwargs,
        )

    def factory(self) -> SMTP:
        options: dict[str, Any] = dict(self.SMTP_kwargs)
        if self.lmtp:
            return LMTP(self.handler, **options)
        return SMTP(self.handler, **options)


def serve(*, host: str, port: int, lmtp: bool = False, log: Callable[[str], object] = logger.info) -> None:
    """Run the server until SIGTERM or Ctrl-C (``hotline mailbox serve-smtp``)."""
    controller = InboundController(host=host, port=port, lmtp=lmtp)
    controller.start()
    log(f"{'LMTP' if lmtp else 'SMTP'} server for incoming mail on {host}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
