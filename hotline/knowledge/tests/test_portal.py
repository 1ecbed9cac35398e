"""The portal's knowledge base, its suggestions while a request is written, and counting deflection."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hotline.knowledge import selectors
from hotline.knowledge.models import DeflectionAttempt
from hotline.knowledge.tests.helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(section):
    return {
        "meters": publish(section, "Как передать показания счётчика", "Через личный кабинет до 25 числа"),
        "bills": publish(section, "Где взять квитанцию", "Квитанции приходят по почте"),
        "internal": publish(section, "Регламент замены счётчиков", public=False),
    }


def test_guests_read_public_articles_and_vote(client, kb):
    home = client.get(reverse("kb:home"))
    body = home.content.decode()
    assert home.status_code == 200
    assert kb["meters"].title in body
    assert kb["internal"].title not in body
    page = client.get(reverse("kb:article", args=[kb["meters"].pk]))
    assert page.status_code == 200
    assert "Статья помогла?" in page.content.decode()
    assert client.get(reverse("kb:article", args=[kb["internal"].pk])).status_code == 404
    vote = client.post(reverse("kb:feedback", args=[kb["meters"].pk]), {"helpful": "1"}, HTTP_HX_REQUEST="true")
    assert vote.status_code == 200
    assert "Спасибо" in vote.content.decode()
    kb["meters"].refresh_from_db()
    assert (kb["meters"].helpful_count, kb["meters"].view_count) == (1, 1)
    assert client.post(reverse("kb:feedback", args=[kb["meters"].pk]), {}).status_code == 302


def test_portal_search_finds_word_forms_in_public_articles_only(client, kb):
    body = client.get(reverse("kb:home"), {"q": "счётчики"}).content.decode()
    assert "<mark>счётчика</mark>" in body
    assert kb["internal"].title not in body


def test_suggestions_while_typing_a_request_and_deflection(client, customer, kb, line1):
    client.force_login(customer)
    shown = client.get(reverse("kb:suggest"), {"subject": "Не могу передать показания", "description": "счётчик"})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert kb["meters"].title in html
    assert kb["internal"].title not in html
    attempt = DeflectionAttempt.objects.get(user=customer)
    assert attempt.shown_article_ids == [kb["meters"].pk]
    # The customer opens the suggested article … and does not send the request.
    client.get(reverse("kb:article", args=[kb["meters"].pk]) + "?from=suggest")
    attempt.refresh_from_db()
    assert attempt.opened_article == kb["meters"]
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        stats = selectors.deflection_stats()
        assert (stats.attempts, stats.opened, stats.deflected, stats.rate_percent) == (1, 1, 1, 100)
        assert selectors.article_stats(kb["meters"]).deflected == 1


def test_a_request_sent_after_the_suggestion_is_not_deflected(client, customer, kb, line1):
    client.force_login(customer)
    client.get(reverse("kb:suggest"), {"subject": "квитанция не пришла"})
    client.get(reverse("kb:article", args=[kb["bills"].pk]) + "?from=suggest")
    sent = client.post(
        reverse("portal:new"), {"subject": "Квитанция не пришла", "description": "Уже месяц нет квитанции"}
    )
    assert sent.status_code == 302
    attempt = DeflectionAttempt.objects.get(user=customer)
    assert attempt.ticket is not None
    assert attempt.submitted_at is not None
    stats = selectors.deflection_stats()
    assert (stats.attempts, stats.submitted_after_opening, stats.deflected) == (1, 1, 0)


def test_nothing_is_counted_without_suggestions(client, customer, kb, line1):
    client.force_login(customer)
    empty = client.get(reverse("kb:suggest"), {"subject": "зюзюка"})
    assert empty.status_code == 200
    assert empty.content.decode().strip() == ""
    assert not DeflectionAttempt.objects.exists()


def test_customer_search_covers_own_requests_and_articles(client, customer, other_customer, kb, operator, line1):
    from hotline.knowledge.tests.helpers import open_ticket

    mine = open_ticket(operator, "Счётчик опломбировать", contact=customer.contact)
    theirs = open_ticket(operator, "Счётчик сломан", contact=other_customer.contact)
    client.force_login(customer)
    body = client.get(reverse("kb:search"), {"q": "счётчик"}).content.decode()
    assert mine.number in body
    assert theirs.number not in body
    assert "Как передать показания <mark>счётчика</mark>" in body
