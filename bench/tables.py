"""``python -m bench.tables result.json …``: the results side by side as a Markdown table, against BENCH.md's targets.

Columns in the order given (e.g. 10 k and 100 k on one database); the last column is the growth from the first
to the last result where both have the figure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Getter = Callable[[dict[str, Any]], Any]


def _op(name: str, key: str) -> Getter:
    def get(result: dict[str, Any]) -> Any:
        op = result.get("operations", {}).get(name, {})
        if op.get("status") == "not available":
            return "n/a"
        return op.get(key)

    return get


def _path(*keys: str) -> Getter:
    def get(result: dict[str, Any]) -> Any:
        value: Any = result
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return get


# (label, getter, target as text, lower is better)
ROWS: list[tuple[str, Getter, str, bool]] = [
    ("screen_pop p50, ms", _op("screen_pop", "p50_ms"), "", True),
    ("screen_pop p95, ms", _op("screen_pop", "p95_ms"), "≤ 15", True),
    ("queue_page p50, ms", _op("queue_page", "p50_ms"), "", True),
    ("queue_page p95, ms", _op("queue_page", "p95_ms"), "≤ 50", True),
    ("ticket_page p50, ms", _op("ticket_page", "p50_ms"), "", True),
    ("ticket_page p95, ms", _op("ticket_page", "p95_ms"), "≤ 50", True),
    ("screen_pop server CPU per request, ms", _op("screen_pop", "server_cpu_ms"), "", True),
    ("queue_page server CPU per request, ms", _op("queue_page", "server_cpu_ms"), "", True),
    ("queue_page database CPU per request, ms", _op("queue_page", "database_cpu_ms"), "", True),
    ("ticket_page server CPU per request, ms", _op("ticket_page", "server_cpu_ms"), "", True),
    ("search server CPU per request, ms", _op("search", "server_cpu_ms"), "", True),
    ("intake server CPU per ticket, ms", _op("intake", "server_cpu_ms"), "", True),
    ("search «счётчик» p50, ms", _op("search", "p50_ms"), "", True),
    ("search «счётчик» p95, ms", _op("search", "p95_ms"), "≤ 100", True),
    ("search recall", _op("search", "recall"), "100 %", False),
    ("search «принтер» (common) p95, ms", _op("search_common", "p95_ms"), "", True),
    ("intake, tickets/s", _op("intake", "tickets_per_second"), "≥ 300", False),
    ("intake p50, ms", _op("intake", "p50_ms"), "", True),
    ("intake p95, ms", _op("intake", "p95_ms"), "", True),
    ("email_intake, messages/s", _op("email_intake", "messages_per_second"), "≥ 200", False),
    ("report, s", _op("report", "seconds"), "≤ 2", True),
    ("memory: peak RSS of a worker, MiB", _path("memory", "peak_rss_mib"), "", True),
    ("queries: queue_page", _path("query_counts", "queue_page"), "constant", True),
    ("queries: ticket_page", _path("query_counts", "ticket_page"), "constant", True),
    (
        "errors (all operations)",
        lambda r: sum(op.get("errors", 0) for op in r.get("operations", {}).values()),
        "0",
        True,
    ),
    ("seed, s", _path("seed", "seconds"), "", True),
    ("search index build, s", _path("search_index", "seconds"), "", True),
    ("load average (1 min) at start", lambda r: (r.get("load_average_start") or [None])[0], "", True),
    ("CPU calibration at start, ms", _path("cpu_calibration_ms_start"), "", True),
]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}" if value < 10 else f"{value:,.0f}".replace(",", " ")
    return str(value)


def table(results: list[dict[str, Any]]) -> str:
    heads = [f"{r['database']} {r['tickets']:,}".replace(",", " ") for r in results]
    lines = ["| figure | target | " + " | ".join(heads) + " | growth |", "|---|---|" + "---|" * len(results) + "---|"]
    for label, get, target, _lower in ROWS:
        values = [get(r) for r in results]
        growth = ""
        first, last = values[0], values[-1]
        if len(values) > 1 and isinstance(first, int | float) and isinstance(last, int | float) and first:
            growth = f"×{last / first:.2f}"
        lines.append(f"| {label} | {target} | " + " | ".join(_cell(v) for v in values) + f" | {growth} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    if not paths:
        print(__doc__)
        return 2
    print(table([json.loads(Path(p).read_text()) for p in paths]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
