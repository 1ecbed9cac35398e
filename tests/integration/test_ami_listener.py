"""The Asterisk AMI listener against a real TCP server on 127.0.0.1 that speaks AMI and replays a recorded stream.

The server checks the login, sends part of the recorded stream (split at odd byte boundaries), drops the
connection as a restarting PBX would, and on the listener's reconnect resends the last messages before going on:
the listener must log in again, group channels into calls by Linkedid, and store nothing twice.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection

from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory
from hotline.customers.services import create_contact
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from hotline.telephony.ami_listener import AmiListener
from hotline.telephony.choices import CallbackStatus, CallStatus, Outcome, SourceKind, TransferSource
from hotline.telephony.models import Call, Callback, CallEvent, CallTransfer, PbxSource
from hotline.telephony.tests.factories import PbxSourceFactory
from hotline.telephony.tests.loopback import LoopbackTcpServer, read_ami

pytestmark = pytest.mark.django_db(transaction=True)
RECORDED = Path(__file__).resolve().parents[2] / "hotline" / "telephony" / "tests" / "data" / "ami_recorded.txt"
DEADLINE = 25.0


class FakeAsterisk(LoopbackTcpServer):
    """A loopback AMI server: banner, Login (checked), then the recorded stream session by session."""

    def __init__(self, *, username: str, secret: str, sessions: list[list[bytes]]) -> None:
        self.username, self.secret = username, secret
        self.sessions = list(sessions)
        self.logins: list[bool] = []
        self.pings = 0
        self.done = threading.Event()
        super().__init__()

    def _accepted(self, conn: socket.socket) -> None:
        with conn:
            self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        conn.sendall(b"Asterisk Call Manager/7.0.3\r\n")
        buffer = bytearray()
        login = None
        deadline = time.monotonic() + 5
        while login is None and time.monotonic() < deadline:
            login = read_ami(conn, buffer)
        if login is None:
            return
        ok = login.get("Username") == self.username and login.get("Secret") == self.secret
        self.logins.append(ok)
        action_id = login.get("ActionID", "")
        if not ok:
            conn.sendall(f"Response: Error\r\nActionID: {action_id}\r\nMessage: Authentication failed\r\n\r\n".encode())
            return
        conn.sendall(f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted\r\n\r\n".encode())
        if not self.sessions:
            self._idle(conn, buffer)
            return
        data = b"".join(self.sessions.pop(0))
        for start in range(0, len(data), 733):  # odd chunks: messages arrive cut in the middle
            conn.sendall(data[start : start + 733])
            time.sleep(0.002)
        if self.sessions:
            return  # the PBX restarts: the connection drops in the middle of the day's traffic
        self.done.set()
        self._idle(conn, buffer)

    def _idle(self, conn: socket.socket, buffer: bytearray) -> None:
        while not self.stopping.is_set():
            try:
                message = read_ami(conn, buffer)
            except ConnectionError:
                return
            if message and message.get("Action") == "Ping":
                self.pings += 1
                conn.sendall(
                    f"Response: Success\r\nActionID: {message.get('ActionID', '')}\r\nPing: Pong\r\n\r\n".encode()
                )
            if message and message.get("Action") == "Logoff":
                return


def recorded_messages() -> list[bytes]:
    text = RECORDED.read_bytes()
    return [block + b"\r\n\r\n" for block in re.split(rb"\r\n\r\n", text) if block.strip()]


@pytest.fixture
def agents(db: None) -> dict[str, User]:
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    first = OperatorFactory.create(username="orlova", phone_extension="101")
    second = OperatorFactory.create(username="petrov", phone_extension="102")
    for agent in (first, second):
        QueueMembershipFactory.create(queue=queue, user=agent)
    create_contact(actor=first, full_name="Иванова Анна Сергеевна", phones=["+7 912 345-67-89"])
    return {"101": first, "102": second}


@pytest.fixture
def source(db: None) -> PbxSource:
    return PbxSourceFactory.create(
        slug="asterisk",
        kind=SourceKind.ASTERISK,
        api_key="hotline",
        secret="ami-pass",
        host="127.0.0.1",
        recording_url_template="https://pbx.example.ru/records/{filename}",
    )


def _run(listener: AmiListener) -> None:
    try:
        listener.run()
    finally:
        connection.close()  # the thread's own connection, so the test database can be dropped


@pytest.fixture
def run_listener() -> Iterator[Any]:
    started: list[tuple[AmiListener, threading.Thread]] = []

    def start(listener: AmiListener) -> AmiListener:
        thread = threading.Thread(target=_run, args=(listener,), daemon=True)
        thread.start()
        started.append((listener, thread))
        return listener

    yield start
    for listener, thread in started:
        listener.stop.set()
        thread.join(10)


def _wait(condition: Any, timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared in-memory test database locks a table while the listener writes
        time.sleep(0.1)
    return False


def test_listener_logs_calls_from_the_recorded_stream_across_a_reconnect(
    agents: dict[str, User], source: PbxSource, run_listener: Any
) -> None:
    messages = recorded_messages()
    cut = len(messages) // 2
    # The second session repeats the last three messages of the first, as a PBX resending after a restart might.
    server = FakeAsterisk(username="hotline", secret="ami-pass", sessions=[messages[:cut], messages[cut - 3 :]])
    try:
        listener = run_listener(
            AmiListener(source=source, port=server.port, read_timeout=0.1, ping_interval=0.5, reconnect_max=2)
        )
        assert _wait(lambda: server.done.is_set() and Call.objects.filter(status=CallStatus.ENDED).count() == 3), (
            listener.stats
        )
        assert _wait(lambda: server.pings > 0, timeout=5)  # the idle link is kept alive
    finally:
        listener.stop.set()
        server.close()

    assert server.logins == [True, True]  # logged in, lost the link, logged in again
    assert listener.stats.duplicates >= 1
    assert CallEvent.objects.filter(processed_at__isnull=True).count() == 0
    first = Call.objects.get(provider_call_id="1772434800.101")
    assert first.outcome == Outcome.ANSWERED
    assert first.agent == agents["101"]
    assert first.contact is not None
    assert first.contact.full_name == "Иванова Анна Сергеевна"
    assert first.caller_name == "IVANOVA A"
    assert first.talk_seconds == 95
    assert first.recording_url == ("https://pbx.example.ru/records/q-support-79123456789-1772434800.101.wav")
    assert sorted(first.legs.values_list("extension", flat=True)) == ["101", "102"]
    assert first.line is not None
    assert first.line.number == "+74951234567"

    second = Call.objects.get(provider_call_id="1772434900.110")
    assert second.outcome == Outcome.ABANDONED
    assert second.wait_seconds == 25
    callback = Callback.objects.get()
    assert (callback.number_e164, callback.status) == ("+79990001122", CallbackStatus.OPEN)

    third = Call.objects.get(provider_call_id="1772435000.120")
    assert third.outcome == Outcome.ANSWERED
    assert third.agent == agents["102"]  # the one who took it after the transfer
    transfer = CallTransfer.objects.get(call=third)
    assert (transfer.source, transfer.from_agent, transfer.to_agent) == (
        TransferSource.PBX,
        agents["101"],
        agents["102"],
    )


def test_a_refused_login_is_retried_and_stores_nothing(
    agents: dict[str, User], source: PbxSource, run_listener: Any
) -> None:
    server = FakeAsterisk(username="hotline", secret="another-password", sessions=[recorded_messages()])
    try:
        listener = run_listener(AmiListener(source=source, port=server.port, read_timeout=0.1, reconnect_max=0.5))
        # The listener's own count: the server sees the second login before the listener has read its refusal.
        assert _wait(lambda: listener.stats.login_failures >= 2, timeout=10)
    finally:
        listener.stop.set()
        server.close()
    assert len(server.logins) >= 2
    assert not any(server.logins)
    assert listener.stats.login_failures >= 2
    assert "вход отклонён" in listener.stats.errors[0]
    assert not CallEvent.objects.exists()


def test_no_server_is_retried_without_crashing(source: PbxSource, run_listener: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # a port nobody listens on once closed
    listener = run_listener(AmiListener(source=source, port=port, connect_timeout=0.5, reconnect_max=0.3))
    assert _wait(lambda: len(listener.stats.errors) >= 2, timeout=8)
    listener.stop.set()
    assert listener.stats.logins == 0
