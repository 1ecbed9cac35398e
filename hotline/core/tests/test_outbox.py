import dataclasses
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from hotline.core import events
from hotline.core.events import Event, publish, register_event, subscribe
from hotline.core.models import OutboxDelivery, OutboxEvent
from hotline.core.outbox import deliver_event, deliver_pending

pytestmark = pytest.mark.django_db


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class ThingHappened(Event):
    thing_id: int


received: list[int] = []
flaky_calls: list[int] = []


def remember(event: ThingHappened) -> None:
    received.append(event.thing_id)


def flaky(event: ThingHappened) -> None:
    flaky_calls.append(event.thing_id)
    if len(flaky_calls) == 1:
        raise RuntimeError("receiver down")


@pytest.fixture(autouse=True)
def _subscribers():
    received.clear()
    flaky_calls.clear()
    subscribe(ThingHappened, remember, mode="async")
    yield
    events._async.pop(ThingHappened.name, None)
    events._sync.pop(ThingHappened.name, None)


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"):
        publish(ThingHappened(thing_id=1))


def test_event_is_stored_in_the_publishers_transaction_and_rolled_back_with_it() -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            publish(ThingHappened(thing_id=1))
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        change_that_fails()
    assert not OutboxEvent.objects.exists()


def test_sync_subscriber_runs_inside_the_transaction() -> None:
    seen: list[int] = []
    subscribe(ThingHappened, lambda e: seen.append(e.thing_id), mode="sync")
    with transaction.atomic():
        publish(ThingHappened(thing_id=7))
        assert seen == [7]


def test_async_delivery_happens_once_even_when_delivered_twice() -> None:
    with transaction.atomic():
        row = publish(ThingHappened(thing_id=5, actor_id=None))
    assert deliver_event(row.pk) is True
    assert deliver_event(row.pk) is True
    assert received == [5]
    row.refresh_from_db()
    assert row.processed_at is not None
    assert OutboxDelivery.objects.filter(event=row).count() == 1


def test_failed_subscriber_is_retried_with_backoff_and_others_are_not_repeated() -> None:
    subscribe(ThingHappened, flaky, mode="async")
    with transaction.atomic():
        row = publish(ThingHappened(thing_id=9))
    assert deliver_pending() == 0
    row.refresh_from_db()
    assert row.processed_at is None
    assert row.attempts == 1
    assert "receiver down" in row.last_error
    assert row.next_attempt_at > timezone.now()
    # Not due yet: nothing happens.
    assert deliver_pending() == 0
    assert flaky_calls == [9]
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert deliver_pending() == 1
    assert flaky_calls == [9, 9]
    assert received == [9]  # the healthy subscriber ran once
    delivered = OutboxEvent.objects.get(pk=row.pk)
    assert delivered.processed_at is not None
    assert delivered.last_error == ""
