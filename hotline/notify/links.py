"""Absolute links in mail and the signed tokens behind the unsubscribe and rating links.

A token is the contact (and ticket) id signed with the secret key under its own salt, so a link
cannot be forged or turned into another one; the unsubscribe link never expires (mail lives long),
a rating link does after ``RATING_MAX_AGE``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from hotline.core.errors import NotFound
from hotline.desk.models import Ticket

UNSUBSCRIBE_SALT = "hotline.notify.unsubscribe"
RATING_SALT = "hotline.notify.rating"
RATING_MAX_AGE = timedelta(days=60)


def absolute(path: str) -> str:
    return f"{settings.HOTLINE_PUBLIC_URL}{path}"


def _reverse(name: str, *args: object) -> str:
    try:
        return absolute(reverse(name, args=args))
    except NoReverseMatch:
        return ""


def unsubscribe_token(contact_id: int) -> str:
    return signing.dumps({"c": contact_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int:
    """Raises NotFound: the link is damaged or was not made by this installation."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound("Ссылка недействительна") from exc


def unsubscribe_url(contact_id: int) -> str:
    return _reverse("notify:unsubscribe", unsubscribe_token(contact_id))


def rating_token(ticket_id: int, contact_id: int) -> str:
    return signing.dumps({"t": ticket_id, "c": contact_id}, salt=RATING_SALT)


def read_rating_token(token: str) -> tuple[int, int]:
    """The (ticket id, contact id) of a rating link.

    Raises:
        NotFound: the link is damaged, forged or older than ``RATING_MAX_AGE``.
    """
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
        return int(data["t"]), int(data["c"])
    except signing.SignatureExpired as exc:
        raise NotFound("Срок действия ссылки для оценки истёк") from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound("Ссылка недействительна") from exc


def rating_url(ticket_id: int, contact_id: int, score: int | None = None) -> str:
    url = _reverse("notify:rate", rating_token(ticket_id, contact_id))
    return f"{url}?score={score}" if url and score is not None else url


def agent_ticket_url(ticket: Ticket) -> str:
    return _reverse("desk:ticket", ticket.number)


def portal_ticket_url(ticket: Ticket) -> str:
    return _reverse("portal:detail", ticket.number)
