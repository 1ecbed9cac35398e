"""PBXs on 127.0.0.1 that take requests to place a call, for tests of ``originate`` (telephony's and campaigns').

- ``FakeAsterisk`` speaks AMI: checks the login, answers ``Originate``, and plays the originated call to every
  session that asked for events (the AMI listener): Newchannel of the agent's phone, DialBegin/DialEnd to the
  trunk, Hangup — or ``OriginateResponse: Failure`` when the agent's phone is offline. Each number's fate is
  scripted: ``answer``, ``busy``, ``no_answer``, ``agent_offline``, ``reject`` (the action itself refused).
- ``LoopbackApi`` is an HTTP API of Zadarma, Mango or the generic originate request: it verifies the signature
  exactly as the provider documents it (written here independently of the client), records what came, and answers
  per number (``reject`` → the provider's error).

The call's progress over HTTP providers is then posted by the test to Hotline's webhooks, as the provider would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


# --- Asterisk ----------------------------------------------------------------------------------------------------
def read_ami(conn: socket.socket, buffer: bytearray) -> dict[str, str] | None:
    """The next AMI message from ``conn`` (None when nothing came within its timeout); raises ConnectionError."""
    while b"\r\n\r\n" not in buffer:
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            return None
        if not chunk:
            raise ConnectionError
        buffer.extend(chunk)
    block, _sep, rest = bytes(buffer).partition(b"\r\n\r\n")
    buffer[:] = rest
    return dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)


class LoopbackTcpServer:
    """A TCP server on a free port of 127.0.0.1, accepting in a thread of its own until ``close``.

    Subclasses set their own state before calling ``__init__`` (the thread starts there) and handle each
    connection in ``_accepted``.
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.server.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _addr = self.server.accept()
            except TimeoutError:
                continue
            self._accepted(conn)

    def _accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError


