"""The search index: one row per searchable ticket, contact or article, kept current by the writes.

A table of its own (rather than columns on the desk's and customers' tables) lets the knowledge app
index tickets, contacts and articles alike without the lower apps knowing search exists, and lets a
ticket's document gather its messages, which a generated column on one table cannot.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TsVectorField(models.Field[Any, Any]):
    """PostgreSQL's ``tsvector``; a plain unused text column elsewhere. Written only in SQL (search.index)."""

    description = "Full-text search vector"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class DocumentKind(models.TextChoices):
    TICKET = "ticket", _("заявка")
    CONTACT = "contact", _("контакт")
    ARTICLE = "article", _("статья")


class SearchDocument(models.Model):
    """What search sees of one object.

    ``title`` ranks above ``body``; ``internal`` (internal notes, staff-only notes) is matched only for
    staff. On PostgreSQL ``vector`` holds the weighted lexemes (A title, B body, C internal) behind a
    GIN index; on SQLite the ``*_stems`` columns feed an FTS5 table kept in step by triggers.
    """

    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    internal = models.TextField(blank=True)
    # Articles: public and published, so customers and guests may find them.
    is_public = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    # "Recent above old": a ticket's creation, an article's last publication, a contact's creation.
    sort_at = models.DateTimeField(default=timezone.now)
    vector = TsVectorField(null=True, editable=False)
    title_stems = models.TextField(blank=True, editable=False)
    body_stems = models.TextField(blank=True, editable=False)
    internal_stems = models.TextField(blank=True, editable=False)
    indexed_at = models.DateTimeField(default=timezone.now)
    # Joins without a column or constraint: the search reads a hit's ticket or article in its own ranked
    # query instead of a second one. Meaningful only for documents of that kind (``object_id`` of an article
    # document is no ticket's id), so a query joins the one its ``kind`` filter names.
    ticket = models.ForeignObject(
        "desk.Ticket", models.DO_NOTHING, from_fields=["object_id"], to_fields=["id"], related_name="+", null=True
    )
    article = models.ForeignObject(
        "knowledge.Article", models.DO_NOTHING, from_fields=["object_id"], to_fields=["id"], related_name="+", null=True
    )

    class Meta:
        verbose_name = _("поисковый документ")
        verbose_name_plural = _("поисковый индекс")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once")]
        indexes = [models.Index(fields=["kind", "sort_at"], name="search_kind_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id} {self.title[:40]}"


class SearchTerm(models.Model):
    """A word seen in titles and articles, for typo tolerance: a trigram index finds the nearest one."""

    word = models.CharField(max_length=64, primary_key=True)

    class Meta:
        verbose_name = _("слово словаря поиска")
        verbose_name_plural = _("словарь поиска")

    def __str__(self) -> str:
        return self.word
