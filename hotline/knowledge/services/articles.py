"""Writing the knowledge base: categories, articles and their versions, translations, related articles, files."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk.services.attachments import check_files
from hotline.desk.services.messages import html_to_text, sanitize_html
from hotline.knowledge import permissions
from hotline.knowledge.events import ArticleDeleted, ArticleSaved
from hotline.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleStatus,
    ArticleVersion,
    Language,
    Visibility,
)
from hotline.knowledge.services.common import refuse_nul

TITLE_MAX = 255
BODY_MAX = 200_000
NOTE_MAX = 255
# Fields whose change makes a new version (the rest are counters and bookkeeping).
VERSIONED = ("title", "body_html", "category", "visibility", "status", "keywords")


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _require_editor(actor: User | None) -> None:
    if actor is not None and not permissions.can_edit_articles(actor):
        raise Forbidden(_("Изменять базу знаний могут сотрудники поддержки"))


def clean_title(title: str) -> str:
    refuse_nul(("title", title))
    value = " ".join((title or "").split())
    if not value:
        raise ValidationFailed(_("Укажите заголовок статьи"), field="title")
    if len(value) > TITLE_MAX:
        raise ValidationFailed(_("Заголовок не длиннее %(n)s символов") % {"n": TITLE_MAX}, field="title")
    return value


def clean_body(body: str) -> tuple[str, str]:
    """Safe HTML and its plain text. Text without tags becomes paragraphs, line breaks kept."""
    refuse_nul(("body", body))
    raw = (body or "").strip()
    if len(raw) > BODY_MAX:
        raise ValidationFailed(_("Текст статьи не длиннее %(n)s символов") % {"n": BODY_MAX}, field="body")
    if not raw:
        return "", ""
    if "<" in raw and ">" in raw:
        clean = sanitize_html(raw)
    else:
        paragraphs = [p.strip() for p in raw.replace("\r\n", "\n").split("\n\n") if p.strip()]
        clean = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return clean, html_to_text(clean)


def _clean_choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("Допустимые значения: %(values)s") % {"values": ", ".join(choices.values)}, field=field
        )
    return value


def _clean_keywords(keywords: str) -> str:
    refuse_nul(("keywords", keywords))
    value = " ".join((keywords or "").split())
    if len(value) > 500:
        raise ValidationFailed(_("Ключевые слова — не длиннее 500 символов"), field="keywords")
    return value


# ---------- categories ----------


@transaction.atomic
def save_category(
    *,
    actor: User | None,
    category: ArticleCategory | None = None,
    name: str,
    name_en: str = "",
    parent: ArticleCategory | None = None,
    description: str = "",
    sort_order: int = 0,
) -> ArticleCategory:
    """Create or rename a knowledge-base section.

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: an empty name, a section inside itself.
        Conflict: the parent has a section with this name.
    """
    _require_editor(actor)
    refuse_nul(("name", name), ("name_en", name_en), ("description", description))
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ValidationFailed(_("Укажите название раздела"), field="name")
    node = parent
    while node is not None and category is not None:
        if node.pk == category.pk:
            raise ValidationFailed(_("Раздел не может быть вложен сам в себя"), field="parent_id")
        node = node.parent
    target = category or ArticleCategory()
    target.name, target.name_en = name, " ".join((name_en or "").split())[:120]
    target.parent, target.description, target.sort_order = parent, (description or "").strip()[:500], sort_order
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise Conflict(_("Раздел «%(name)s» уже есть") % {"name": name}, field="name") from exc
    audit.record(
        actor=actor, action=AuditLog.Action.UPDATE if category else AuditLog.Action.CREATE, obj=target, summary=name
    )
    return target


@transaction.atomic
def delete_category(*, actor: User | None, category: ArticleCategory) -> None:
    """Raises: Forbidden; Conflict — the section still has articles or subsections."""
    _require_editor(actor)
    if category.articles.exists() or category.children.exists():
        raise Conflict(_("В разделе есть статьи или подразделы"), field="category_id")
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=category, summary=category.name)
    category.delete()


# ---------- articles ----------


def _snapshot(article: Article, *, actor: User | None, changed: Sequence[str], note: str) -> ArticleVersion:
    refuse_nul(("note", note))
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body_html=article.body_html,
        category=article.category,
        visibility=article.visibility,
        status=article.status,
        keywords=article.keywords,
        changed_fields=list(changed),
        note=(note or "").strip()[:NOTE_MAX],
        changed_by=actor,
        changed_at=article.updated_at,
    )


def _saved(article: Article, actor: User | None, action: str, summary: str, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action=action, obj=article, summary=summary, changes=changes)
    publish(ArticleSaved(actor_id=_actor_id(actor), article_id=article.pk, version=article.version))


@transaction.atomic
def create_article(
    *,
    actor: User | None,
    category: ArticleCategory,
    title: str,
    body: str = "",
    visibility: str = Visibility.INTERNAL,
    language: str = Language.RU,
    keywords: str = "",
    status: str = ArticleStatus.DRAFT,
    translation_of: Article | None = None,
    note: str = "",
) -> Article:
    """A new article (version 1); ``translation_of`` links it to that article's other languages.

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: an empty title, an unknown visibility, status or language.
        Conflict: the article already has a translation in this language.
    """
    _require_editor(actor)
    title = clean_title(title)
    body_html, body_text = clean_body(body)
    visibility = _clean_choice(visibility, Visibility, "visibility")
    language = _clean_choice(language, Language, "language")
    status = _clean_choice(status, ArticleStatus, "status")
    now = timezone.now()
    article = Article(
        category=category,
        title=title,
        body_html=body_html,
        body_text=body_text,
        visibility=visibility,
        language=language,
        keywords=_clean_keywords(keywords),
        status=status,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLISHED else None,
    )
    if translation_of is not None:
        if Article.objects.filter(translation_group=translation_of.translation_group, language=language).exists():
            raise Conflict(_("У статьи уже есть перевод на этот язык"), field="language")
        article.translation_group = translation_of.translation_group
    article.save()
    _snapshot(article, actor=actor, changed=["created"], note=note or _("создана"))
    _saved(article, actor, AuditLog.Action.CREATE, title, {})
    return article


@transaction.atomic
def update_article(
    *,
    actor: User | None,
    article: Article,
    title: str | None = None,
    body: str | None = None,
    category: ArticleCategory | None = None,
    visibility: str | None = None,
    status: str | None = None,
    keywords: str | None = None,
    note: str = "",
) -> Article:
    """Change an article; a real change makes a new version (who, when, which fields, why).

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: an empty title, an unknown visibility or status.
    """
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = clean_title(title)
    body_text = None
    if body is not None:
        new["body_html"], body_text = clean_body(body)
    if category is not None:
        new["category"] = category
    if visibility is not None:
        new["visibility"] = _clean_choice(visibility, Visibility, "visibility")
    if status is not None:
        new["status"] = _clean_choice(status, ArticleStatus, "status")
    if keywords is not None:
        new["keywords"] = _clean_keywords(keywords)
    changed = [field for field, value in new.items() if getattr(article, field) != value]
    if not changed:
        return article
    changes = {f: [str(getattr(article, f))[:200], str(new[f])[:200]] for f in changed if f != "body_html"}
    for field in changed:
        setattr(article, field, new[field])
    fields = [*changed, "version", "updated_at", "updated_by"]
    if "body_html" in changed and body_text is not None:
        article.body_text = body_text
        fields.append("body_text")
    if "status" in changed and article.status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
        fields.append("published_at")
    article.version += 1
    article.updated_at = timezone.now()
    article.updated_by = actor
    article.save(update_fields=fields)
    _snapshot(article, actor=actor, changed=changed, note=note)
    _saved(article, actor, AuditLog.Action.UPDATE, f"{article.title} v{article.version}", changes)
    return article


def publish_article(*, actor: User | None, article: Article) -> Article:
    """Raises: Forbidden."""
    return update_article(actor=actor, article=article, status=ArticleStatus.PUBLISHED, note=_("опубликована"))


def archive_article(*, actor: User | None, article: Article) -> Article:
    """Raises: Forbidden."""
    return update_article(actor=actor, article=article, status=ArticleStatus.ARCHIVED, note=_("в архиве"))


@transaction.atomic
def restore_version(*, actor: User | None, article: Article, number: int) -> Article:
    """Bring back the text of an older version as a new version (nothing is lost: history only grows).

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        NotFound: the article has no such version.
    """
    _require_editor(actor)
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None:
        raise NotFound(_("Версия %(n)s не найдена") % {"n": number})
    return update_article(
        actor=actor,
        article=article,
        title=version.title,
        body=version.body_html,
        category=version.category,
        visibility=version.visibility,
        keywords=version.keywords,
        note=_("восстановлена версия %(n)s") % {"n": number},
    )


@transaction.atomic
def delete_article(*, actor: User | None, article: Article) -> None:
    """Delete an article with its versions and files (archiving keeps it; this does not).

    Raises:
        Forbidden: only supervisors and administrators delete articles.
    """
    if actor is not None and not permissions.can_delete_articles(actor):
        raise Forbidden(_("Удалять статьи могут руководители и администраторы; вместо этого отправьте её в архив"))
    pk, title = article.pk, article.title
    files = [a.file for a in article.attachments.all()]
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=article, summary=title)
    article.delete()
    publish(ArticleDeleted(actor_id=_actor_id(actor), article_id=pk))

    def remove_files() -> None:
        for file in files:
            file.delete(save=False)

    # Files go once the rows are gone for good.
    transaction.on_commit(remove_files)


@transaction.atomic
def link_translation(*, actor: User | None, article: Article, translation: Article) -> Article:
    """Make ``translation`` (and its own translations) versions of ``article`` in other languages.

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: the article itself.
        Conflict: both groups have an article in the same language.
    """
    _require_editor(actor)
    if article.pk == translation.pk:
        raise ValidationFailed(_("Статья не может быть переводом самой себя"), field="translation_id")
    if article.translation_group == translation.translation_group:
        return article
    mine = set(Article.objects.filter(translation_group=article.translation_group).values_list("language", flat=True))
    theirs = list(Article.objects.filter(translation_group=translation.translation_group))
    clash = mine.intersection(a.language for a in theirs)
    if clash:
        raise Conflict(
            _("У статьи уже есть перевод на язык: %(languages)s") % {"languages": ", ".join(sorted(clash))},
            field="translation_id",
        )
    Article.objects.filter(pk__in=[a.pk for a in theirs]).update(translation_group=article.translation_group)
    translation.translation_group = article.translation_group
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=article,
        summary=_("связан перевод #%(id)s") % {"id": translation.pk},
    )
    return article


@transaction.atomic
def unlink_translation(*, actor: User | None, article: Article) -> Article:
    """Take the article out of its translation group. Raises: Forbidden."""
    _require_editor(actor)
    Article.objects.filter(pk=article.pk).update(translation_group=uuid.uuid4())
    article.refresh_from_db(fields=["translation_group"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=article, summary=_("отвязан от переводов"))
    return article


@transaction.atomic
def set_related(*, actor: User | None, article: Article, related: Iterable[Article]) -> Article:
    """Replace the article's related articles (the link goes both ways).

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: the article among its own related ones.
    """
    _require_editor(actor)
    others = list(dict.fromkeys(related))
    if any(a.pk == article.pk for a in others):
        raise ValidationFailed(_("Статья не может ссылаться сама на себя"), field="related_ids")
    article.related.set(others)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=article,
        summary=_("связанные статьи"),
        changes={"related": [a.pk for a in others]},
    )
    return article


@transaction.atomic
def add_attachments(*, actor: User | None, article: Article, files: Sequence[Any]) -> list[ArticleAttachment]:
    """Store files (documents, images to show in the text) with the article.

    Raises:
        Forbidden: the actor does not edit the knowledge base.
        ValidationFailed: a file is empty, too large or of a blocked type (field="attachments.<n>").
    """
    _require_editor(actor)
    checked = check_files(files)
    if not checked:
        raise ValidationFailed(_("Выберите файл"), field="attachments")
    stored = []
    for item in checked:
        attachment = ArticleAttachment(
            article=article,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(item.name, ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=article,
        summary=_("файлы: %(names)s") % {"names": ", ".join(a.original_name for a in stored)[:200]},
    )
    return stored


@transaction.atomic
def remove_attachment(*, actor: User | None, attachment: ArticleAttachment) -> None:
    """Raises: Forbidden."""
    _require_editor(actor)
    file = attachment.file
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=attachment.article, summary=attachment.original_name)
    attachment.delete()
    transaction.on_commit(lambda: file.delete(save=False))
