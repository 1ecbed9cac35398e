"""The knowledge base: categories, articles with versions, files, feedback and use on tickets."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.desk.models import Ticket


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("для сотрудников")
    PUBLIC = "public", _("для клиентов")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("черновик")
    PUBLISHED = "published", _("опубликована")
    ARCHIVED = "archived", _("в архиве")


class Language(models.TextChoices):
    RU = "ru", _("русский")
    EN = "en", _("английский")


class ArticleCategory(models.Model):
    name = models.CharField(_("название"), max_length=120)
    name_en = models.CharField(_("название по-английски"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("раздел")
    )
    description = models.CharField(_("описание"), max_length=500, blank=True)
    sort_order = models.PositiveIntegerField(_("порядок"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("раздел базы знаний")
        verbose_name_plural = _("разделы базы знаний")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="kb_category_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Article(models.Model):
    """One article in one language; its translations share ``translation_group``."""

    category = models.ForeignKey(
        ArticleCategory, on_delete=models.PROTECT, related_name="articles", verbose_name=_("раздел")
    )
    title = models.CharField(_("заголовок"), max_length=255)
    body_html = models.TextField(_("текст"), blank=True)
    body_text = models.TextField(blank=True, editable=False)
    visibility = models.CharField(
        _("видимость"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(_("статус"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    language = models.CharField(_("язык"), max_length=2, choices=Language.choices, default=Language.RU)
    translation_group = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    related = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("связанные статьи"))
    keywords = models.CharField(
        _("ключевые слова"), max_length=500, blank=True, help_text=_("Другие слова, по которым ищут эту статью")
    )
    version = models.PositiveIntegerField(default=1)
    view_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    not_helpful_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("статья")
        verbose_name_plural = _("статьи")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["translation_group", "language"], name="kb_article_one_per_language"),
        ]
        indexes = [models.Index(fields=["status", "visibility", "category"], name="kb_article_list_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC and self.status == ArticleStatus.PUBLISHED


class ArticleVersion(models.Model):
    """The article as it was after one save: who changed what, and the text to restore."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    body_html = models.TextField(blank=True)
    category = models.ForeignKey(ArticleCategory, null=True, on_delete=models.SET_NULL, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    status = models.CharField(max_length=10, choices=ArticleStatus.choices)
    keywords = models.CharField(max_length=500, blank=True)
    changed_fields = models.JSONField(default=list)
    note = models.CharField(_("что изменено"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("версия статьи")
        verbose_name_plural = _("версии статей")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_article_version_once")]


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return f"knowledge/{instance.sha256[:2]}/{instance.sha256}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=article_file_path, max_length=255)
    original_name = models.CharField(_("имя файла"), max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("файл статьи")
        verbose_name_plural = _("файлы статей")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")


class ArticleFeedback(models.Model):
    """One reader's "was this helpful?"; a second answer from the same reader replaces the first."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(_("комментарий"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Guests on the public portal vote once per browser session.
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("отзыв о статье")
        verbose_name_plural = _("отзывы о статьях")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=models.Q(user__isnull=False), name="kb_feedback_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="kb_feedback_once_per_session",
            ),
        ]


class ArticleUse(models.Model):
    """An agent answered a ticket with the article ("answered with")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("применение статьи")
        verbose_name_plural = _("применения статей")
        constraints = [models.UniqueConstraint(fields=["article", "ticket"], name="kb_article_use_once")]
        indexes = [models.Index(fields=["ticket"], name="kb_article_use_ticket_idx")]


class DeflectionAttempt(models.Model):
    """One customer writing one new request on the portal while articles were suggested.

    It works (the request is deflected) when the customer opened a suggested article and did not send
    the request after all.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_query = models.CharField(max_length=500, blank=True)
    shown_article_ids = models.JSONField(default=list)
    opened_article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("подсказка на портале")
        verbose_name_plural = _("подсказки на портале")
        indexes = [models.Index(fields=["user", "submitted_at", "started_at"], name="kb_deflection_user_idx")]