class FakeAsterisk(LoopbackTcpServer):
    def __init__(self, *, username: str, secret: str, script: dict[str, str] | None = None) -> None:
        self.username, self.secret = username, secret
        self.script = dict(script or {})
        self.originates: list[dict[str, str]] = []
        self.logins: list[tuple[bool, str]] = []
        self.listeners: list[socket.socket] = []
        self.lock = threading.Lock()
        self.sequence = 1000
        self.channels = 0
        super().__init__()

    def listening(self) -> bool:
        with self.lock:
            return bool(self.listeners)

    def _accepted(self, conn: socket.socket) -> None:
        threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _send(self, conn: socket.socket, headers: dict[str, str]) -> None:
        data = "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        try:
            conn.sendall(data.encode())
        except OSError:
            with self.lock:
                if conn in self.listeners:
                    self.listeners.remove(conn)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
        buffer = bytearray()
        try:
            while not self.stopping.is_set():
                message = read_ami(conn, buffer)
                if message is None:
                    continue
                action = message.get("Action", "")
                action_id = message.get("ActionID", "")
                if action == "Login":
                    ok = message.get("Username") == self.username and message.get("Secret") == self.secret
                    self.logins.append((ok, message.get("Events", "")))
                    if not ok:
                        self._send(
                            conn, {"Response": "Error", "ActionID": action_id, "Message": "Authentication failed"}
                        )
                        return
                    self._send(
                        conn, {"Response": "Success", "ActionID": action_id, "Message": "Authentication accepted"}
                    )
                    if message.get("Events", "on") != "off":
                        with self.lock:
                            self.listeners.append(conn)
                elif action == "Originate":
                    self._originate(conn, message)
                elif action == "Ping":
                    self._send(conn, {"Response": "Success", "ActionID": action_id, "Ping": "Pong"})
                elif action == "Logoff":
                    self._send(conn, {"Response": "Goodbye", "ActionID": action_id})
                    return
        except ConnectionError:
            return
        finally:
            with self.lock:
                if conn in self.listeners:
                    self.listeners.remove(conn)
            conn.close()

    def _originate(self, conn: socket.socket, message: dict[str, str]) -> None:
        self.originates.append(message)
        fate = self.script.get(message.get("Exten", ""), "no_answer")
        action_id = message.get("ActionID", "")
        if fate == "reject":
            self._send(conn, {"Response": "Error", "ActionID": action_id, "Message": "Extension does not exist."})
            return
        self._send(conn, {"Response": "Success", "ActionID": action_id, "Message": "Originate successfully queued"})
        threading.Thread(target=self._play, args=(message, fate), daemon=True).start()

    def _broadcast(self, event: dict[str, str]) -> None:
        self.sequence += 1
        headers = {"Event": event.pop("Event"), "Privilege": "call,all", "SequenceNumber": str(self.sequence)}
        headers["Timestamp"] = f"{time.time():.6f}"
        headers.update(event)
        with self.lock:
            targets = list(self.listeners)
        for conn in targets:
            self._send(conn, headers)

    def _play(self, request: dict[str, str], fate: str) -> None:
        time.sleep(0.1)
        action_id, linkedid = request["ActionID"], request.get("ChannelId") or f"{time.time():.3f}"
        extension = request["Channel"].split("/", 1)[1].split("@")[0]
        if fate == "agent_offline":
            self._broadcast(
                {
                    "Event": "OriginateResponse",
                    "ActionID": action_id,
                    "Response": "Failure",
                    "Channel": request["Channel"],
                    "Context": request.get("Context", ""),
                    "Exten": request.get("Exten", ""),
                    "Reason": "0",
                    "Uniqueid": "<null>",
                }
            )
            return
        self.channels += 1
        agent_channel = f"{request['Channel']}-{self.channels:08x}"
        trunk_uid = f"{linkedid}.trunk"
        self._broadcast(
            {
                "Event": "Newchannel",
                "Channel": agent_channel,
                "CallerIDNum": extension,
                "Exten": request.get("Exten", ""),
                "Context": request.get("Context", ""),
                "Uniqueid": linkedid,
                "Linkedid": linkedid,
            }
        )
        self._broadcast(
            {
                "Event": "OriginateResponse",
                "ActionID": action_id,
                "Response": "Success",
                "Channel": request["Channel"],
                "Reason": "4",
                "Uniqueid": linkedid,
            }
        )
        dial = {"Channel": agent_channel, "Uniqueid": linkedid, "Linkedid": linkedid}
        dest = {"DestChannel": f"PJSIP/trunk-{self.channels:08x}", "DestUniqueid": trunk_uid, "DestLinkedid": linkedid}
        self._broadcast({"Event": "DialBegin", **dial, **dest, "DialString": f"trunk/{request.get('Exten', '')}"})
        time.sleep(0.05)
        status = {"answer": "ANSWER", "busy": "BUSY"}.get(fate, "NOANSWER")
        self._broadcast({"Event": "DialEnd", **dial, **dest, "DialStatus": status})
        if fate == "answer":
            time.sleep(0.2)
            self._broadcast(
                {"Event": "Hangup", "Channel": dest["DestChannel"], "Uniqueid": trunk_uid, "Linkedid": linkedid}
            )
        cause = {"answer": ("16", "Normal Clearing"), "busy": ("17", "User busy")}.get(fate, ("19", "No answer"))
        self._broadcast({"Event": "Hangup", **dial, "Cause": cause[0], "Cause-txt": cause[1], "ChannelStateDesc": "Up"})


@contextmanager
def fake_asterisk(*, username: str, secret: str, script: dict[str, str] | None = None) -> Iterator[FakeAsterisk]:
    server = FakeAsterisk(username=username, secret=secret, script=script)
    try:
        yield server
    finally:
        server.close()


# --- HTTP providers ---------------------------------------------------------------------------------------------
def zadarma_authorization(key: str, secret: str, method: str, params: dict[str, str]) -> str:
    """Zadarma's API signature as its own Python client computes it."""
    encoded = urlencode(sorted(params.items()))
    data = method + encoded + hashlib.md5(encoded.encode()).hexdigest()  # noqa: S324 - the provider's scheme
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha1).hexdigest()
    return f"{key}:{base64.b64encode(digest.encode()).decode()}"


