"""Shapes of the knowledge and search API: <Entity><Action>In, <Entity>Out."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from hotline.desk.schemas import MAX_ID

Id = Field(ge=1, le=MAX_ID)


# ---------- search ----------


class TicketHitOut(Schema):
    id: int
    number: str
    title: str
    title_html: str
    snippet: str
    status: str
    status_label: str
    created_at: datetime.datetime
    in_title: bool
    url: str


class ContactHitOut(Schema):
    id: int
    title: str
    title_html: str
    snippet: str
    organisation: str | None
    phones: list[str]
    emails: list[str]
    url: str


class ArticleHitOut(Schema):
    id: int
    title: str
    title_html: str
    snippet: str
    language: str
    visibility: str
    in_title: bool
    url: str


class TicketHitsOut(Schema):
    items: list[TicketHitOut]
    has_more: bool


class ContactHitsOut(Schema):
    items: list[ContactHitOut]
    has_more: bool


class ArticleHitsOut(Schema):
    items: list[ArticleHitOut]
    has_more: bool


class SearchOut(Schema):
    query: str
    corrected: list[str] = Field(description="Слова, которыми заменены опечатки (если без них ничего не нашлось)")
    tickets: TicketHitsOut | None = None
    contacts: ContactHitsOut | None = None
    articles: ArticleHitsOut | None = None


# ---------- knowledge base ----------


class CategoryIn(Schema):
    name: str = Field(max_length=120)
    name_en: str = Field("", max_length=120)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    description: str = Field("", max_length=500)
    sort_order: int = Field(0, ge=0, le=1_000_000)


class CategoryOut(Schema):
    id: int
    name: str
    name_en: str
    parent_id: int | None
    description: str
    sort_order: int
    article_count: int = 0


class ArticleCreateIn(Schema):
    category_id: int = Id
    title: str = Field(max_length=255)
    body: str = Field("", max_length=200_000, description="HTML (очищается) или простой текст")
    visibility: Literal["internal", "public"] = "internal"
    language: Literal["ru", "en"] = "ru"
    status: Literal["draft", "published", "archived"] = "draft"
    keywords: str = Field("", max_length=500)
    translation_of_id: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=255)


class ArticleUpdateIn(Schema):
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: str | None = Field(None, max_length=255)
    body: str | None = Field(None, max_length=200_000)
    visibility: Literal["internal", "public"] | None = None
    status: Literal["draft", "published", "archived"] | None = None
    keywords: str | None = Field(None, max_length=500)
    note: str = Field("", max_length=255)


class ArticleListOut(Schema):
    id: int
    title: str
    category_id: int
    category: str
    visibility: str
    status: str
    language: str
    version: int
    updated_at: datetime.datetime
    helpful_count: int
    not_helpful_count: int
    view_count: int


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    is_image: bool


class ArticleRefOut(Schema):
    id: int
    title: str
    language: str


class ArticleOut(ArticleListOut):
    body_html: str
    keywords: str
    translations: list[ArticleRefOut]
    related: list[ArticleRefOut]
    attachments: list[AttachmentOut]


class VersionOut(Schema):
    number: int
    title: str
    body_html: str
    visibility: str
    status: str
    changed_fields: list[str]
    note: str
    changed_by: str | None
    changed_at: datetime.datetime


class FeedbackIn(Schema):
    helpful: bool
    comment: str = Field("", max_length=2000)


class FeedbackOut(Schema):
    helpful: bool
    helpful_count: int
    not_helpful_count: int


class StatsOut(Schema):
    views: int
    helpful: int
    not_helpful: int
    helpful_percent: int | None
    tickets: int
    solved: int
    opened_from_suggestions: int
    deflected: int


class DeflectionOut(Schema):
    attempts: int
    opened: int
    submitted_after_opening: int
    deflected: int
    rate_percent: int | None


class TranslationIn(Schema):
    translation_id: int = Id


class RelatedIn(Schema):
    article_ids: list[int] = Field(max_length=50)


class TicketRefIn(Schema):
    ticket: str = Field(max_length=30, description="Номер (HL-000123) или id заявки")


class ArticleUseOut(Schema):
    article_id: int
    ticket_id: int
    ticket_number: str
    linked_by: str | None
    linked_at: datetime.datetime


# ---------- canned responses and macros ----------


class CannedResponseIn(Schema):
    name: str = Field(max_length=120)
    shortcut: str = Field("", max_length=40)
    body: str = Field(max_length=20_000)
    scope: Literal["personal", "queue", "global"] = "personal"
    queue_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool = True


class CannedResponseOut(Schema):
    id: int
    name: str
    shortcut: str
    body: str
    scope: str
    queue_id: int | None
    is_active: bool
    use_count: int


class RenderedOut(Schema):
    text: str


class MacroIn(Schema):
    name: str = Field(max_length=120)
    scope: Literal["personal", "queue", "global"] = "personal"
    queue_id: int | None = Field(None, ge=1, le=MAX_ID)
    reply_id: int | None = Field(None, ge=1, le=MAX_ID)
    set_status: str = Field("", max_length=20)
    set_category_id: int | None = Field(None, ge=1, le=MAX_ID)
    assign_to: Literal["", "me", "user", "nobody"] = ""
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    add_tags: list[str] = Field(default_factory=list, max_length=30)
    is_active: bool = True


class MacroOut(Schema):
    id: int
    name: str
    scope: str
    queue_id: int | None
    reply_id: int | None
    set_status: str
    set_category_id: int | None
    assign_to: str
    assignee_id: int | None
    add_tags: list[str]
    is_active: bool
    use_count: int


class MacroAppliedOut(Schema):
    ticket_id: int
    number: str
    status: str
    assignee_id: int | None
