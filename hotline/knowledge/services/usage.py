"""How articles are used: reads, "was this helpful?", and tickets answered with them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk import permissions as desk_permissions
from hotline.desk.models import Ticket
from hotline.knowledge import permissions
from hotline.knowledge.events import ArticleUsedOnTicket
from hotline.knowledge.models import Article, ArticleFeedback, ArticleStatus, ArticleUse
from hotline.knowledge.services.common import refuse_nul

COMMENT_MAX = 2000


def record_view(*, article: Article) -> None:
    """Count one read (a counter, not an audit event: articles are not personal data)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def give_feedback(
    *, actor: Any, article: Article, helpful: bool, comment: str = "", session_key: str = ""
) -> ArticleFeedback:
    """A reader's answer to "was this helpful?"; answering again replaces the first answer.

    Raises:
        NotFound: the reader may not see the article.
        ValidationFailed: a guest without a session; a comment too long.
    """
    if not permissions.can_view_article(actor, article) or article.status != ArticleStatus.PUBLISHED:
        raise NotFound(_("Статья не найдена"))
    refuse_nul(("comment", comment))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(_("Комментарий не длиннее %(n)s символов") % {"n": COMMENT_MAX}, field="comment")
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    if user is None and not session_key:
        raise ValidationFailed(_("Не удалось сохранить отзыв: включите cookies"), field="session_key")
    Article.objects.select_for_update().filter(pk=article.pk).first()
    mine = ArticleFeedback.objects.filter(article=article)
    previous = (mine.filter(user=user) if user else mine.filter(user__isnull=True, session_key=session_key)).first()
    counters: dict[str, Any] = {}
    if previous is not None:
        if previous.helpful != helpful:
            old = "helpful_count" if previous.helpful else "not_helpful_count"
            counters[old] = F(old) - 1
            new = "helpful_count" if helpful else "not_helpful_count"
            counters[new] = F(new) + 1
        previous.helpful, previous.comment = helpful, comment or previous.comment
        previous.save(update_fields=["helpful", "comment"])
        feedback = previous
    else:
        feedback = ArticleFeedback.objects.create(
            article=article, helpful=helpful, comment=comment, user=user, session_key="" if user else session_key
        )
        field = "helpful_count" if helpful else "not_helpful_count"
        counters[field] = F(field) + 1
    if counters:
        Article.objects.filter(pk=article.pk).update(**counters)
    return feedback


def _ensure_can_work(actor: User | None, ticket: Ticket) -> None:
    if actor is None:
        return
    if not desk_permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))
    if not desk_permissions.can_work_on_ticket(actor, ticket):
        raise Forbidden(_("Эту заявку могут менять участники её очереди и исполнитель"))


@transaction.atomic
def link_article_to_ticket(*, actor: User | None, article: Article, ticket: Ticket) -> ArticleUse:
    """Record that the ticket was answered with the article (its statistics count solved tickets).

    Raises:
        NotFound: the actor may not see the ticket.
        Forbidden: the actor may not work on the ticket; a customer.
        Conflict: the article is already linked; the article is not published.
    """
    if actor is not None and not roles.is_agent(actor):
        raise Forbidden(_("Связывать статьи с заявками могут сотрудники"))
    _ensure_can_work(actor, ticket)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict(_("Статья не опубликована"), field="article_id")
    try:
        with transaction.atomic():
            use = ArticleUse.objects.create(article=article, ticket=ticket, linked_by=actor)
    except IntegrityError as exc:
        raise Conflict(_("Статья уже связана с заявкой %(n)s") % {"n": ticket.number}, field="article_id") from exc
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=ticket,
        summary=_("%(n)s: ответ статьёй «%(t)s»") % {"n": ticket.number, "t": article.title},
    )
    publish(ArticleUsedOnTicket(actor_id=actor.pk if actor else None, article_id=article.pk, ticket_id=ticket.pk))
    return use


@transaction.atomic
def unlink_article_from_ticket(*, actor: User | None, article: Article, ticket: Ticket) -> None:
    """Raises: NotFound (no such link, or the ticket is not the actor's to see); Forbidden."""
    if actor is not None and not roles.is_agent(actor):
        raise Forbidden(_("Связывать статьи с заявками могут сотрудники"))
    _ensure_can_work(actor, ticket)
    deleted, _rows = ArticleUse.objects.filter(article=article, ticket=ticket).delete()
    if not deleted:
        raise NotFound(_("Статья не связана с этой заявкой"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=ticket,
        summary=_("%(n)s: связь со статьёй «%(t)s» снята") % {"n": ticket.number, "t": article.title},
    )
