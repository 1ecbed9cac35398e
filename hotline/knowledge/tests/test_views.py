"""The agent's screens: global search as you type, the new-request suggestions, the knowledge base pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.knowledge.models import Article, ArticleUse
from hotline.knowledge.services import articles
from hotline.knowledge.tests.helpers import open_ticket, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(operator, line1, customer, section):
    tickets = [
        open_ticket(operator, f"Счётчик №{n}", "Абонент просит заменить", contact=customer.contact) for n in range(8)
    ]
    arts = [publish(section, f"Счётчики: вопрос {n}", "Ответ про квитанции") for n in range(8)]
    return {"tickets": tickets, "articles": arts}


def test_global_box_suggests_tickets_contacts_and_articles_in_few_queries(
    client, operator, world, django_assert_max_num_queries
):
    client.force_login(operator)
    client.get(reverse("knowledge:search_suggest"), {"q": "счё"})  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(reverse("knowledge:search_suggest"), {"q": "счётч"})
    body = response.content.decode()
    assert response.status_code == 200
    assert world["tickets"][-1].number in body
    assert "<mark>Счётчики</mark>: вопрос 7" in body
    assert "Все результаты" in body


def test_results_page_and_ticket_number_jump(client, operator, world, django_assert_max_num_queries):
    client.force_login(operator)
    client.get(reverse("knowledge:search"), {"q": "warm"})
    with django_assert_max_num_queries(16):
        page = client.get(reverse("knowledge:search"), {"q": "счётчики"})
    assert page.status_code == 200
    assert page.content.decode().count("<mark>") >= 16
    jump = client.get(reverse("knowledge:search"), {"q": world["tickets"][0].number})
    assert jump.status_code == 302
    assert jump["Location"] == reverse("desk:ticket", args=[world["tickets"][0].number])
    assert client.get(reverse("knowledge:search"), {"q": "'\"<script>"}).status_code == 200


def test_new_request_screen_suggests_articles_and_similar_open_tickets(client, operator, world):
    client.force_login(operator)
    response = client.get(
        reverse("knowledge:intake_suggest"), {"subject": "у абонента сломался счётчик", "description": ""}
    )
    body = response.content.decode()
    assert "Может помочь" in body
    assert "Похожие открытые заявки" in body
    assert world["tickets"][-1].number in body


def test_search_pages_are_for_staff(client, customer):
    client.force_login(customer)
    assert client.get(reverse("knowledge:search"), {"q": "x"}).status_code == 403
    assert client.get(reverse("knowledge:home")).status_code == 403


def test_knowledge_base_list_in_constant_queries(client, operator, world, django_assert_max_num_queries):
    client.force_login(operator)
    client.get(reverse("knowledge:home"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("knowledge:home"))
    assert page.status_code == 200
    assert page.content.decode().count("Счётчики: вопрос") == 8


def test_write_edit_version_and_restore_through_the_screens(client, operator, section):
    client.force_login(operator)
    bad = client.post(reverse("knowledge:new_article"), {"title": "", "category": section.pk})
    assert bad.status_code == 422
    created = client.post(
        reverse("knowledge:new_article"),
        {
            "title": "Поверка счётчика",
            "category": section.pk,
            "body": "Раз в 6 лет.",
            "visibility": "public",
            "language": "ru",
            "status": "published",
        },
    )
    article = Article.objects.get(title="Поверка счётчика")
    assert created.status_code == 302
    assert created["Location"] == reverse("knowledge:article", args=[article.pk])
    client.post(
        reverse("knowledge:edit_article", args=[article.pk]),
        {
            "title": "Поверка счётчика",
            "category": section.pk,
            "body": "Раз в 4 года.",
            "visibility": "public",
            "status": "published",
            "note": "новый срок",
        },
    )
    versions = client.get(reverse("knowledge:versions", args=[article.pk]) + "?v=1").content.decode()
    assert "Раз в 6 лет." in versions
    assert "новый срок" in versions
    client.post(reverse("knowledge:restore", args=[article.pk, 1]))
    article.refresh_from_db()
    assert "Раз в 6 лет." in article.body_text
    assert article.version == 3
    page = client.get(reverse("knowledge:article", args=[article.pk]))
    assert page.status_code == 200


def test_files_are_served_to_those_who_may_read_the_article(client, operator, customer, section):
    public = publish(section, "Схема")
    internal = publish(section, "Внутренняя схема", public=False)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    pub_file = articles.add_attachments(
        actor=operator, article=public, files=[SimpleUploadedFile("a.png", png, content_type="image/png")]
    )[0]
    int_file = articles.add_attachments(
        actor=operator, article=internal, files=[SimpleUploadedFile("b.png", png, content_type="image/png")]
    )[0]
    assert client.get(reverse("kb:file", args=[pub_file.pk])).status_code == 200
    assert client.get(reverse("kb:file", args=[int_file.pk])).status_code == 404
    client.force_login(operator)
    assert client.get(reverse("knowledge:file", args=[int_file.pk])).status_code == 200


def test_ticket_tools_link_an_article(client, operator, line1, section):
    article = publish(section, "Сброс пароля")
    ticket = open_ticket(operator, "Не могу войти")
    client.force_login(operator)
    picker = client.get(reverse("knowledge:article_picker", args=[ticket.number]), {"q": "паро"})
    assert "Сброс <mark>пароля</mark>" in picker.content.decode()
    linked = client.post(
        reverse("knowledge:link_article", args=[ticket.number]), {"article_id": article.pk}, HTTP_HX_REQUEST="true"
    )
    assert linked.status_code == 200
    assert "Сброс пароля" in linked.content.decode()
    assert ArticleUse.objects.filter(article=article, ticket=ticket).exists()


def test_stats_page_for_supervisors(client, operator, supervisor, world):
    client.force_login(operator)
    assert client.get(reverse("knowledge:stats")).status_code == 403
    client.force_login(supervisor)
    assert client.get(reverse("knowledge:stats")).status_code == 200
