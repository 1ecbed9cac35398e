"""The server under test: uvicorn with its worker processes on 127.0.0.1, as production runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from bench.env import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes used so far (from /proc/PID/stat), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak resident set) of a process, in KiB."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except FileNotFoundError:
        pass
    return values


class Server:
    """``uvicorn hotline.asgi:application --workers W``; a context manager that stops it on the way out."""

    def __init__(
        self, env: Mapping[str, str], *, workers: int, log: Path, port: int | None = None, start: bool = True
    ) -> None:
        self.start = start
        self.env = {**os.environ, **env}
        self.workers = workers
        self.port = port or free_port()
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "hotline.asgi:application", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(self.workers), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip

    def __enter__(self) -> Server:
        self.log = self.log_path.open("wb")
        if not self.start:
            return self
        self.process = subprocess.Popen(
            self.command(), cwd=PROJECT_ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_ready(timeout=120)
        except BaseException:
            # __exit__ does not run when __enter__ fails: stop the server here, or it outlives the benchmark.
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}/login/"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — our own loopback server
                    if response.status < 500 and len(self.worker_pids()) >= self.workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        if self.workers == 1:
            return [self.process.pid]
        # uvicorn --workers: a supervisor whose spawned children serve (beside multiprocessing's resource tracker).
        return [pid for pid in _children(self.process.pid) if b"spawn_main" in _cmdline(pid)]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.worker_pids())

    def memory(self) -> dict[str, float]:
        """Per worker, MiB: the peak resident set (VmHWM) and the current one."""
        stats = [_status(pid) for pid in self.worker_pids()]
        stats = [s for s in stats if s]
        if not stats:
            return {}
        return {
            "peak_rss_mib": round(max(s.get("VmHWM", 0) for s in stats) / 1024, 1),
            "rss_mib": round(max(s.get("VmRSS", 0) for s in stats) / 1024, 1),
            "workers": len(stats),
        }

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
