"""What a finished import of ``hotline.intake.sample`` messages must show, however it was run."""

from __future__ import annotations

from collections.abc import Sequence

from hotline.desk.models import Message, Ticket
from hotline.intake.models import InboundStatus
from hotline.intake.sample import SampleMessage
from hotline.intake.services.maildir import IngestStats


def assert_taken_and_threaded(samples: Sequence[SampleMessage], stats: IngestStats) -> None:
    """Every message taken once: a request a ticket, a reply in its request's ticket, an auto-reply neither."""
    replies = [s for s in samples if s.reply_to_id]
    autos = [s for s in samples if s.auto_reply]
    assert stats.total == len(samples)
    assert stats.statuses[InboundStatus.REPLY] == len(replies)
    assert stats.statuses[InboundStatus.TICKET] == len(samples) - len(replies) - len(autos)
    assert Ticket.objects.count() == stats.statuses[InboundStatus.TICKET]
    for sample in replies:
        reply = Message.objects.get(external_id=sample.message_id)
        assert reply.ticket_id == Message.objects.get(external_id=sample.reply_to_id).ticket_id
