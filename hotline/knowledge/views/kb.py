"""The knowledge base for agents: sections and articles, writing and editing, versions, files, statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError, NotFound
from hotline.desk.views.common import actor, agent_required, form_error, render_form
from hotline.knowledge import permissions, selectors
from hotline.knowledge.forms import ArticleForm, AttachmentForm, CategoryForm, RelatedForm, TranslationForm
from hotline.knowledge.models import Article, ArticleAttachment, ArticleStatus
from hotline.knowledge.services import articles, usage

PAGE_SIZE = 100


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@agent_required
def home(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    category_id = _int(request.GET.get("section"))
    status = request.GET.get("status") or None
    if status not in (None, *ArticleStatus.values):
        status = None
    rows = list(selectors.list_articles(user, category_id=category_id, status=status)[:PAGE_SIZE])
    return render(
        request,
        "knowledge/home.html",
        {
            "nav_section": "kb",
            "categories": selectors.list_categories(user),
            "articles": rows,
            "section": category_id,
            "status": status or "",
            "statuses": ArticleStatus.choices,
            "category_form": CategoryForm(),
            "can_stats": permissions.can_view_stats(user),
        },
    )


@require_POST
@agent_required
def create_category(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            category = articles.save_category(
                actor=actor(request),
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                parent=form.cleaned_data["parent"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Раздел «%(n)s» создан") % {"n": category.name})
            return redirect(f"{reverse('knowledge:home')}?section={category.pk}")
    else:
        messages.error(request, _("Укажите название раздела"))
    return redirect("knowledge:home")


def _article_form_data(form: ArticleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "category": data["category"],
        "body": data["body"],
        "visibility": data["visibility"],
        "status": data["status"],
        "keywords": data["keywords"],
        "note": data["note"],
    }


@agent_required
def new_article(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    original = None
    if request.GET.get("translate"):
        original = selectors.get_article_for(user, _int(request.GET.get("translate")) or 0)
    initial: dict[str, Any] = {"category": _int(request.GET.get("section"))}
    if original is not None:
        initial = {
            "category": original.category_id,
            "visibility": original.visibility,
            "language": "en" if original.language == "ru" else "ru",
        }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = articles.create_article(
                actor=user, language=form.cleaned_data["language"], translation_of=original, **_article_form_data(form)
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Статья сохранена"))
            return redirect("knowledge:article", article_id=article.pk)
    return render_form(request, "knowledge/edit.html", {"nav_section": "kb", "form": form, "original": original})


@agent_required
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    usage.record_view(article=item)
    return render(
        request,
        "knowledge/article.html",
        {
            "nav_section": "kb",
            "article": item,
            "translations": selectors.translations_of(user, item),
            "related": selectors.related_of(user, item),
            "stats": selectors.article_stats(item),
            "uses": item.uses.select_related("ticket", "linked_by").order_by("-linked_at")[:20],
            "attachment_form": AttachmentForm(),
            "translation_form": TranslationForm(),
            "related_form": RelatedForm(
                initial={"article_ids": ", ".join(str(a.pk) for a in selectors.related_of(user, item))}
            ),
            "can_delete": permissions.can_delete_articles(user),
        },
    )


@agent_required
def edit_article(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    initial = {
        "title": item.title,
        "category": item.category_id,
        "body": item.body_html,
        "visibility": item.visibility,
        "language": item.language,
        "status": item.status,
        "keywords": item.keywords,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    form.fields["language"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            articles.update_article(actor=user, article=item, **_article_form_data(form))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Изменения сохранены"))
            return redirect("knowledge:article", article_id=item.pk)
    return render_form(request, "knowledge/edit.html", {"nav_section": "kb", "form": form, "article": item})


@agent_required
def versions(request: HttpRequest, article_id: int) -> HttpResponse:
    item = selectors.get_article_for(actor(request), article_id)
    rows = list(selectors.versions_of(item))
    shown = next((v for v in rows if str(v.number) == request.GET.get("v")), rows[0] if rows else None)
    return render(
        request, "knowledge/versions.html", {"nav_section": "kb", "article": item, "versions": rows, "shown": shown}
    )


def _act(request: HttpRequest, article_id: int, action: Any, done: str) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    try:
        action(user, item)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("knowledge:article", article_id=item.pk)


@require_POST
@agent_required
def restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    return _act(
        request,
        article_id,
        lambda u, a: articles.restore_version(actor=u, article=a, number=number),
        _("Версия %(n)s восстановлена как новая") % {"n": number},
    )


@require_POST
@agent_required
def publish(request: HttpRequest, article_id: int) -> HttpResponse:
    return _act(request, article_id, lambda u, a: articles.publish_article(actor=u, article=a), _("Опубликована"))


@require_POST
@agent_required
def archive(request: HttpRequest, article_id: int) -> HttpResponse:
    return _act(request, article_id, lambda u, a: articles.archive_article(actor=u, article=a), _("В архиве"))


@require_POST
@agent_required
def delete(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    try:
        articles.delete_article(actor=user, article=item)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("knowledge:article", article_id=item.pk)
    messages.success(request, _("Статья удалена"))
    return redirect("knowledge:home")


@require_POST
@agent_required
def upload(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = articles.add_attachments(actor=user, article=item, files=form.cleaned_data["attachments"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Загружено файлов: %(n)s") % {"n": len(stored)})
    else:
        messages.error(request, _("Выберите файл"))
    return redirect("knowledge:article", article_id=item.pk)


@require_POST
@agent_required
def remove_file(request: HttpRequest, article_id: int, file_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_article_for(user, article_id)
    attachment = ArticleAttachment.objects.filter(article=item, pk=file_id).first()
    if attachment is None:
        raise Http404
    return _act(
        request, article_id, lambda u, a: articles.remove_attachment(actor=u, attachment=attachment), _("Файл удалён")
    )


@require_POST
@agent_required
def translation(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    form = TranslationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите номер статьи-перевода"))
        return redirect("knowledge:article", article_id=article_id)
    try:
        other = selectors.get_article_for(user, form.cleaned_data["translation_id"])
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("knowledge:article", article_id=article_id)
    return _act(
        request,
        article_id,
        lambda u, a: articles.link_translation(actor=u, article=a, translation=other),
        _("Перевод связан"),
    )


@require_POST
@agent_required
def related(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    form = RelatedForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.get("article_ids", [_("Проверьте номера")])[0]))
        return redirect("knowledge:article", article_id=article_id)
    ids = form.cleaned_data["article_ids"]
    others = list(selectors.visible_articles(user).filter(pk__in=ids))
    if len(others) != len(ids):
        messages.error(request, _("Часть статей не найдена"))
        return redirect("knowledge:article", article_id=article_id)
    return _act(
        request,
        article_id,
        lambda u, a: articles.set_related(actor=u, article=a, related=others),
        _("Связанные статьи сохранены"),
    )


def download(request: HttpRequest, file_id: int) -> FileResponse:
    """A file of an article the reader may see (public articles' files are public)."""
    attachment = ArticleAttachment.objects.select_related("article").filter(pk=file_id).first()
    if attachment is None or not permissions.can_view_article(request.user, attachment.article):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required
def stats(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_stats(actor(request)):
        raise PermissionDenied
    return render(
        request,
        "knowledge/stats.html",
        {"nav_section": "kb", "top": selectors.top_articles(), "deflection": selectors.deflection_stats()},
    )


def article_or_404(actor_: Any, article_id: int) -> Article:
    try:
        return selectors.get_article_for(actor_, article_id)
    except NotFound as exc:
        raise Http404 from exc
