"""The load: a fixed number of units of work, ``concurrency`` at a time, over keep-alive HTTP, in bounded time.

A unit is one user-visible action (opening a ticket for a new caller is two requests); its latency is the time
from its first byte sent to its last byte read. When the time limit passes, no new units start, the running ones
finish, and the result says how many were done.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

Unit = Callable[[aiohttp.ClientSession], Awaitable[Any]]
Progress = Callable[[int, int], None]


class BadResponse(Exception):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} → {status}: {body[:200]}")
        self.status = status


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    expect: Sequence[int] = (200,),
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """One request, body read in full; JSON decoded when it is JSON. Raises: BadResponse — unexpected status."""
    async with session.request(method, url, json=json_body, headers=headers, allow_redirects=False) as response:
        body = await response.read()
        if response.status not in expect:
            raise BadResponse(method, url, response.status, body.decode("utf-8", "replace"))
        if response.content_type == "application/json":
            return await response.json()
        return body


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(share * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class LoadResult:
    planned: int
    done: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    timed_out: bool = False

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        out: dict[str, Any] = {
            "requests": self.done,
            "planned": self.planned,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.done / self.seconds, 1) if self.seconds else 0.0,
        }
        if ordered:
            out.update(
                p50_ms=round(percentile(ordered, 0.50), 1),
                p95_ms=round(percentile(ordered, 0.95), 1),
                p99_ms=round(percentile(ordered, 0.99), 1),
                mean_ms=round(statistics.fmean(ordered), 1),
                max_ms=round(ordered[-1], 1),
            )
        if self.timed_out:
            out["stopped_by_time_limit"] = True
        if self.error_samples:
            out["error_samples"] = self.error_samples
        return out


async def _run(
    base_url: str,
    units: Sequence[Unit],
    *,
    concurrency: int,
    time_limit: float,
    headers: dict[str, str],
    cookies: dict[str, str],
    progress: Progress | None,
) -> LoadResult:
    result = LoadResult(planned=len(units))
    queue: asyncio.Queue[Unit] = asyncio.Queue()
    for unit in units:
        queue.put_nowait(unit)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    started = time.perf_counter()
    deadline = started + time_limit

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            if time.perf_counter() > deadline:
                result.timed_out = True
                return
            unit = queue.get_nowait()
            begun = time.perf_counter()
            try:
                await unit(session)
            except (BadResponse, aiohttp.ClientError, TimeoutError) as exc:
                result.errors += 1
                if len(result.error_samples) < 3:
                    result.error_samples.append(str(exc) or type(exc).__name__)
            else:
                result.latencies_ms.append((time.perf_counter() - begun) * 1000)
            result.done += 1
            if progress is not None:
                progress(result.done, result.planned)

    async with aiohttp.ClientSession(
        base_url=base_url, connector=connector, timeout=timeout, headers=headers, cookies=cookies
    ) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def run(
    base_url: str,
    units: Sequence[Unit],
    *,
    concurrency: int = 8,
    time_limit: float = 120.0,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    return asyncio.run(
        _run(
            base_url,
            units,
            concurrency=concurrency,
            time_limit=time_limit,
            headers=headers or {},
            cookies=cookies or {},
            progress=progress,
        )
    )