@dataclass
class LoopbackApi:
    kind: str  # "zadarma" | "mango" | "generic"
    key: str
    secret: str
    script: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    url: str = ""
    silent: bool = False  # accept and never answer (a PBX that hangs)

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.kind == "zadarma":
            return self._zadarma(method, path, headers)
        if self.kind == "mango":
            return self._mango(path, body)
        return self._generic(headers, body)

    def _zadarma(self, method: str, path: str, headers: Any) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if method != "GET" or parts.path != "/v1/request/callback/":
            return 404, {"status": "error", "message": "Wrong method"}
        expected = zadarma_authorization(self.key, self.secret, parts.path, params)
        if not hmac.compare_digest(headers.get("Authorization", ""), expected):
            self.refused += 1
            return 401, {"status": "error", "message": "Not authorized"}
        self.requests.append(params)
        if self.script.get(params.get("to", "")) == "reject":
            return 200, {"status": "error", "message": "Not enough money"}
        return 200, {"status": "success", "from": params.get("from"), "to": params.get("to"), "time": int(time.time())}

    def _mango(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if path != "/vpbx/commands/callback":
            return 404, {"result": 3100}
        form = dict(parse_qsl(body.decode()))
        expected = hashlib.sha256((self.key + form.get("json", "") + self.secret).encode()).hexdigest()
        if form.get("vpbx_api_key") != self.key or not hmac.compare_digest(form.get("sign", ""), expected):
            self.refused += 1
            return 200, {"result": 3102}
        command = json.loads(form["json"])
        self.requests.append(command)
        if self.script.get(command.get("to_number", "")) == "reject":
            return 200, {"result": 2100}
        return 200, {"result": 1000}

    def _generic(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        stamp = headers.get("X-Hotline-Timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not stamp or not hmac.compare_digest(headers.get("X-Hotline-Signature", ""), expected):
            self.refused += 1
            return 403, {"error": "bad signature"}
        request = json.loads(body)
        self.requests.append(request)
        if self.script.get(request.get("number", "")) == "reject":
            return 503, {"error": "trunk busy"}
        return 200, {"call_id": f"gen-{len(self.requests)}"}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if api.silent:
                    time.sleep(3)
                    return
                status, payload = api.handle(method, self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


@contextmanager
def loopback_api(kind: str, *, key: str = "", secret: str, **options: Any) -> Iterator[LoopbackApi]:
    api = LoopbackApi(kind=kind, key=key, secret=secret, **options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), api.handler())
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


# --- the provider reporting the call to Hotline's webhooks, as it would ---------------------------------------------
_ZADARMA_SIGNED = {
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
}


def zadarma_notify(client: Any, slug: str, secret: str, data: dict[str, str]) -> Any:
    message = "".join(data.get(k, "") for k in _ZADARMA_SIGNED[data["event"]])
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    signature = base64.b64encode(digest.encode()).decode()
    return client.post(f"/telephony/hooks/{slug}/", data=data, headers={"Signature": signature})


def mango_notify(client: Any, slug: str, key: str, salt: str, path: str, payload: dict[str, Any]) -> Any:
    body = json.dumps(payload, ensure_ascii=False)
    form = {"vpbx_api_key": key, "sign": hashlib.sha256((key + body + salt).encode()).hexdigest(), "json": body}
    return client.post(f"/telephony/hooks/{slug}/{path}", data=form)


def generic_notify(client: Any, slug: str, secret: str, events: list[dict[str, Any]]) -> Any:
    body = json.dumps({"events": events}).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return client.post(
        f"/telephony/hooks/{slug}/",
        data=body,
        content_type="application/json",
        headers={"X-Hotline-Timestamp": stamp, "X-Hotline-Signature": f"sha256={digest}"},
    )
