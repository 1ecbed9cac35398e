"""Where a search hit or an article leads, for the actor who sees it (agent screens or the portal)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from hotline.core import roles
from hotline.knowledge.models import Article
from hotline.knowledge.search.service import Hit


def article_url(actor: Any, article: Article) -> str:
    if roles.is_agent(actor):
        return reverse("knowledge:article", args=[article.pk])
    return reverse("kb:article", args=[article.pk])


def hit_url(actor: Any, hit: Hit) -> str:
    staff = roles.is_agent(actor)
    if hit.kind == "tickets":
        number = hit.obj.number
        return reverse("desk:ticket", args=[number]) if staff else reverse("portal:detail", args=[number])
    if hit.kind == "contacts":
        return reverse("customers:contact", args=[hit.object_id])
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
        "status_label": str(ticket.get_status_display()),
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
