"""Where a search hit or an article leads, for the actor who sees it (agent screens or the portal)."""

from __future__ import annotations

import functools
from typing import Any

from django.urls import get_script_prefix, reverse

from hotline.core import roles
from hotline.desk.choices import Status
from hotline.knowledge.models import Article
from hotline.knowledge.search.service import Hit

# A key no route holds: reverse() once with it, then each hit only fills in its own (a page of hits would
# otherwise resolve the same route tens of times per request).
_SLOT = "987654321"
_STATUS_LABELS = dict(Status.choices)


@functools.cache
def _route(name: str, script_prefix: str) -> tuple[str, str]:
    before, after = reverse(name, args=[_SLOT]).split(_SLOT)
    return before, after


def _url(name: str, key: object) -> str:
    before, after = _route(name, get_script_prefix())
    return f"{before}{key}{after}"


def article_url(actor: Any, article: Article) -> str:
    return _url("knowledge:article" if roles.is_agent(actor) else "kb:article", article.pk)


def hit_url(actor: Any, hit: Hit) -> str:
    staff = roles.is_agent(actor)
    if hit.kind == "tickets":
        return _url("desk:ticket" if staff else "portal:detail", hit.obj.number)
    if hit.kind == "contacts":
        return _url("customers:contact", hit.object_id)
    return article_url(actor, hit.obj)


def ticket_hit(actor: Any, hit: Hit) -> dict[str, Any]:
    ticket = hit.obj
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": hit.title,
        "title_html": hit.title_html,
        "snippet": hit.snippet,
        "status": ticket.status,
        # Not get_status_display(): Django rebuilds the choices on each call and translates every label.
        "status_label": str(_STATUS_LABELS.get(ticket.status, ticket.status)),
        "created_at": ticket.created_at,
        "in_title": hit.in_title,
        "url": hit_url(actor, hit),
    }


def contact_hit(actor: Any, hit: Hit) -> dict[str, Any]:
    contact = hit.obj
    return {
        "id": contact.pk,
        "title": hit.title,
        "title_html": hit.title_html,
        "snippet": hit.snippet,
        "organisation": contact.organisation.name if contact.organisation else None,
        "phones": [p.e164 for p in contact.phones.all()],
        "emails": [e.email for e in contact.emails.all()],
        "url": hit_url(actor, hit),
    }


def article_hit(actor: Any, hit: Hit) -> dict[str, Any]:
    article = hit.obj
    return {
        "id": article.pk,
        "title": hit.title,
        "title_html": hit.title_html,
        "snippet": hit.snippet,
        "language": article.language,
        "visibility": article.visibility,
        "in_title": hit.in_title,
        "url": hit_url(actor, hit),
    }
