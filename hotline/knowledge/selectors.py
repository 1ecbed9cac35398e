"""Every read the knowledge pages and endpoints need, scoped to the actor."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import roles
from hotline.core.errors import NotFound
from hotline.desk.choices import Status
from hotline.desk.models import Ticket
from hotline.knowledge import permissions
from hotline.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleStatus,
    ArticleUse,
    ArticleVersion,
    CannedResponse,
    DeflectionAttempt,
    Macro,
    Visibility,
)
from hotline.knowledge.services.responses import member_queue_ids

SOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)


def visible_articles(actor: Any) -> QuerySet[Article]:
    """Staff see every article (drafts and the archive too); everyone else published public ones."""
    if roles.is_agent(actor):
        return Article.objects.all()
    return Article.objects.filter(visibility=Visibility.PUBLIC, status=ArticleStatus.PUBLISHED)


def get_article_for(actor: Any, article_id: int) -> Article:
    """Raises: NotFound — no such article, or the actor may not read it (one answer for both)."""
    article = (
        visible_articles(actor)
        .select_related("category", "category__parent", "created_by", "updated_by")
        .prefetch_related(Prefetch("attachments", queryset=ArticleAttachment.objects.order_by("created_at", "pk")))
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise NotFound(_("Статья не найдена"))
    return article


def list_articles(
    actor: Any,
    *,
    category_id: int | None = None,
    status: str | None = None,
    visibility: str | None = None,
    language: str | None = None,
) -> QuerySet[Article]:
    """Articles for a list page (category joined, subsections' articles included), title order."""
    articles = visible_articles(actor)
    if category_id is not None:
        articles = articles.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if status:
        articles = articles.filter(status=status)
    if visibility:
        articles = articles.filter(visibility=visibility)
    if language:
        articles = articles.filter(language=language)
    return articles.select_related("category").order_by("title", "pk")


def list_categories(actor: Any) -> list[ArticleCategory]:
    """Sections with the number of articles the actor may read in each."""
    visible = Q(articles__in=visible_articles(actor).filter(status=ArticleStatus.PUBLISHED).values("pk"))
    if roles.is_agent(actor):
        visible = Q(articles__isnull=False)
    return list(
        ArticleCategory.objects.select_related("parent")
        .annotate(article_count=Count("articles", filter=visible, distinct=True))
        .order_by("parent_id", "sort_order", "name")
    )


def translations_of(actor: Any, article: Article) -> list[Article]:
    return list(
        visible_articles(actor)
        .filter(translation_group=article.translation_group)
        .exclude(pk=article.pk)
        .order_by("language")
    )


def related_of(actor: Any, article: Article) -> list[Article]:
    related = article.related.filter(pk__in=visible_articles(actor).values("pk"))
    if not roles.is_agent(actor):
        related = related.filter(status=ArticleStatus.PUBLISHED)
    return list(related.order_by("title"))


def versions_of(article: Article) -> QuerySet[ArticleVersion]:
    return ArticleVersion.objects.filter(article=article).select_related("changed_by", "category").order_by("-number")


@dataclasses.dataclass(frozen=True)
class ArticleStats:
    views: int
    helpful: int
    not_helpful: int
    tickets: int
    solved: int
    suggested: int
    deflected: int

    @property
    def helpful_percent(self) -> int | None:
        votes = self.helpful + self.not_helpful
        return round(100 * self.helpful / votes) if votes else None


def article_stats(article: Article) -> ArticleStats:
    """How the article is used: reads, votes, tickets answered with it (and solved), spared requests."""
    uses = ArticleUse.objects.filter(article=article).aggregate(
        tickets=Count("pk"), solved=Count("pk", filter=Q(ticket__status__in=SOLVED_STATUSES))
    )
    opened = DeflectionAttempt.objects.filter(opened_article=article).aggregate(
        opened=Count("pk"), deflected=Count("pk", filter=Q(submitted_at__isnull=True))
    )
    return ArticleStats(
        views=article.view_count,
        helpful=article.helpful_count,
        not_helpful=article.not_helpful_count,
        tickets=uses["tickets"],
        solved=uses["solved"],
        suggested=opened["opened"],
        deflected=opened["deflected"],
    )


def articles_on_ticket(ticket: Ticket) -> list[ArticleUse]:
    return list(ArticleUse.objects.filter(ticket=ticket).select_related("article", "linked_by").order_by("linked_at"))


def top_articles(limit: int = 20) -> list[Article]:
    """Published articles by tickets solved with them, for the statistics page."""
    return list(
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .annotate(
            tickets=Count("uses", distinct=True),
            solved=Count("uses", filter=Q(uses__ticket__status__in=SOLVED_STATUSES), distinct=True),
        )
        .select_related("category")
        .order_by("-solved", "-tickets", "-helpful_count", "title")[:limit]
    )


@dataclasses.dataclass(frozen=True)
class DeflectionStats:
    attempts: int
    opened: int
    submitted_after_opening: int
    deflected: int

    @property
    def rate_percent(self) -> int | None:
        """Of the customers who were shown articles, how many did not need to send the request."""
        return round(100 * self.deflected / self.attempts) if self.attempts else None


def deflection_stats(*, since: datetime.datetime | None = None) -> DeflectionStats:
    """Portal suggestions since ``since`` (30 days by default). Attempts still in progress are left out."""
    since = since or timezone.now() - datetime.timedelta(days=30)
    from hotline.knowledge.services.deflection import ATTEMPT_WINDOW

    finished = Q(submitted_at__isnull=False) | Q(started_at__lt=timezone.now() - ATTEMPT_WINDOW)
    row = DeflectionAttempt.objects.filter(finished, started_at__gte=since).aggregate(
        attempts=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        submitted=Count("pk", filter=Q(opened_at__isnull=False, submitted_at__isnull=False)),
        deflected=Count("pk", filter=Q(opened_at__isnull=False, submitted_at__isnull=True)),
    )
    return DeflectionStats(
        attempts=row["attempts"],
        opened=row["opened"],
        submitted_after_opening=row["submitted"],
        deflected=row["deflected"],
    )


def _template_scope(actor: Any) -> Q:
    if roles.is_admin(actor):
        return Q(owner__isnull=True) | Q(owner_id=actor.pk)
    return Q(owner_id=actor.pk) | Q(queue_id__in=member_queue_ids(actor)) | Q(queue__isnull=True, owner__isnull=True)


def usable_canned_responses(actor: Any, *, ticket: Ticket | None = None, q: str = "") -> list[CannedResponse]:
    """The responses the agent may insert: the ticket's queue's first, then personal, then the rest.

    ``q`` narrows by the start of the shortcut or a word of the name (what follows «::» as they type).
    """
    if not roles.is_agent(actor):
        return []
    responses = CannedResponse.objects.filter(_template_scope(actor), is_active=True).select_related("queue")
    needle = (q or "").strip().lstrip(":/").lower()
    rows = list(responses.order_by("shortcut", "pk"))
    if needle:
        rows = [r for r in rows if r.shortcut.lower().startswith(needle) or needle in r.name.lower()]

    def rank(response: CannedResponse) -> tuple[int, str]:
        if ticket is not None and response.queue_id == ticket.queue_id:
            return (0, response.shortcut)
        return (1 if response.owner_id else 2, response.shortcut)

    return sorted(rows, key=rank)


def usable_macros(actor: Any, *, ticket: Ticket | None = None) -> list[Macro]:
    if not roles.is_agent(actor):
        return []
    macros = list(
        Macro.objects.filter(_template_scope(actor), is_active=True)
        .select_related("reply", "set_category", "assignee", "queue")
        .order_by("name", "pk")
    )
    if ticket is not None:
        # A queue's macros belong to that queue's tickets.
        macros = [m for m in macros if m.queue_id in (None, ticket.queue_id)]
    return macros


def editable_templates(actor: Any) -> tuple[list[CannedResponse], list[Macro]]:
    """What the template settings page lists: everything the agent may use, each marked editable or not."""
    from hotline.knowledge.services.responses import led_queue_ids

    led = led_queue_ids(actor)
    responses = list(
        CannedResponse.objects.filter(_template_scope(actor)).select_related("queue", "owner").order_by("shortcut")
    )
    macros = list(
        Macro.objects.filter(_template_scope(actor))
        .select_related("queue", "owner", "reply", "set_category", "assignee")
        .order_by("name")
    )
    # The settings page shows edit buttons only where the agent may use them.
    for response in responses:
        response.editable = permissions.can_edit_template(actor, response, led)  # type: ignore[attr-defined]
    for macro in macros:
        macro.editable = permissions.can_edit_template(actor, macro, led)  # type: ignore[attr-defined]
    return responses, macros
