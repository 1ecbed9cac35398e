"""What an import of ``hotline.intake.sample`` messages must leave, read straight from the database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hotline.intake.sample import SampleMessage
from tests.integration.test_celery_periodic import SharedDatabase


def assert_each_taken_once(shared: SharedDatabase, samples: Sequence[SampleMessage], maildir: Path) -> None:
    """Every message stored once; every request a ticket, every reply a message in its request's ticket, each
    exactly once; auto-replies recorded only; every file acknowledged."""
    rows = shared.rows("SELECT message_id, status, ticket_id FROM intake_inboundmessage")
    assert len(rows) == len(samples)
    assert len({r[0] for r in rows}) == len(samples)
    taken = {mid: (status, ticket) for mid, status, ticket in rows}
    messages = shared.rows("SELECT external_id, ticket_id FROM desk_message WHERE external_id <> ''")
    by_id: dict[str, list[int]] = {}
    for external_id, ticket_id in messages:
        by_id.setdefault(external_id, []).append(ticket_id)
    for sample in samples:
        status, ticket = taken[sample.message_id]
        if sample.auto_reply:
            assert status == "auto_reply"
            assert sample.message_id not in by_id
            continue
        assert by_id.get(sample.message_id) == [ticket], sample.message_id
        if sample.reply_to_id:
            assert status == "reply"
            assert ticket == taken[sample.reply_to_id][1]
        else:
            assert status == "ticket"
    requests = [s for s in samples if not s.reply_to_id and not s.auto_reply]
    assert shared.rows("SELECT COUNT(*) FROM desk_ticket")[0][0] == len(requests)
    assert not list((maildir / "new").iterdir())
