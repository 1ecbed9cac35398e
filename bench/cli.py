"""``python -m bench``: seed (or reuse) the benchmark database, start the server, measure, print one JSON object.

    .venv/bin/python -m bench --tickets 10000                                   # SQLite in a temp dir
    .venv/bin/python -m bench --tickets 100000 --database-url postgres://postgres@127.0.0.1:5432/hotline_bench

See BENCHMARKS.md for what is measured and the figures so far.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from bench import env as bench_env

SEED_VERSION = 1  # bump when the generator changes what it writes: a reused database is then seeded anew
OPERATIONS = ("screen_pop", "queue_page", "ticket_page", "search", "search_common", "intake", "email_intake", "report")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--tickets", type=int, default=10_000, help="N: tickets to seed (contacts N/10, orgs N/100)")
    parser.add_argument("--database-url", default="", help="postgres://…/hotline_bench, or empty/«sqlite» for SQLite")
    parser.add_argument("--data-dir", default="", help="where the SQLite file, static files and logs go (temp dir)")
    parser.add_argument("--out", default="bench-result.json", help="the JSON result is also written here")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=200, help="units per read operation")
    parser.add_argument("--intake-requests", type=int, default=200, help="tickets opened by the intake operation")
    parser.add_argument("--emails", type=int, default=2000, help="messages in the e-mail intake's Maildir")
    parser.add_argument("--articles", type=int, default=2000, help="knowledge-base articles to seed")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per operation at most")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(OPERATIONS)}")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded earlier with the same N and seed")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    args = parser.parse_args(argv)
    if args.tickets < 50:
        parser.error("--tickets: at least 50")
    unknown = {o.strip() for o in args.only.split(",") if o.strip()} - set(OPERATIONS)
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}")
    return args


class Display:
    """One status line, rewritten in place on a terminal; plain lines otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, message: str, *, final: bool = True) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if not final and (not self.tty or now - self._last < 0.2):
            return
        self._last = now
        line = f"[{now - self.started:7.1f}s] {message}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def counter(self, label: str) -> Callable[[int, int], None]:
        def show(done: int, total: int) -> None:
            self(f"{label}: {done}/{total}", final=done >= total)

        return show


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gib"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    return info


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_calibration() -> float:
    """Milliseconds of a fixed pure-Python loop (best of 5): how fast this CPU was for us at that moment.

    About 15–20 ms on an idle modern core; on a shared machine it shows how much of a core the run got.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    show = Display(args.quiet)
    target = bench_env.make_env(args.database_url or None, args.data_dir or None)
    secret = bench_env.apply(target)
    meta_file = target.data_dir / f"seeded-{hashlib.sha256(target.label.encode()).hexdigest()[:12]}.json"
    wanted = {
        "tickets": args.tickets, "articles": args.articles, "seed": args.seed, "version": SEED_VERSION,
        "database": target.label,
    }  # fmt: skip
    previous = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    reuse = args.reuse and {k: previous.get(k) for k in wanted} == wanted
    if not reuse:
        show(f"fresh database: {target.label}")
        meta_file.unlink(missing_ok=True)
        bench_env.recreate_database(target)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # Everything the run will use, loaded now: editing the benchmark while a long run goes on cannot break it.
    from bench import load, ops, seed, server  # noqa: F401

    result: dict[str, Any] = {
        "benchmark": "hotline",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "tickets": args.tickets,
        "database": connection.vendor,
        "database_label": target.label,
        "machine": machine(),
        "settings": {
            "concurrency": args.concurrency,
            "workers": args.workers,
            "requests": args.requests,
            "intake_requests": args.intake_requests,
            "time_limit_s": args.time_limit,
            "server": "uvicorn hotline.asgi:application (bench.settings: production, DEBUG off)",
        },
        "load_average_start": load_average(),
        "cpu_calibration_ms_start": cpu_calibration(),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            result["database_version"] = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            result["database_version"] = cursor.fetchone()[0]

    quiet = io.StringIO()
    if not reuse:
        show("migrating")
        started = time.perf_counter()
        with redirect_stdout(quiet):
            call_command("migrate", verbosity=0, interactive=False)
        result["migrate_seconds"] = round(time.perf_counter() - started, 1)
        from bench import seed

        show(f"seeding {args.tickets} tickets")
        counts = seed.seed(
            args.tickets,
            seed=args.seed,
            articles=args.articles,
            progress=lambda stage, done, total: show(f"seed {stage}: {done}/{total}"),
        )
        result["seed"] = counts
        result["seed"]["analyze_seconds"] = round(seed.analyze(), 1)
        result["search_index"] = reindex(show)
        meta_file.write_text(json.dumps({**wanted, "contacts": max(1, args.tickets // 10), "seed_result": counts}))
    else:
        from bench import ops

        show("reusing the seeded database (migrating it if the code moved on)")
        with redirect_stdout(quiet):
            call_command("migrate", verbosity=0, interactive=False)
        result["seed"] = {"reused": True, **previous.get("seed_result", {})}
        result["reset"] = ops.reset_to_seed(args.tickets, max(1, args.tickets // 10))
    show("collecting static files")
    with redirect_stdout(quiet):
        call_command("collectstatic", interactive=False, verbosity=0)
    measure(args, target, secret, result, show)
    result["load_average_end"] = load_average()
    result["cpu_calibration_ms_end"] = cpu_calibration()
    text = json.dumps(result, ensure_ascii=False, indent=2)
    Path(args.out).write_text(text + "\n")
    print(text)
    show(f"written to {args.out}")
    return 0


def reindex(show: Display) -> dict[str, Any]:
    """Build the search index over the bulk-loaded rows (the live index is kept by the services' events)."""
    from django.apps import apps

    if not apps.is_installed("hotline.knowledge"):
        return {"status": "not available", "reason": "the knowledge app is not installed"}
    try:
        from hotline.knowledge.search import rebuild
    except ImportError as exc:
        return {"status": "not available", "reason": f"search is not built yet ({exc})"}
    started = time.perf_counter()
    counts = rebuild.reindex(
        kinds=("tickets", "contacts", "articles"),
        batch=20_000,
        progress=lambda kind, done: show(f"search index {kind}: {done}", final=False),
    )
    show("search index built")
    return {"counts": dict(counts), "seconds": round(time.perf_counter() - started, 1)}


def measure(
    args: argparse.Namespace, target: bench_env.BenchEnv, secret: str, result: dict[str, Any], show: Display
) -> None:
    from django.apps import apps

    from bench import load, ops, seed
    from bench.server import Server

    only = {o.strip() for o in args.only.split(",") if o.strip()} or set(OPERATIONS)
    rng = random.Random(args.seed + 1)
    contacts = max(1, args.tickets // 10)
    operator = ops.actor(ops.OPERATOR)
    supervisor = ops.actor(ops.SUPERVISOR)
    queues = ops.operator_queues(operator.user)
    ticket_ids = ops.visible_ticket_sample(rng, args.tickets, queues, args.requests)
    truth = seed.planted(args.tickets, args.seed, articles=args.articles if seed.knowledge_installed() else 0)
    operations: dict[str, Any] = {}
    result["operations"] = operations
    search_ready = apps.is_installed("hotline.knowledge") and "status" not in result.get("search_index", {})

    def run(name: str, units: list[load.Unit], who: ops.Actor, *, cookies: bool = False) -> dict[str, Any]:
        # A few unmeasured requests first: each worker loads its code, templates and connections once.
        warm = units[: max(4, args.workers * 2)]
        load.run(server.base_url, warm, concurrency=args.concurrency, time_limit=args.time_limit,
                 headers=who.bearer, cookies=who.cookies if cookies else None)  # fmt: skip
        cpu_before, db_before = server.cpu_seconds(), database_cpu_seconds()
        outcome = load.run(
            server.base_url, units, concurrency=args.concurrency, time_limit=args.time_limit,
            headers=who.bearer, cookies=who.cookies if cookies else None, progress=show.counter(name),
        ).summary()  # fmt: skip
        # CPU time per unit, unlike wall time, hardly depends on what else the machine is running.
        if outcome["requests"]:
            outcome["server_cpu_ms"] = round((server.cpu_seconds() - cpu_before) * 1000 / outcome["requests"], 1)
            if db_before is not None:
                db_after = database_cpu_seconds() or 0.0
                outcome["database_cpu_ms"] = round((db_after - db_before) * 1000 / outcome["requests"], 1)
        outcome["load_average"] = load_average()
        outcome["cpu_calibration_ms"] = cpu_calibration()
        summary = ", ".join(f"{k} {outcome[k]}" for k in ("p50_ms", "p95_ms", "per_second", "errors") if k in outcome)
        show(f"{name}: {summary}")
        return outcome

    log = target.data_dir / "server.log"
    over_http = only & {"screen_pop", "queue_page", "ticket_page", "search", "search_common", "intake"}
    show(f"starting uvicorn with {args.workers} workers (log: {log})" if over_http else "no HTTP operations")
    with Server(target.variables(secret), workers=args.workers, log=log, start=bool(over_http)) as server:
        result["memory_at_start"] = server.memory()
        if "screen_pop" in only:
            operations["screen_pop"] = run("screen_pop", ops.screen_pop(rng, contacts, args.requests), operator)
        if "queue_page" in only:
            url = ops.queue_url(queues[0])
            operations["queue_page"] = {"url": url, **run("queue_page", ops.page(url, args.requests), operator,
                                                          cookies=True)}  # fmt: skip
        if "ticket_page" in only:
            operations["ticket_page"] = run("ticket_page", ops.ticket_pages(ticket_ids), operator, cookies=True)
        for name, word in (("search", "счётчик"), ("search_common", "принтер")):
            if name not in only:
                continue
            if not search_ready:
                operations[name] = {"status": "not available", "reason": "search is not built yet"}
                continue
            operations[name] = {"query": word, **run(name, ops.search(word, args.requests), supervisor)}
            if name == "search":
                operations[name].update(search_recall(server.base_url, supervisor, truth))
        if "intake" in only:
            outcome = run("intake", ops.intake(rng, contacts, args.intake_requests), operator)
            outcome["tickets_per_second"] = outcome.pop("per_second")
            operations["intake"] = outcome
        result["memory"] = server.memory()
    if "email_intake" in only:
        show(f"e-mail intake: {args.emails} messages")
        operations["email_intake"] = ops.email_intake(
            args.emails, target.data_dir, lambda m: show(f"e-mail intake: {m}")
        )
    if "report" in only:
        operations["report"] = ops.report()
    show("query counts (in process)")
    samples = ops.tickets_by_message_count(operator.user, queues)
    result["query_counts"] = ops.query_counts(operator.user, queues[0], samples)


def database_cpu_seconds() -> float | None:
    """CPU time of the PostgreSQL backends serving the benchmark database (None on SQLite: it runs in the worker)."""
    from django.db import connection

    from bench.server import cpu_seconds

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return cpu_seconds(pids)


def search_recall(base_url: str, who: Any, truth: Any) -> dict[str, Any]:
    """One search with room for every planted document; recall against what the generator planted."""
    from bench import load, ops

    answers: list[Any] = []

    async def unit(session: Any) -> None:
        url = "/api/search?q=счётчик&kinds=tickets,articles&limit=100"
        answers.append(await load.call(session, "GET", url))

    outcome = load.run(base_url, [unit], concurrency=1, headers=who.bearer)
    if not answers:
        return {"recall": None, "recall_error": outcome.error_samples}
    return ops.recall(answers[0], truth)
