"""What the knowledge app adds to a ticket's page, loaded there by htmx from these URLs: canned responses
for the reply editor (a list, and ``::shortcut`` typed in the text), macros, and the articles the ticket
was answered with."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError, NotFound
from hotline.desk import permissions as desk_permissions
from hotline.desk import selectors as desk_selectors
from hotline.desk.models import Ticket
from hotline.desk.views.common import actor, agent_required
from hotline.knowledge import presenters, selectors
from hotline.knowledge.forms import LinkArticleForm
from hotline.knowledge.models import ArticleStatus
from hotline.knowledge.search.service import search
from hotline.knowledge.services import macros, responses, usage

SHORTCUT_LIMIT = 8


def _ticket(request: HttpRequest, ref: str) -> Ticket:
    return desk_selectors.get_ticket_for(actor(request), ref)


def _tools_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    user = actor(request)
    return {
        "ticket": ticket,
        "can_work": desk_permissions.can_work_on_ticket(user, ticket),
        "responses": selectors.usable_canned_responses(user, ticket=ticket),
        "macros": selectors.usable_macros(user, ticket=ticket),
        "uses": selectors.articles_on_ticket(ticket),
    }


@agent_required
def tools(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = _ticket(request, ref)
    return render(request, "knowledge/partials/ticket_tools.html", _tools_context(request, ticket))


@agent_required
def canned_list(request: HttpRequest, ref: str) -> JsonResponse:
    """Responses whose shortcut starts with what follows «::» (or «/») in the editor."""
    user = actor(request)
    ticket = _ticket(request, ref)
    found = selectors.usable_canned_responses(user, ticket=ticket, q=request.GET.get("q", "")[:40])
    return JsonResponse(
        {
            "items": [
                {"id": r.pk, "shortcut": r.shortcut, "name": r.name, "preview": r.body[:120]}
                for r in found[:SHORTCUT_LIMIT]
            ]
        }
    )


@agent_required
def canned_render(request: HttpRequest, ref: str, response_id: int) -> JsonResponse:
    """The response's text with this ticket's placeholders filled, for the editor to insert."""
    user = actor(request)
    ticket = _ticket(request, ref)
    item = next((r for r in selectors.usable_canned_responses(user, ticket=ticket) if r.pk == response_id), None)
    if item is None:
        raise NotFound(_("Шаблон не найден"))
    return JsonResponse({"text": responses.render_canned_response(actor=user, response=item, ticket=ticket)})


@require_POST
@agent_required
def apply_macro(request: HttpRequest, ref: str, macro_id: int) -> HttpResponse:
    user = actor(request)
    ticket = _ticket(request, ref)
    macro = next((m for m in selectors.usable_macros(user, ticket=ticket) if m.pk == macro_id), None)
    if macro is None:
        raise NotFound(_("Макрос не найден"))
    try:
        macros.apply_macro(actor=user, macro=macro, ticket=ticket)
    except DomainError as exc:
        messages.error(request, _("Макрос «%(n)s» не применён: %(e)s") % {"n": macro.name, "e": exc.message})
    else:
        messages.success(request, _("Макрос «%(n)s» применён") % {"n": macro.name})
    return redirect("desk:ticket", ref=ticket.number)


@agent_required
def article_picker(request: HttpRequest, ref: str) -> HttpResponse:
    """Articles to answer the ticket with, as the agent types (published ones)."""
    user = actor(request)
    ticket = _ticket(request, ref)
    q = request.GET.get("q", "")
    hits = []
    if len(q.strip()) >= 2:
        found = search(user, q, kinds=["articles"], limit=8, as_you_type=True)
        hits = [{"hit": h, "url": presenters.hit_url(user, h)} for h in found["articles"].hits]
    return render(request, "knowledge/partials/article_picker.html", {"ticket": ticket, "hits": hits, "q": q})


def _tools_response(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        return render(request, "knowledge/partials/ticket_tools.html", _tools_context(request, ticket))
    return redirect("desk:ticket", ref=ticket.number)


@require_POST
@agent_required
def link_article(request: HttpRequest, ref: str) -> HttpResponse:
    user = actor(request)
    ticket = _ticket(request, ref)
    form = LinkArticleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Выберите статью"))
        return _tools_response(request, ticket)
    try:
        item = (
            selectors.visible_articles(user)
            .filter(pk=form.cleaned_data["article_id"], status=ArticleStatus.PUBLISHED)
            .first()
        )
        if item is None:
            raise NotFound(_("Статья не найдена"))
        usage.link_article_to_ticket(actor=user, article=item, ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _tools_response(request, ticket)


@require_POST
@agent_required
def unlink_article(request: HttpRequest, ref: str, article_id: int) -> HttpResponse:
    user = actor(request)
    ticket = _ticket(request, ref)
    item = selectors.visible_articles(user).filter(pk=article_id).first()
    try:
        if item is None:
            raise NotFound(_("Статья не найдена"))
        usage.unlink_article_from_ticket(actor=user, article=item, ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _tools_response(request, ticket)
