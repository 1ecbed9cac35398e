"""IMAP polling: fetch new mail of each mailbox's folders, commit it, and only then tell the server.

Per folder the poller remembers UIDVALIDITY and the last UID taken (``MailboxFolder``). Messages are fetched with
``BODY.PEEK[]`` (the server's Seen flag stays as it was) a chunk at a time; the chunk goes through ``ingest_raw``
in one transaction (committed), then each message is marked seen, moved or deleted as the mailbox says, then the
folder's last UID advances. A poller killed anywhere in between re-fetches the chunk next time, and the dedupe key
recognises what was taken: acknowledged again, not taken twice.

The first poll of a folder (or after the server changed UIDVALIDITY) takes only the unseen messages, so connecting
a mailbox with years of read mail does not turn that history into tickets. Two pollers of one mailbox are kept
apart by a lease on the mailbox row; ``poll_forever`` waits with IMAP IDLE between polls where the server has it.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from hotline.intake.models import AfterImport, ImapSecurity, Mailbox, MailboxKind
from hotline.intake.services.ingest import chunk_transaction, ingest_raw
from hotline.intake.services.lookups import prefetch
from hotline.intake.services.mailboxes import (
    advance_folder,
    folder_state,
    record_poll,
    release_lease,
    take_lease,
    worker_name,
)

logger = logging.getLogger(__name__)
FETCH_CHUNK = 20
IDLE_MAX_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes
_UID = re.compile(rb"\bUID (\d+)")
_EXISTS = re.compile(rb"^\* \d+ (?:EXISTS|RECENT)", re.IGNORECASE)

IMAP_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.error, ssl.SSLError, EOFError)


class ImapProblem(Exception):
    """The server said no (a folder that does not exist, a refused login): shown to the administrator."""


POLL_ERRORS: tuple[type[BaseException], ...] = (ImapProblem, *IMAP_ERRORS)


@dataclass
class PollReport:
    mailbox: str
    fetched: int = 0
    taken: int = 0
    duplicates: int = 0
    skipped: bool = False
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "mailbox": self.mailbox,
            "fetched": self.fetched,
            "new": self.taken,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "error": self.error,
        }

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.mailbox}: polled elsewhere"
        if self.error:
            return f"{self.mailbox}: {self.error}"
        return f"{self.mailbox}: {self.taken} new, {self.duplicates} again"


# ------------------------------------------------------------------------------------------------- protocol bits


def encode_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3), quoted: «Входящие» → ``"&BBIEPQQ+BDQETwRJBDgENQ-"``."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = result
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise ImapProblem(f"{what}: {detail or status}")
    return data


def _tls_context(mailbox: Mailbox) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not mailbox.imap_verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection to the mailbox's server.

    Raises:
        ImapProblem: the server refused the login or STARTTLS.
        OSError, ssl.SSLError: the server cannot be reached, or its certificate is not trusted.
    """
    timeout = float(settings.HOTLINE_IMAP_TIMEOUT)
    security = mailbox.imap_security
    port = mailbox.imap_port or (993 if security == ImapSecurity.SSL else 143)
    client: imaplib.IMAP4
    if security == ImapSecurity.SSL:
        client = imaplib.IMAP4_SSL(mailbox.imap_host, port, ssl_context=_tls_context(mailbox), timeout=timeout)
    else:
        client = imaplib.IMAP4(mailbox.imap_host, port, timeout=timeout)
        if security == ImapSecurity.STARTTLS:
            if "STARTTLS" not in client.capabilities:
                client.shutdown()
                raise ImapProblem(_("Сервер не поддерживает STARTTLS"))
            client.starttls(ssl_context=_tls_context(mailbox))
    try:
        client.login(mailbox.imap_username, mailbox.imap_password)
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapProblem(_("Сервер отказал во входе: %(error)s") % {"error": exc}) from exc
    return client


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except IMAP_ERRORS:
        client.shutdown()


def _select(client: imaplib.IMAP4, folder: str) -> tuple[int, int]:
    """Open ``folder`` read-write; returns (UIDVALIDITY, UIDNEXT)."""
    _ok(client.select(encode_folder(folder)), _("папка «%(folder)s»") % {"folder": folder})
    return _number(client, "UIDVALIDITY"), _number(client, "UIDNEXT")


def _number(client: imaplib.IMAP4, name: str) -> int:
    values = client.untagged_responses.get(name) or [b"0"]
    value = values[-1]
    return int(value) if isinstance(value, bytes) and value.strip().isdigit() else 0


