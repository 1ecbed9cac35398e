"""Search screens: the agent's global box (as you type) and results page, the new-request suggestions
(agents: articles and similar open tickets; customers: articles, counted for deflection)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hotline.core import roles
from hotline.desk.views.common import actor, agent_required, customer_required
from hotline.knowledge import presenters
from hotline.knowledge.search.service import SearchResults, search
from hotline.knowledge.services import deflection

SUGGEST_LIMIT = 5
PAGE_LIMIT = 30
MORE_LIMIT = 100


def _rows(request: HttpRequest, found: SearchResults) -> dict[str, Any]:
    user = request.user
    rows: dict[str, Any] = {}
    for kind in ("tickets", "contacts", "articles"):
        result = found[kind]
        rows[kind] = [{"hit": h, "url": presenters.hit_url(user, h)} for h in result.hits]
        rows[f"{kind}_more"] = result.has_more
    return rows


@agent_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    only = request.GET.get("kind", "")
    kinds = [only] if only in ("tickets", "contacts", "articles") else ["tickets", "contacts", "articles"]
    found = search(actor(request), q, kinds=kinds, limit=MORE_LIMIT if only else PAGE_LIMIT)
    tickets = found["tickets"].hits
    # A ticket number typed in full goes straight to the ticket.
    if len(tickets) >= 1 and q.strip().upper() == tickets[0].obj.number and not found["contacts"].hits:
        return redirect("desk:ticket", ref=tickets[0].obj.number)
    context = {"q": found.query, "found": found, "kind": only, "search_query": q, **_rows(request, found)}
    return render(request, "knowledge/search.html", context)


@agent_required
def search_suggest(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    found = search(actor(request), q, limit=SUGGEST_LIMIT, as_you_type=True) if len(q.strip()) >= 2 else None
    context: dict[str, Any] = {"q": q.strip(), "found": found}
    if found is not None:
        context.update(_rows(request, found))
    return render(request, "knowledge/partials/search_suggest.html", context)


def _request_text(request: HttpRequest) -> str:
    return " ".join(request.GET.get(name, "") for name in ("subject", "description"))[:400]


@agent_required
def intake_suggest(request: HttpRequest) -> HttpResponse:
    """The new-request screen: articles that may answer the caller, open tickets that look the same."""
    text = _request_text(request)
    found = (
        search(
            actor(request),
            text,
            kinds=["articles", "tickets"],
            limit=SUGGEST_LIMIT,
            open_tickets_only=True,
            any_word=True,
        )
        if len(text.strip()) >= 3
        else None
    )
    context: dict[str, Any] = {"found": found}
    if found is not None:
        context.update(_rows(request, found))
    return render(request, "knowledge/partials/intake_suggest.html", context)


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def portal_suggest(request: HttpRequest) -> HttpResponse:
    """The portal's new-request form: public articles matching what the customer is typing."""
    text = _request_text(request) or request.GET.get("q", "")
    articles: list[Any] = []
    if len(text.strip()) >= 3:
        user = request.user
        found = search(user, text, kinds=["articles"], limit=SUGGEST_LIMIT, any_word=True)
        articles = [{"hit": h, "url": presenters.hit_url(user, h) + "?from=suggest"} for h in found["articles"].hits]
        if articles and (roles.is_customer(user) or not user.is_authenticated):
            deflection.record_suggestions(
                actor=user, session_key=_session_key(request), query=text, articles=[a["hit"].obj for a in articles]
            )
    return render(request, "knowledge/partials/portal_suggest.html", {"articles": articles})


@customer_required
def portal_search(request: HttpRequest) -> HttpResponse:
    """A customer's search: their own requests and public articles."""
    q = request.GET.get("q", "")
    found = search(actor(request), q, kinds=["articles", "tickets"], limit=PAGE_LIMIT)
    context = {"q": found.query, "found": found, "nav_section": "kb", **_rows(request, found)}
    return render(request, "knowledge/portal/search.html", context)
