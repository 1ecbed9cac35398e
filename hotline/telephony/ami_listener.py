"""The long-running Asterisk AMI listener (``hotline telephony ami-listen``).

It logs in, reads events, folds them into calls as they come (``AmiTracker`` → ``ingest``), pings the PBX to
notice a dead link, and on any loss of connection or refused login waits (1, 2, 4 … up to
``HOTLINE_AMI_RECONNECT_MAX_SECONDS``) and connects again. AMI does not replay missed events on reconnect: what
happened while the link was down reaches the call log only through its later events (a call's end, say).

With the embedded (in-memory) channel layer this process cannot push screen-pops to browsers served by the web
process; production runs the Redis layer (``REDIS_URL``), which every process shares.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.utils.translation import gettext as _

from hotline.telephony.adapters.ami import (
    ORIGINATE_REASONS,
    AmiMessage,
    AmiParser,
    AmiProtocolError,
    AmiTracker,
    action,
    originate_correlation,
)
from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.models import PbxSource
from hotline.telephony.services import originations
from hotline.telephony.services.ingest import ingest

logger = logging.getLogger(__name__)


class AmiLoginFailed(Exception):
    pass


class AmiConnectionLost(Exception):
    pass


@dataclass
class ListenerStats:
    connections: int = 0
    logins: int = 0
    login_failures: int = 0
    messages: int = 0
    events: int = 0
    accepted: int = 0
    duplicates: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)


class AmiListener:
    """Connects to one Asterisk and keeps the call log fed from it until ``stop`` is set."""

    def __init__(
        self,
        *,
        source: PbxSource,
        host: str | None = None,
        port: int | None = None,
        events: str = "call,agent",
        stop: threading.Event | None = None,
        ping_interval: float = 20.0,
        read_timeout: float = 1.0,
        connect_timeout: float = 10.0,
        reconnect_max: float | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self.host = host or source.host or "127.0.0.1"
        self.port = port or source.port or 5038
        self.events = events
        self.stop = stop or threading.Event()
        self.ping_interval = ping_interval
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.reconnect_max = reconnect_max if reconnect_max is not None else settings.HOTLINE_AMI_RECONNECT_MAX_SECONDS
        self.log = log or logger.info
        self.stats = ListenerStats()
        self.tracker = AmiTracker(
            recording_url_template=source.recording_url_template,
            max_extension_length=settings.HOTLINE_AMI_MAX_EXTENSION_LENGTH,
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def run(self) -> ListenerStats:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                self._session()
                backoff = 1.0
            except AmiLoginFailed as exc:
                self.stats.login_failures += 1
                self._trouble(_("AMI %(addr)s: вход отклонён: %(e)s") % {"addr": self.address, "e": exc})
            except (OSError, AmiProtocolError, AmiConnectionLost) as exc:
                self._trouble(
                    _("AMI %(addr)s: нет связи (%(e)s); переподключение через %(s)s с")
                    % {"addr": self.address, "e": exc, "s": round(backoff)}
                )
            else:
                continue
            if self.stop.wait(backoff):
                break
            backoff = min(backoff * 2, self.reconnect_max)
        return self.stats

    def _trouble(self, message: str) -> None:
        self.stats.errors.append(message)
        del self.stats.errors[:-50]
        logger.warning(message)
        self.log(message)

    def _session(self) -> None:
        with socket.create_connection((self.host, self.port), timeout=self.connect_timeout) as sock:
            self.stats.connections += 1
            sock.settimeout(self.read_timeout)
            parser = AmiParser()
            pending: list[AmiMessage] = []
            sock.sendall(
                action(
                    "Login",
                    ActionID="hotline-login",
                    Username=self.source.api_key,
                    Secret=self.source.secret,
                    Events=self.events,
                )
            )
            self._await_login(sock, parser, pending)
            self.stats.logins += 1
            self.log(_("AMI %(addr)s: подключено (%(banner)s)") % {"addr": self.address, "banner": parser.banner})
            self._handle(pending)
            last_ping = time.monotonic()
            while not self.stop.is_set():
                if time.monotonic() - last_ping >= self.ping_interval:
                    sock.sendall(action("Ping", ActionID="hotline-ping"))
                    last_ping = time.monotonic()
                self._handle(parser.feed(self._read(sock)))
            sock.sendall(action("Logoff", ActionID="hotline-logoff"))

    def _read(self, sock: socket.socket) -> bytes:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return b""
        if not data:
            raise AmiConnectionLost(_("АТС закрыла соединение"))
        return data

    def _await_login(self, sock: socket.socket, parser: AmiParser, pending: list[AmiMessage]) -> None:
        """Wait for the answer to Login; events that come with or before it are kept in ``pending``."""
        deadline = time.monotonic() + self.connect_timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            answer: AmiMessage | None = None
            for message in parser.feed(self._read(sock)):
                if answer is None and message.get("ActionID") == "hotline-login" and "Response" in message:
                    answer = message
                else:
                    pending.append(message)
            if answer is not None:
                if answer["Response"] != "Success":
                    raise AmiLoginFailed(answer.get("Message", answer["Response"]))
                return
        raise AmiConnectionLost(_("нет ответа на вход"))

    def _handle(self, messages: list[AmiMessage]) -> None:
        if not messages:
            return
        for message in messages:
            self.stats.messages += 1
            if "Event" not in message:
                continue
            if message["Event"] == "OriginateResponse":
                self._originate_response(message)
            events = self.tracker.feed(message)
            if not events:
                continue
            self.stats.events += len(events)
            self._store(events, message)
        # A long-lived process: let Django drop a connection the database closed or that grew old (never one that
        # is inside a transaction: an offline replay may run within one).
        if not connection.in_atomic_block:
            close_old_connections()

    def _originate_response(self, message: AmiMessage) -> None:
        """How an Originate Hotline sent went: the PBX's id of the call, or why it could not be placed."""
        correlation = originate_correlation(message)
        if not correlation:
            return
        try:
            if message.get("Response") == "Success":
                originations.originate_placed(
                    source=self.source, correlation_id=correlation, provider_call_id=message.get("Uniqueid", "")
                )
            else:
                reason = ORIGINATE_REASONS.get(message.get("Reason", ""), message.get("Reason", "") or "failed")
                originations.originate_failed(
                    source=self.source,
                    correlation_id=correlation,
                    reason=_("Asterisk: телефон оператора не принял вызов (%(r)s)") % {"r": reason},
                )
        except DatabaseError as exc:
            logger.error("AMI: originate response %s not recorded (%s): %s", correlation, exc, message)
            self._trouble(_("AMI: ответ на вызов не сохранён: %(e)s") % {"e": exc})

    def _store(self, events: list[CallEventData], message: AmiMessage) -> None:
        """Store the events, waiting out a database that is briefly unavailable (AMI will not send them again).

        Only a lost or refused connection is waited out; any other database error would fail the same way on
        every retry, so the events are written to the error log whole (to be replayed by hand) and the stream
        goes on.
        """
        delay = 0.2
        while True:
            try:
                result = ingest(source=self.source, events=events, raw=message)
            except (OperationalError, InterfaceError) as exc:
                if self.stop.is_set():
                    logger.error("AMI: events not stored at shutdown: %s", [e.to_json() for e in events])
                    raise
                self._trouble(
                    _("AMI: база данных недоступна (%(e)s); повтор через %(s)s с") % {"e": exc, "s": round(delay, 1)}
                )
                if not connection.in_atomic_block:
                    close_old_connections()
                self.stop.wait(delay)
                delay = min(delay * 2, 5.0)
                continue
            except DatabaseError as exc:
                self.stats.lost += len(events)
                logger.error("AMI: events not stored (%s): %s", exc, [e.to_json() for e in events])
                self._trouble(_("AMI: события не сохранены: %(e)s") % {"e": exc})
                return
            self.stats.accepted += result.accepted
            self.stats.duplicates += result.duplicates
            return


def replay(*, source: PbxSource, data: bytes) -> ListenerStats:
    """Feed a recorded AMI stream (with or without the banner) through the tracker into the call log, offline."""
    listener = AmiListener(source=source)
    parser = AmiParser()
    if not data.startswith(b"Asterisk Call Manager"):
        parser.banner = "recorded stream"
    listener._handle(parser.feed(data))
    return listener.stats
