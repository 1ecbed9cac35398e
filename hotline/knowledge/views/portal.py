"""The public knowledge base on the customer portal: open to guests and customers alike."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError
from hotline.knowledge import presenters, selectors
from hotline.knowledge.forms import FeedbackForm
from hotline.knowledge.search.service import search
from hotline.knowledge.services import deflection, usage
from hotline.knowledge.views.search import _session_key

PAGE_SIZE = 100


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    q = request.GET.get("q", "").strip()
    section = request.GET.get("section", "")
    context: dict[str, Any] = {"nav_section": "kb", "q": q, "categories": [], "articles": [], "hits": []}
    if q:
        found = search(user, q, kinds=["articles"], limit=50)
        context["hits"] = [{"hit": h, "url": presenters.hit_url(user, h)} for h in found["articles"].hits]
        context["corrected"] = found.corrected
    else:
        categories = [c for c in selectors.list_categories(user) if c.article_count]  # type: ignore[attr-defined]
        context["categories"] = categories
        section_id = int(section) if section.isdigit() and len(section) < 12 else None
        language = (get_language() or "ru")[:2]
        rows = selectors.list_articles(user, category_id=section_id, status="published")
        # The reader's language first; articles without a translation are shown in the language they have.
        articles = sorted(rows[:PAGE_SIZE], key=lambda a: (a.language != language, a.title))
        context.update({"articles": articles, "section": section_id, "language": language})
    return render(request, "knowledge/portal/home.html", context)


def article(request: HttpRequest, article_id: int) -> HttpResponse:
    user = request.user
    item = selectors.get_article_for(user, article_id)
    usage.record_view(article=item)
    if request.GET.get("from") == "suggest":
        deflection.record_opened(actor=user, session_key=_session_key(request), article=item)
    voted = request.session.get(f"kb_vote_{item.pk}")
    return render(
        request,
        "knowledge/portal/article.html",
        {
            "nav_section": "kb",
            "article": item,
            "translations": selectors.translations_of(user, item),
            "related": selectors.related_of(user, item),
            "voted": voted,
        },
    )


@require_POST
def feedback(request: HttpRequest, article_id: int) -> HttpResponse:
    user = request.user
    item = selectors.get_article_for(user, article_id)
    form = FeedbackForm(request.POST)
    message = _("Спасибо за отзыв!")
    ok = form.is_valid()
    if ok:
        try:
            usage.give_feedback(
                actor=user,
                article=item,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
                session_key=_session_key(request),
            )
        except DomainError as exc:
            message, ok = exc.message, False
        else:
            request.session[f"kb_vote_{item.pk}"] = "yes" if form.cleaned_data["helpful"] else "no"
    else:
        message = _("Выберите ответ: помогла статья или нет")
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "knowledge/partials/feedback.html",
            {"article": item, "voted": request.session.get(f"kb_vote_{item.pk}"), "message": message, "ok": ok},
            status=200 if ok else 422,
        )
    return redirect("kb:article", article_id=item.pk)
