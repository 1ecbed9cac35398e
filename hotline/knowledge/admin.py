"""Admin for the knowledge base: sections are edited here through the service (validated, audited); articles,
their feedback, canned responses and macros are looked up here and edited in the knowledge base's own screens,
which keep versions, the search index and the authors' rights in order.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from hotline.core.admin_accounts import ReadOnlyAdmin
from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.knowledge.models import Article, ArticleCategory, ArticleFeedback, CannedResponse, Macro
from hotline.knowledge.services import articles


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class CategoryForm(ModelForm[ArticleCategory]):
    request: HttpRequest | None = None

    class Meta:
        model = ArticleCategory
        fields = ("name", "name_en", "parent", "description", "sort_order")

    def clean(self) -> dict[str, Any]:
        # The service is the save: its refusals (an empty name, a section inside itself, a taken name) land on the form.
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        try:
            self.instance = articles.save_category(
                actor=_actor(self.request),
                category=self.instance if self.instance.pk else None,
                name=data.get("name") or "",
                name_en=data.get("name_en") or "",
                parent=data.get("parent"),
                description=data.get("description") or "",
                sort_order=data.get("sort_order") or 0,
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, ValidationError(exc.message))
        return data


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(admin.ModelAdmin[ArticleCategory]):
    form = CategoryForm
    list_display = ("name", "name_en", "parent", "sort_order")
    list_select_related = ("parent",)
    search_fields = ("name", "name_en")

    def get_form(
        self, request: HttpRequest, obj: ArticleCategory | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: ArticleCategory, form: Any, change: bool) -> None:
        """Saved by the service in the form's clean()."""

    def delete_model(self, request: HttpRequest, obj: ArticleCategory) -> None:
        try:
            articles.delete_category(actor=_actor(request), category=obj)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for category in queryset:
            self.delete_model(request, category)


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin[Article]):
    list_display = ("title", "category", "language", "visibility", "status", "version", "view_count", "edit_link")
    list_filter = ("status", "visibility", "language", "category")
    list_select_related = ("category",)
    search_fields = ("title", "keywords")
    date_hierarchy = "updated_at"

    @admin.display(description=_("редактор"))
    def edit_link(self, obj: Article) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("knowledge:edit_article", args=[obj.pk]), _("открыть"))


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin[ArticleFeedback]):
    list_display = ("article", "helpful", "comment", "user", "created_at")
    list_filter = ("helpful",)
    list_select_related = ("article", "user")
    search_fields = ("article__title", "comment")


@admin.register(CannedResponse)
class CannedResponseAdmin(ReadOnlyAdmin[CannedResponse]):
    list_display = ("shortcut", "name", "queue", "owner", "is_active", "use_count")
    list_filter = ("is_active", "queue")
    list_select_related = ("queue", "owner")
    search_fields = ("shortcut", "name", "body")


@admin.register(Macro)
class MacroAdmin(ReadOnlyAdmin[Macro]):
    list_display = ("name", "queue", "owner", "set_status", "is_active")
    list_filter = ("is_active", "queue")
    list_select_related = ("queue", "owner")
    search_fields = ("name",)