def _search(client: imaplib.IMAP4, criteria: str) -> list[int]:
    data = _ok(client.uid("SEARCH", criteria), _("поиск писем"))
    raw = data[0] if data and isinstance(data[0], bytes) else b""
    return sorted({int(token) for token in raw.split() if token.isdigit()})


def _fetch(client: imaplib.IMAP4, uids: Sequence[int]) -> dict[int, bytes]:
    data = _ok(client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"), _("получение писем"))
    found: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = _UID.search(item[0])
            if match is not None:
                found[int(match.group(1))] = bytes(item[1])
    return found


def _acknowledge(client: imaplib.IMAP4, mailbox: Mailbox, uid: int) -> bool:
    """Tell the server the message is in; True when an EXPUNGE is due at the end of the folder."""
    if mailbox.after_import == AfterImport.MOVE:
        target = encode_folder(mailbox.move_to_folder)
        if "MOVE" in client.capabilities:
            _ok(client.uid("MOVE", str(uid), target), _("перемещение письма"))
            return False
        _ok(client.uid("COPY", str(uid), target), _("копирование письма"))
        _ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen \Deleted)"), _("пометка письма"))
        return True
    if mailbox.after_import == AfterImport.DELETE:
        _ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen \Deleted)"), _("пометка письма"))
        return True
    _ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)"), _("пометка письма"))
    return False


def _expunge(client: imaplib.IMAP4, uids: Sequence[int]) -> None:
    if not uids:
        return
    if "UIDPLUS" in client.capabilities:
        # Only our messages: something else marked \Deleted by a person is not ours to remove.
        _ok(client.uid("EXPUNGE", ",".join(map(str, uids))), _("удаление писем"))
    else:
        _ok(client.expunge(), _("удаление писем"))


# ------------------------------------------------------------------------------------------------- polling


def _poll_folder(client: imaplib.IMAP4, mailbox: Mailbox, folder: str, report: PollReport, budget: int) -> int:
    """Take up to ``budget`` new messages of one folder; returns how many UIDs were dealt with."""
    validity, uidnext = _select(client, folder)
    state = folder_state(mailbox, folder)
    # First look at this folder (or the server renumbered it): only unseen mail, and the pass counts as done
    # once all of it is in; until then every poll looks for unseen mail again (what was taken is seen or gone).
    first_time = state.uid_validity != validity
    last = 0 if first_time else state.last_uid
    candidates = (
        _search(client, "UNSEEN") if first_time else [u for u in _search(client, f"UID {last + 1}:*") if u > last]
    )
    uids = candidates[: max(0, budget)]
    to_expunge: list[int] = []
    for start in range(0, len(uids), FETCH_CHUNK):
        chunk = uids[start : start + FETCH_CHUNK]
        fetched = _fetch(client, chunk)
        present = [(uid, fetched[uid]) for uid in chunk if uid in fetched]  # absent: deleted by someone meanwhile
        # One transaction per fetched chunk (each message in its own savepoint), its look-ups read once.
        with chunk_transaction():
            lookups = prefetch(mailbox.pk, (raw for _uid, raw in present))
            results = [
                ingest_raw(
                    mailbox=mailbox, raw=raw, source="imap", source_ref=f"{folder}:{validity}:{uid}", lookups=lookups
                )
                for uid, raw in present
            ]
        # Committed: only now may the server hear of them.
        for (uid, _raw), result in zip(present, results, strict=True):
            report.fetched += 1
            if result.duplicate:
                report.duplicates += 1
            else:
                report.taken += 1
            if _acknowledge(client, mailbox, uid):
                to_expunge.append(uid)
        last = max(last, *chunk)
        if not first_time:
            advance_folder(state, uid_validity=validity, last_uid=last)
    _expunge(client, to_expunge)
    if first_time and len(uids) == len(candidates):
        top = uidnext - 1 if uidnext else max(_search(client, "ALL") or [0])
        advance_folder(state, uid_validity=validity, last_uid=max(last, top))
    return len(uids)


def poll_mailbox(mailbox: Mailbox, *, budget: int | None = None) -> PollReport:
    """Take the new mail of one IMAP mailbox (all its folders); errors are recorded on the mailbox, not raised."""
    report = PollReport(mailbox=mailbox.address)
    owner = worker_name()
    if not take_lease(mailbox, owner=owner):
        report.skipped = True
        return report
    remaining = budget if budget is not None else int(settings.HOTLINE_MAIL_POLL_BATCH)
    try:
        client = connect(mailbox)
        try:
            for folder in mailbox.folders:
                remaining -= _poll_folder(client, mailbox, folder, report, remaining)
                if remaining <= 0:
                    break
        finally:
            _logout(client)
    except POLL_ERRORS as exc:
        report.error = _describe(exc)
        logger.warning("mailbox %s: %s", mailbox.address, report.error)
    finally:
        record_poll(mailbox, error=report.error)
        release_lease(mailbox, owner=owner)
    return report


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _("Сертификат сервера не прошёл проверку: %(error)s") % {"error": exc.verify_message or exc}
    if isinstance(exc, ConnectionRefusedError):
        return _("Сервер не принимает соединения")
    if isinstance(exc, socket.timeout | TimeoutError):
        return _("Сервер не ответил вовремя")
    if isinstance(exc, socket.gaierror):
        return _("Сервер не найден: %(error)s") % {"error": exc}
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, ImapProblem) else str(exc)


