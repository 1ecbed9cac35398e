"""The knowledge base: articles, versions, translations, related articles, files, feedback and use on tickets."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, OutboxEvent
from hotline.desk.services import workflow
from hotline.knowledge import selectors
from hotline.knowledge.models import Article, ArticleVersion
from hotline.knowledge.search.service import search
from hotline.knowledge.services import articles, usage
from hotline.knowledge.tests.helpers import ids, open_ticket, publish

pytestmark = pytest.mark.django_db


def test_create_edit_and_restore_versions(section, operator, other_operator):
    article = articles.create_article(
        actor=operator, category=section, title="Как передать показания", body="Через портал.\n\nИли по телефону."
    )
    assert article.body_html == "<p>Через портал.</p><p>Или по телефону.</p>"
    assert article.status == "draft"
    assert article.version == 1
    articles.update_article(
        actor=other_operator,
        article=article,
        body="<p>Только <b>через портал</b><script>x()</script></p>",
        note="звонки не принимаем",
    )
    articles.publish_article(actor=operator, article=article)
    article.refresh_from_db()
    assert article.version == 3
    assert article.status == "published"
    assert article.published_at is not None
    assert "<script>" not in article.body_html
    assert "<b>через портал</b>" in article.body_html
    versions = list(selectors.versions_of(article))
    assert [(v.number, v.changed_by, v.changed_fields) for v in versions] == [
        (3, operator, ["status"]),
        (2, other_operator, ["body_html"]),
        (1, operator, ["created"]),
    ]
    assert versions[1].note == "звонки не принимаем"
    # Saving the same text again is no new version.
    articles.update_article(actor=operator, article=article, title=article.title)
    assert ArticleVersion.objects.filter(article=article).count() == 3

    articles.restore_version(actor=operator, article=article, number=1)
    article.refresh_from_db()
    assert article.version == 4
    assert "Или по телефону" in article.body_text
    assert article.versions.get(number=4).note == "восстановлена версия 1"
    assert AuditLog.objects.filter(object_type="knowledge.article", object_id=str(article.pk)).count() == 4
    assert OutboxEvent.objects.filter(name="knowledge.ArticleSaved").count() == 4
    with pytest.raises(NotFound):
        articles.restore_version(actor=operator, article=article, number=99)


def test_bad_input_is_named(section, operator):
    with pytest.raises(ValidationFailed) as exc:
        articles.create_article(actor=operator, category=section, title="   ")
    assert exc.value.field == "title"
    with pytest.raises(ValidationFailed) as exc:
        articles.create_article(actor=operator, category=section, title="x", visibility="secret")
    assert exc.value.field == "visibility"


def test_customers_cannot_write_and_only_leads_delete(section, customer, operator, supervisor):
    with pytest.raises(Forbidden):
        articles.create_article(actor=customer, category=section, title="Моя статья")
    article = publish(section, "Статья")
    with pytest.raises(Forbidden):
        articles.delete_article(actor=operator, article=article)
    articles.delete_article(actor=supervisor, article=article)
    assert not Article.objects.filter(pk=article.pk).exists()


def test_internal_and_draft_articles_are_hidden_from_customers(section, customer, operator):
    internal = publish(section, "Регламент", public=False)
    draft = articles.create_article(actor=operator, category=section, title="Черновик", visibility="public")
    public = publish(section, "Для всех")
    assert list(selectors.list_articles(customer)) == [public]
    for hidden in (internal, draft):
        with pytest.raises(NotFound):
            selectors.get_article_for(customer, hidden.pk)
        selectors.get_article_for(operator, hidden.pk)


def test_translations_are_linked_one_per_language(section, operator):
    ru = publish(section, "Оплата квитанции")
    en = articles.create_article(
        actor=operator, category=section, title="Paying the bill", language="en", translation_of=ru
    )
    assert [a.pk for a in selectors.translations_of(operator, ru)] == [en.pk]
    with pytest.raises(Conflict):
        articles.create_article(actor=operator, category=section, title="Again", language="en", translation_of=ru)
    other_ru = publish(section, "Другая")
    with pytest.raises(Conflict):
        articles.link_translation(actor=operator, article=ru, translation=other_ru)
    lone_en = publish(section, "Meters", language="en")
    other_ru.refresh_from_db()
    articles.link_translation(actor=operator, article=other_ru, translation=lone_en)
    assert [a.pk for a in selectors.translations_of(operator, lone_en)] == [other_ru.pk]


def test_related_articles_go_both_ways(section, operator):
    first, second = publish(section, "Первая"), publish(section, "Вторая")
    articles.set_related(actor=operator, article=first, related=[second])
    assert selectors.related_of(operator, second) == [first]
    with pytest.raises(ValidationFailed):
        articles.set_related(actor=operator, article=first, related=[first])


def test_files_and_images(section, operator, settings):
    article = publish(section, "Схема подключения")
    image = SimpleUploadedFile("схема.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    manual = SimpleUploadedFile("manual.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    stored = articles.add_attachments(actor=operator, article=article, files=[image, manual])
    assert [(a.original_name, a.is_image) for a in stored] == [("схема.png", True), ("manual.pdf", False)]
    with pytest.raises(ValidationFailed) as exc:
        articles.add_attachments(
            actor=operator, article=article, files=[SimpleUploadedFile("run.exe", b"MZ", content_type="x/y")]
        )
    assert exc.value.field == "attachments.0"
    articles.remove_attachment(actor=operator, attachment=stored[1])
    assert list(article.attachments.values_list("original_name", flat=True)) == ["схема.png"]


def test_feedback_counts_one_vote_per_reader(section, customer, operator):
    article = publish(section, "Как оплатить")
    usage.give_feedback(actor=customer, article=article, helpful=True)
    usage.give_feedback(actor=customer, article=article, helpful=False, comment="не нашёл реквизиты")
    usage.give_feedback(actor=operator, article=article, helpful=True)
    from django.contrib.auth.models import AnonymousUser

    usage.give_feedback(actor=AnonymousUser(), article=article, helpful=False, session_key="abc")
    usage.give_feedback(actor=AnonymousUser(), article=article, helpful=False, session_key="abc")
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 2)
    assert article.feedback.get(user=customer).comment == "не нашёл реквизиты"
    with pytest.raises(ValidationFailed):
        usage.give_feedback(actor=AnonymousUser(), article=article, helpful=True, session_key="")
    internal = publish(section, "Внутренняя", public=False)
    with pytest.raises(NotFound):
        usage.give_feedback(actor=customer, article=internal, helpful=True)


def test_answered_with_counts_solved_tickets(section, operator, line1, customer, other_operator, specialist):
    article = publish(section, "Сброс пароля")
    solved = open_ticket(operator, "Не могу войти", contact=customer.contact)
    pending = open_ticket(operator, "Забыл пароль")
    usage.link_article_to_ticket(actor=operator, article=article, ticket=solved)
    usage.link_article_to_ticket(actor=other_operator, article=article, ticket=pending)
    workflow.resolve_ticket(actor=operator, ticket=solved, resolution_code="solved")
    with pytest.raises(Conflict):
        usage.link_article_to_ticket(actor=operator, article=article, ticket=solved)
    with pytest.raises(NotFound):
        usage.link_article_to_ticket(actor=specialist, article=article, ticket=pending)
    with pytest.raises(Forbidden):
        usage.link_article_to_ticket(actor=customer, article=article, ticket=solved)
    stats = selectors.article_stats(article)
    assert (stats.tickets, stats.solved) == (2, 1)
    assert [a.pk for a in selectors.top_articles()] == [article.pk]
    usage.unlink_article_from_ticket(actor=operator, article=article, ticket=pending)
    assert selectors.article_stats(article).tickets == 1


def test_archived_articles_leave_search(section, operator):
    article = publish(section, "Тарифы на воду")
    assert ids(search(operator, "тарифы")["articles"]) == [article.pk]
    articles.archive_article(actor=operator, article=article)
    assert search(operator, "тарифы").empty
    articles.publish_article(actor=operator, article=article)
    assert ids(search(operator, "тарифы")["articles"]) == [article.pk]
