"""Deferred writes of a bulk job: written once at the end of the block, dropped with a failed attempt."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hotline.core import batching
from hotline.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _row(summary: str) -> AuditLog:
    return AuditLog(action=AuditLog.Action.CREATE, object_type="test", object_id="1", summary=summary)


def _summaries() -> list[str]:
    return list(AuditLog.objects.filter(object_type="test").order_by("pk").values_list("summary", flat=True))


def test_outside_a_block_a_row_is_written_at_once() -> None:
    row = batching.insert(_row("at once"))
    assert row.pk is not None
    assert _summaries() == ["at once"]
    assert batching.memo() is None


def test_a_block_writes_its_rows_in_one_statement_at_its_end() -> None:
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), batching.deferring():
        for n in range(5):
            batching.insert(_row(f"row {n}"))
        assert _summaries() == []  # nothing written yet
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditlog"')]
    assert len(inserts) == 1
    assert _summaries() == [f"row {n}" for n in range(5)]


def test_a_failed_attempt_drops_what_it_collected_and_the_rest_is_written() -> None:
    flushed: list[list[int]] = []
    with transaction.atomic(), batching.deferring():
        batching.insert(_row("kept before"))
        batching.later(flushed.append, 1)
        memo = batching.memo()
        assert memo is not None
        memo["read in the failed attempt"] = True

        def failing_message() -> None:
            with batching.attempt():
                batching.insert(_row("dropped"))
                batching.later(flushed.append, 2)
                raise RuntimeError("the message failed")

        with pytest.raises(RuntimeError):
            failing_message()
        assert memo == {}  # what the failed attempt read went with it
        with batching.attempt():
            batching.insert(_row("kept after"))
            batching.later(flushed.append, 3)
    assert _summaries() == ["kept before", "kept after"]
    assert flushed == [[1, 3]]  # one call with every surviving item, in order


def test_a_block_that_raises_writes_nothing_and_nested_blocks_join_the_outer() -> None:
    def failing_chunk() -> None:
        with transaction.atomic(), batching.deferring():
            with batching.deferring():
                batching.insert(_row("inner"))
            assert _summaries() == []  # the inner block did not flush on its own
            raise RuntimeError("the chunk failed")

    with pytest.raises(RuntimeError):
        failing_chunk()
    assert _summaries() == []
    assert not batching.active()
