"""The benchmark still runs end to end: a tiny seed, a few requests per operation, every figure present.

It runs ``python -m bench`` as the documented command does — its own database (a temp SQLite file, or a
database of its own beside this run's PostgreSQL test database), its own uvicorn — so a changed model, URL,
template or API shape that would break the benchmark breaks this test instead. No timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Seconds: about 40 on an idle 2-core machine (migrate and collectstatic take most); 3 minutes on a busy one.
TIMEOUT = 600


def _bench_database_url() -> str:
    """SQLite unless this test run is on PostgreSQL; then a database of its own on the same server."""
    test_url = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")
    if not test_url:
        return "sqlite"
    parts = urlsplit(test_url)
    name = (parts.path.lstrip("/") or "hotline") + "_bench_smoke"
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("bench")
    out = work / "result.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    command = [
        sys.executable, "-m", "bench", "--tickets", "300", "--articles", "60", "--requests", "4",
        "--intake-requests", "4", "--emails", "20", "--workers", "1", "--time-limit", "60",
        "--database-url", _bench_database_url(), "--data-dir", str(work), "--out", str(out), "--quiet",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"bench failed:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert json.loads(done.stdout) == result, "the JSON printed is the JSON written"
    return result


def test_seeds_the_volumes_asked_for(bench_result: dict[str, Any]) -> None:
    seed = bench_result["seed"]
    assert seed["tickets"] == 300
    assert seed["contacts"] == 30
    assert seed["organisations"] == 3
    assert 300 <= seed["messages"] <= 1200  # 1–4 per ticket
    assert seed["sla_timers"] == 600


def test_every_operation_has_figures_or_says_it_is_not_available(bench_result: dict[str, Any]) -> None:
    operations = bench_result["operations"]
    expected = {
        "screen_pop",
        "queue_page",
        "ticket_page",
        "search",
        "search_common",
        "intake",
        "email_intake",
        "report",
    }
    assert set(operations) == expected
    for name, figures in operations.items():
        if figures.get("status") == "not available":
            assert figures["reason"], name
            continue
        if name == "email_intake":
            assert figures["total"] == 20
            assert figures["messages_per_second"] > 0
            continue
        assert figures["errors"] == 0, (name, figures.get("error_samples"))
        assert figures["requests"] == figures["planned"] == 4, name
        assert figures["p95_ms"] >= figures["p50_ms"] > 0, name
    assert operations["intake"]["tickets_per_second"] > 0


def test_search_finds_every_planted_word_form(bench_result: dict[str, Any]) -> None:
    search = bench_result["operations"]["search"]
    if search.get("status") == "not available":
        pytest.skip("search is not built yet")
    assert search["planted"] == 60 + 12
    assert search["recall"] == 1.0, search["per_form"]


def test_page_query_counts_do_not_grow_with_the_ticket(bench_result: dict[str, Any]) -> None:
    counts = bench_result["query_counts"]
    assert counts["queue_page"] == counts["queue_page_2"]
    per_ticket = list(counts["ticket_page_by_ticket"].values())
    assert len(per_ticket) == 2
    assert len(set(per_ticket)) == 1, counts["ticket_page_by_ticket"]


def test_reports_memory_of_the_web_worker(bench_result: dict[str, Any]) -> None:
    assert bench_result["memory"]["peak_rss_mib"] > 20
    assert bench_result["memory"]["workers"] == 1
