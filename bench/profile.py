"""Where one operation's time goes, against a database the benchmark seeded (``--reuse`` data stays as it is).

    .venv/bin/python -m bench.profile --database-url postgres://…/hotline_bench queue_page [--explain]

Runs the operation in this process through Django's test client: the SQL it sends with each statement's time
(and PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest with ``--explain``), then a cProfile of repeated
runs, top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time
from typing import Any
from urllib.parse import urlencode

from bench import env as bench_env

TARGETS = ("screen_pop", "queue_page", "ticket_page", "search", "search_common", "intake")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--tickets", type=int, default=10_000, help="N the database was seeded with")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    target = bench_env.make_env(args.database_url or None, args.data_dir or None)
    bench_env.apply(target)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import ops, seed
    from hotline.core.models import User
    from hotline.desk.models import format_ticket_number

    rng = random.Random(7)
    who = ops.SUPERVISOR if args.target.startswith("search") else ops.OPERATOR
    user = User.objects.get(username=who)
    queues = ops.operator_queues(user)
    client = Client()
    client.force_login(user)
    tickets = ops.visible_ticket_sample(rng, args.tickets, queues, args.repeat)
    contacts = max(1, args.tickets // 10)

    def request(index: int) -> Any:
        if args.target == "queue_page":
            return client.get(ops.queue_url(queues[0]))
        if args.target == "ticket_page":
            return client.get(f"/desk/t/{format_ticket_number(tickets[index % len(tickets)])}/")
        if args.target == "screen_pop":
            phone = seed.spoken(seed.mobile(rng.randint(1, contacts)))
            return client.get("/api/contacts/lookup?" + urlencode({"phone": phone}))
        if args.target == "intake":
            body = {"subject": "Профилирование", "description": "текст", "channel": "phone", "contact_id": 1}
            return client.post("/api/tickets", body, content_type="application/json")
        word = "счётчик" if args.target == "search" else "принтер"
        return client.get("/api/search?" + urlencode({"q": word, "kinds": "tickets,articles", "limit": 20}))

    request(0)  # warm: imports, templates, connection
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = request(1)
        total = (time.perf_counter() - started) * 1000
    print(f"{args.target}: HTTP {response.status_code}, {total:.1f} ms, {len(captured.captured_queries)} queries")
    timed = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    if args.explain and connection.vendor == "postgresql":
        for query in timed[:3]:
            print("\nEXPLAIN (ANALYZE, BUFFERS)", query["sql"][:2000])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                for (line,) in cursor.fetchall():
                    print("   ", line)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for index in range(args.repeat):
        request(index)
    profiler.disable()
    each = (time.perf_counter() - started) * 1000 / args.repeat
    print(f"\n{args.repeat} runs under cProfile: {each:.1f} ms each (profiling adds overhead)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
