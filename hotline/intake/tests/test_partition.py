"""Sharing an import between parallel importers: whatever could touch the same rows stays with one importer."""

from __future__ import annotations

import threading

import pytest

from hotline.desk.mail_ids import make_message_id
from hotline.intake.services.maildir import import_workers
from hotline.intake.services.partition import partition, ties
from hotline.intake.tests.mailgen import mail

OURS = ["support@example.ru"]


def _share_of(shares: list[list[int]]) -> dict[int, int]:
    return {index: n for n, share in enumerate(shares) for index in share}


def test_a_conversation_and_a_persons_mail_stay_together_and_strangers_spread() -> None:
    raws = [
        mail(sender="anna@example.com", subject="Нет воды", message_id="a1@example.com"),
        mail(sender="boris@example.com", subject="Принтер", message_id="b1@example.com"),
        # Anna's colleague answers in her thread: tied through the Message-ID, not the address.
        mail(
            sender="colleague@example.com",
            subject="Re: Нет воды",
            message_id="c1@example.com",
            in_reply_to="a1@example.com",
            references=["a1@example.com"],
        ),
        mail(sender="dina@example.com", subject="Счётчик", message_id="d1@example.com"),
        mail(sender="ANNA@example.com", subject="Ещё вопрос", message_id="a2@example.com"),  # the same person
        mail(sender="eva@example.com", subject="Вопрос", message_id="e1@example.com", cc="boris@example.com"),
    ]
    shares = partition(raws, 2, OURS)
    share = _share_of(shares)
    assert sorted(share) == list(range(len(raws)))  # every message once
    assert all(s == sorted(s) for s in shares)  # delivery order kept within a share
    assert share[0] == share[2] == share[4]
    assert share[1] == share[5]  # Boris copied on Eva's mail: he may become a contact of either
    assert len(shares) == 2  # the support address everyone writes to ties nobody together


def test_a_ticket_named_in_the_subject_or_by_our_message_id_ties_its_messages() -> None:
    ours = make_message_id(ticket_id=123)
    raws = [
        mail(sender="x@example.com", subject="Re: [HL-000123] Нет воды", message_id="x1@example.com"),
        mail(sender="y@example.com", subject="Ответ", message_id="y1@example.com", in_reply_to=ours.strip("<>")),
        mail(sender="z@example.com", subject="=?utf-8?b?W0hMLTAwMDEyM10g0J3QtdGCINCy0L7QtNGL?=", message_id="z1@e.com"),
    ]
    assert "ticket:123" in ties(raws[0], frozenset(OURS))
    assert "ticket:123" in ties(raws[1], frozenset(OURS))
    assert "ticket:123" in ties(raws[2], frozenset(OURS))  # an encoded subject is decoded first
    assert len(partition(raws, 2, OURS)) == 1


def test_groups_are_spread_so_no_importer_idles() -> None:
    raws = [mail(sender=f"p{n % 6}@example.com", message_id=f"m{n}@example.com") for n in range(60)]
    sizes = sorted(len(s) for s in partition(raws, 3, OURS))
    assert sizes == [20, 20, 20]


@pytest.mark.django_db
def test_one_importer_on_sqlite_and_inside_an_open_transaction() -> None:
    # SQLite writes one transaction at a time anyway; on PostgreSQL this test's transaction holds rows that
    # other processes could not see.
    assert import_workers(4, 10_000, 50) == 1


def test_importers_are_not_forked_beside_another_thread() -> None:
    from hotline.intake.services import maildir

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not maildir._forkable()  # a fork would copy the other thread's locks as they are
    finally:
        stop.set()
        other.join()
