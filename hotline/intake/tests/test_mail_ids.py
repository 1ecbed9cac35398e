"""Our signed Message-IDs: made for a ticket, recognised in replies, forgeries refused."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from hotline.desk.mail_ids import make_message_id, parse_message_id


def test_an_id_of_ours_names_its_ticket() -> None:
    mid = make_message_id(ticket_id=123, from_email="Поддержка <support@example.ru>")
    assert mid.startswith("HL-000123.")
    assert mid.endswith("@example.ru")
    parsed = parse_message_id(f"<{mid}>")
    assert parsed is not None
    assert parsed.ticket_id == 123


def test_ids_are_unique() -> None:
    assert len({make_message_id(ticket_id=1) for _ in range(200)}) == 200


def test_mail_not_about_a_ticket_is_still_ours() -> None:
    parsed = parse_message_id(make_message_id(ticket_id=None, from_email="hotline@example.ru"))
    assert parsed is not None
    assert parsed.ticket_id is None


@pytest.mark.parametrize(
    "forged",
    [
        "HL-000124.abcdefghijkl.0000000000000000@example.ru",
        "CAF=abc123@mail.gmail.com",
        "",
        "HL-000123@example.ru",
        "no-at-sign",
    ],
)
def test_unknown_or_forged_ids_are_not_ours(forged: str) -> None:
    assert parse_message_id(forged) is None


def test_changing_the_ticket_number_breaks_the_signature() -> None:
    mid = make_message_id(ticket_id=5, from_email="s@example.ru")
    assert parse_message_id(mid.replace("HL-000005", "HL-000006", 1)) is None


def test_another_secret_key_does_not_verify(settings: Settings) -> None:
    mid = make_message_id(ticket_id=5)
    settings.SECRET_KEY = "another-installation"
    assert parse_message_id(mid) is None
