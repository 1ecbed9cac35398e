"""Intake fixtures: a default queue, a mailbox on it, and a way to write messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.desk.models import Queue
from hotline.desk.tests.factories import LineQueueFactory
from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.services.outcomes import forget_our_addresses


@pytest.fixture(autouse=True)
def _fresh_address_cache() -> Iterator[None]:
    forget_our_addresses()
    yield
    forget_our_addresses()


@pytest.fixture
def queue(db: None) -> Queue:
    return LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)


@pytest.fixture
def mailbox(queue: Queue) -> Mailbox:
    return Mailbox.objects.create(
        name="Поддержка", address="support@example.ru", kind=MailboxKind.SMTP, queue=queue, is_default=True
    )