def imap_mailboxes() -> list[Mailbox]:
    return list(Mailbox.objects.filter(is_active=True, kind=MailboxKind.IMAP).select_related("queue").order_by("id"))


def poll_active_mailboxes(*, mailboxes: Sequence[Mailbox] | None = None) -> list[PollReport]:
    """Poll each active IMAP mailbox once (the periodic job and ``hotline mailbox poll``)."""
    return [poll_mailbox(mailbox) for mailbox in (mailboxes if mailboxes is not None else imap_mailboxes())]


# ------------------------------------------------------------------------------------------------- IDLE


def supports_idle(client: imaplib.IMAP4) -> bool:
    return "IDLE" in client.capabilities


def idle_wait(client: imaplib.IMAP4, *, seconds: float, stop: threading.Event) -> bool:
    """Wait in IMAP IDLE (RFC 2177) until new mail, ``seconds`` or ``stop``; True when mail arrived.

    The socket is read directly with ``select`` (imaplib's buffered file breaks after a read times out); nothing
    is left in imaplib's buffer, so the connection carries on normally afterwards.
    """
    tag = client._new_tag()  # imaplib of Python 3.12 has no IDLE of its own
    client.send(tag + b" IDLE\r\n")
    line = client.readline()
    if not line.startswith(b"+"):
        raise ImapProblem(_("Сервер отказал в IDLE: %(line)s") % {"line": line.decode(errors="replace").strip()})
    reader = _LineReader(client.socket())
    arrived = False
    deadline = time.monotonic() + min(seconds, IDLE_MAX_SECONDS)
    while not arrived and not stop.is_set() and time.monotonic() < deadline:
        for received in reader.lines(min(1.0, max(0.0, deadline - time.monotonic()))):
            arrived = arrived or bool(_EXISTS.match(received))
    client.send(b"DONE\r\n")
    deadline = time.monotonic() + float(settings.HOTLINE_IMAP_TIMEOUT)
    while time.monotonic() < deadline:
        for received in reader.lines(1.0):
            if received.startswith(tag):
                return arrived
            arrived = arrived or bool(_EXISTS.match(received))
    raise TimeoutError("the IMAP server did not end IDLE")


class _LineReader:
    """Complete lines from a socket, waiting at most a given time for more."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = b""

    def lines(self, wait: float) -> list[bytes]:
        has_buffered = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
        if not has_buffered and not select.select([self.sock], [], [], wait)[0]:
            return []
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the IMAP server closed the connection")
        self.pending += chunk
        *complete, self.pending = self.pending.split(b"\r\n")
        return complete


def _wait_for_mail(mailbox: Mailbox, *, seconds: float, stop: threading.Event) -> None:
    """IDLE on the mailbox's first folder when it and the server allow, else just wait."""
    if mailbox.use_idle:
        try:
            client = connect(mailbox)
            try:
                if supports_idle(client):
                    _select(client, mailbox.folders[0])
                    idle_wait(client, seconds=seconds, stop=stop)
                    return
            finally:
                _logout(client)
        except POLL_ERRORS as exc:
            logger.info("mailbox %s: IDLE unavailable (%s), polling on a timer", mailbox.address, _describe(exc))
    stop.wait(seconds)


def poll_forever(
    *,
    mailboxes: Sequence[Mailbox] | None,
    interval: float,
    stop: threading.Event,
    log: Callable[[str], object] = logger.info,
) -> None:
    """Poll until ``stop``: one mailbox waits for new mail in IDLE, several are polled every ``interval`` s."""
    while not stop.is_set():
        chosen = list(mailboxes) if mailboxes is not None else imap_mailboxes()
        for report in poll_active_mailboxes(mailboxes=chosen):
            if report.taken or report.error:
                log(str(report))
        close_old_connections()
        if len(chosen) == 1 and not stop.is_set():
            _wait_for_mail(chosen[0], seconds=interval, stop=stop)
        else:
            stop.wait(interval)
