"""A PBX on 127.0.0.1 for tests: accepts signed originate requests over HTTP and reports the calls' progress.

Each number's fate is scripted (``answer``, ``no_answer``, ``busy``, ``reject``). For an accepted call the PBX
answers ``{"call_id": …}`` at once, then, from its own thread, posts ringing → answered → ended (or ringing →
ended with the outcome) to the ``report_url`` the request named, signed with the shared secret — exactly what a
real PBX integration does.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hotline.campaigns.originate import SIGNATURE_HEADER, sign, verify


@dataclass
class LoopbackPbx:
    secret: str
    script: dict[str, str] = field(default_factory=dict)
    talk_seconds: float = 0.2
    first_event_after: float = 0.3
    originated: list[dict[str, Any]] = field(default_factory=list)
    reports: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    refused: int = 0
    url: str = ""
    _calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _post(self, url: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - a loopback URL the test built
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with self._lock:
            self.reports.append((payload, status))

    def _play(self, request: dict[str, Any], call_id: str, fate: str) -> None:
        def event(name: str, outcome: str = "") -> None:
            self._post(
                request["report_url"],
                {
                    "attempt": request["attempt"],
                    "call_id": call_id,
                    "event": name,
                    "outcome": outcome,
                    "at": datetime.now(UTC).isoformat(),
                },
            )

        time.sleep(self.first_event_after)
        event("ringing")
        time.sleep(0.05)
        if fate == "answer":
            event("answered")
            time.sleep(self.talk_seconds)
            event("ended", "answered")
        else:
            event("ended", fate)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        pbx = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/originate" or not verify(pbx.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
                    with pbx._lock:
                        pbx.refused += 1
                    self._answer(403, {"error": "bad signature"})
                    return
                request = json.loads(body)
                fate = pbx.script.get(request["number"], "no_answer")
                with pbx._lock:
                    pbx.originated.append(request)
                    pbx._calls += 1
                    call_id = f"loop-{pbx._calls}"
                if fate == "reject":
                    self._answer(503, {"error": "trunk busy"})
                    return
                self._answer(200, {"call_id": call_id})
                threading.Thread(target=pbx._play, args=(request, call_id, fate), daemon=True).start()

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextmanager
def running_pbx(secret: str, script: dict[str, str], **options: Any) -> Iterator[LoopbackPbx]:
    pbx = LoopbackPbx(secret=secret, script=script, **options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), pbx.handler())
    pbx.url = f"http://127.0.0.1:{server.server_address[1]}/originate"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pbx
    finally:
        server.shutdown()
        server.server_close()
