"""The knowledge HTTP API: ``search_router`` at ``/api/search``, ``router`` at ``/api/knowledge``.

Thin: parse, fetch through the access selectors, call a service or selector, shape.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hotline.core import roles
from hotline.core.errors import Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk import selectors as desk_selectors
from hotline.desk.api.common import ERRORS, PathId, actor
from hotline.desk.models import Category, Queue
from hotline.knowledge import permissions, presenters, selectors
from hotline.knowledge.models import Article, ArticleCategory, CannedResponse, Macro
from hotline.knowledge.schemas import (
    ArticleCreateIn,
    ArticleListOut,
    ArticleOut,
    ArticleUpdateIn,
    ArticleUseOut,
    CannedResponseIn,
    CannedResponseOut,
    CategoryIn,
    CategoryOut,
    DeflectionOut,
    FeedbackIn,
    FeedbackOut,
    MacroAppliedOut,
    MacroIn,
    MacroOut,
    RelatedIn,
    RenderedOut,
    SearchOut,
    StatsOut,
    TicketRefIn,
    TranslationIn,
    VersionOut,
)
from hotline.knowledge.search.service import KINDS, MAX_LIMIT, search
from hotline.knowledge.services import articles, macros, responses, usage

search_router = Router(tags=["search"])
router = Router(tags=["knowledge"])
LIST_MAX = 200


class SearchParams(Schema):
    q: str = Field(..., max_length=200, description="Слова, номер заявки, телефон или e-mail")
    kinds: str = Field("tickets,contacts,articles", description="Через запятую: tickets, contacts, articles")
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    open_only: bool = Field(False, description="Только открытые заявки")
    as_you_type: bool = Field(False, description="Последнее слово — начало слова (поиск по мере ввода)")


@search_router.get("", response={200: SearchOut, **ERRORS}, summary="Поиск по заявкам, контактам и статьям")
def search_everything(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Russian and English word forms match («счётчик» → «счётчика»), ranked title first, then newest;
    access as in the UI: a customer finds their own tickets and public articles only."""
    user = actor(request)
    kinds = [k.strip() for k in params.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValidationFailed(f"kinds: одно или несколько из {', '.join(KINDS)}", field="kinds")
    found = search(
        user,
        params.q,
        kinds=kinds,
        limit=params.limit,
        as_you_type=params.as_you_type,
        open_tickets_only=params.open_only,
    )
    shape = {"tickets": presenters.ticket_hit, "contacts": presenters.contact_hit, "articles": presenters.article_hit}
    body: dict[str, Any] = {"query": found.query, "corrected": found.corrected}
    for kind in kinds:
        result = found[kind]
        body[kind] = {"items": [shape[kind](user, h) for h in result.hits], "has_more": result.has_more}
    return body


# ---------- helpers ----------


def _editor(request: HttpRequest) -> User:
    user = actor(request)
    if not permissions.can_edit_articles(user):
        raise Forbidden("Изменять базу знаний могут сотрудники поддержки")
    return user


def _agent(request: HttpRequest) -> User:
    user = actor(request)
    if not roles.is_agent(user):
        raise Forbidden("Только для сотрудников")
    return user


def _category(category_id: int | None, *, field: str = "category_id") -> ArticleCategory | None:
    if category_id is None:
        return None
    found = ArticleCategory.objects.filter(pk=category_id).first()
    if found is None:
        raise ValidationFailed("Раздел не найден", field=field)
    return found


def _article_out(user: User, article: Article) -> dict[str, Any]:
    def ref(a: Article) -> dict[str, Any]:
        return {"id": a.pk, "title": a.title, "language": a.language}

    return {
        **_article_row(article),
        "body_html": article.body_html,
        "keywords": article.keywords,
        "translations": [ref(a) for a in selectors.translations_of(user, article)],
        "related": [ref(a) for a in selectors.related_of(user, article)],
        "attachments": [
            {
                "id": f.pk,
                "name": f.original_name,
                "content_type": f.content_type,
                "size": f.size,
                "url": f"/knowledge/files/{f.pk}/",
                "is_image": f.is_image,
            }
            for f in article.attachments.all()
        ],
    }


def _article_row(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "category_id": article.category_id,
        "category": article.category.name,
        "visibility": article.visibility,
        "status": article.status,
        "language": article.language,
        "version": article.version,
        "updated_at": article.updated_at,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "view_count": article.view_count,
    }


# ---------- categories and articles ----------


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="Разделы базы знаний")
def list_categories(request: HttpRequest) -> list[Any]:
    return selectors.list_categories(actor(request))


@router.post("/categories", response={201: CategoryOut, **ERRORS}, summary="Создать раздел")
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[Any]:
    created = articles.save_category(
        actor=_editor(request),
        name=payload.name,
        name_en=payload.name_en,
        parent=_category(payload.parent_id, field="parent_id"),
        description=payload.description,
        sort_order=payload.sort_order,
    )
    return Status(201, created)


class ArticleFilters(Schema):
    category_id: int | None = Field(None, ge=1)
    status: str | None = None
    visibility: str | None = None
    language: str | None = None
    limit: int = Field(50, ge=1, le=LIST_MAX)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/articles", response={200: list[ArticleListOut], **ERRORS}, summary="Статьи")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> list[dict[str, Any]]:
    rows = selectors.list_articles(
        actor(request),
        category_id=filters.category_id,
        status=filters.status,
        visibility=filters.visibility,
        language=filters.language,
    )[filters.offset : filters.offset + filters.limit]
    return [_article_row(a) for a in rows]


@router.post("/articles", response={201: ArticleOut, **ERRORS}, summary="Написать статью")
def create_article(request: HttpRequest, payload: ArticleCreateIn) -> Status[Any]:
    user = _editor(request)
    category = _category(payload.category_id)
    assert category is not None
    original = selectors.get_article_for(user, payload.translation_of_id) if payload.translation_of_id else None
    article = articles.create_article(
        actor=user,
        category=category,
        title=payload.title,
        body=payload.body,
        visibility=payload.visibility,
        language=payload.language,
        keywords=payload.keywords,
        status=payload.status,
        translation_of=original,
        note=payload.note,
    )
    return Status(201, _article_out(user, selectors.get_article_for(user, article.pk)))


@router.get("/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Статья")
def get_article(request: HttpRequest, article_id: PathId) -> dict[str, Any]:
    user = actor(request)
    article = selectors.get_article_for(user, article_id)
    usage.record_view(article=article)
    return _article_out(user, article)


@router.patch("/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Изменить статью")
def update_article(request: HttpRequest, article_id: PathId, payload: ArticleUpdateIn) -> dict[str, Any]:
    user = _editor(request)
    article = selectors.get_article_for(user, article_id)
    articles.update_article(
        actor=user,
        article=article,
        title=payload.title,
        body=payload.body,
        category=_category(payload.category_id),
        visibility=payload.visibility,
        status=payload.status,
        keywords=payload.keywords,
        note=payload.note,
    )
    return _article_out(user, selectors.get_article_for(user, article_id))


@router.delete("/articles/{article_id}", response={204: None, **ERRORS}, summary="Удалить статью")
def delete_article(request: HttpRequest, article_id: PathId) -> Status[None]:
    user = _editor(request)
    articles.delete_article(actor=user, article=selectors.get_article_for(user, article_id))
    return Status(204, None)


@router.get("/articles/{article_id}/versions", response={200: list[VersionOut], **ERRORS}, summary="Версии")
def list_versions(request: HttpRequest, article_id: PathId) -> list[dict[str, Any]]:
    article = selectors.get_article_for(_editor(request), article_id)
    return [
        {
            "number": v.number,
            "title": v.title,
            "body_html": v.body_html,
            "visibility": v.visibility,
            "status": v.status,
            "changed_fields": v.changed_fields,
            "note": v.note,
            "changed_by": v.changed_by.display_name if v.changed_by else None,
            "changed_at": v.changed_at,
        }
        for v in selectors.versions_of(article)
    ]


@router.post(
    "/articles/{article_id}/versions/{number}/restore",
    response={200: ArticleOut, **ERRORS},
    summary="Восстановить версию",
)
def restore_version(request: HttpRequest, article_id: PathId, number: PathId) -> dict[str, Any]:
    user = _editor(request)
    article = selectors.get_article_for(user, article_id)
    articles.restore_version(actor=user, article=article, number=number)
    return _article_out(user, selectors.get_article_for(user, article_id))


@router.post("/articles/{article_id}/translations", response={200: ArticleOut, **ERRORS}, summary="Связать перевод")
def link_translation(request: HttpRequest, article_id: PathId, payload: TranslationIn) -> dict[str, Any]:
    user = _editor(request)
    article = selectors.get_article_for(user, article_id)
    other = selectors.get_article_for(user, payload.translation_id)
    articles.link_translation(actor=user, article=article, translation=other)
    return _article_out(user, selectors.get_article_for(user, article_id))


@router.put("/articles/{article_id}/related", response={200: ArticleOut, **ERRORS}, summary="Связанные статьи")
def set_related(request: HttpRequest, article_id: PathId, payload: RelatedIn) -> dict[str, Any]:
    user = _editor(request)
    article = selectors.get_article_for(user, article_id)
    others = list(selectors.visible_articles(user).filter(pk__in=payload.article_ids))
    if len(others) != len(set(payload.article_ids)):
        raise ValidationFailed("Часть статей не найдена", field="article_ids")
    articles.set_related(actor=user, article=article, related=others)
    return _article_out(user, selectors.get_article_for(user, article_id))


@router.post("/articles/{article_id}/feedback", response={200: FeedbackOut, **ERRORS}, summary="Была ли полезна?")
def give_feedback(request: HttpRequest, article_id: PathId, payload: FeedbackIn) -> dict[str, Any]:
    user = actor(request)
    article = selectors.get_article_for(user, article_id)
    usage.give_feedback(actor=user, article=article, helpful=payload.helpful, comment=payload.comment)
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return {
        "helpful": payload.helpful,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
    }


@router.get("/articles/{article_id}/stats", response={200: StatsOut, **ERRORS}, summary="Статистика статьи")
def article_stats(request: HttpRequest, article_id: PathId) -> dict[str, Any]:
    article = selectors.get_article_for(_agent(request), article_id)
    stats = selectors.article_stats(article)
    return {
        "views": stats.views,
        "helpful": stats.helpful,
        "not_helpful": stats.not_helpful,
        "helpful_percent": stats.helpful_percent,
        "tickets": stats.tickets,
        "solved": stats.solved,
        "opened_from_suggestions": stats.suggested,
        "deflected": stats.deflected,
    }


@router.post(
    "/articles/{article_id}/tickets", response={201: ArticleUseOut, **ERRORS}, summary="Ответ статьёй на заявку"
)
def link_ticket(request: HttpRequest, article_id: PathId, payload: TicketRefIn) -> Status[Any]:
    user = _agent(request)
    article = selectors.get_article_for(user, article_id)
    ticket = desk_selectors.get_ticket_for(user, payload.ticket)
    use = usage.link_article_to_ticket(actor=user, article=article, ticket=ticket)
    return Status(
        201,
        {
            "article_id": article.pk,
            "ticket_id": ticket.pk,
            "ticket_number": ticket.number,
            "linked_by": user.display_name,
            "linked_at": use.linked_at,
        },
    )


@router.delete("/articles/{article_id}/tickets/{ticket_ref}", response={204: None, **ERRORS}, summary="Снять связь")
def unlink_ticket(request: HttpRequest, article_id: PathId, ticket_ref: str) -> Status[None]:
    user = _agent(request)
    article = selectors.get_article_for(user, article_id)
    ticket = desk_selectors.get_ticket_for(user, ticket_ref)
    usage.unlink_article_from_ticket(actor=user, article=article, ticket=ticket)
    return Status(204, None)


@router.get("/deflection", response={200: DeflectionOut, **ERRORS}, summary="Подсказки на портале: сколько помогло")
def deflection(request: HttpRequest) -> dict[str, Any]:
    if not permissions.can_view_stats(actor(request)):
        raise Forbidden("Статистика — для руководителей")
    stats = selectors.deflection_stats()
    return {**stats.__dict__, "rate_percent": stats.rate_percent}


# ---------- canned responses and macros ----------


def _scope(scope: str, queue_id: int | None) -> tuple[Queue | None, bool]:
    if scope == "queue":
        queue = Queue.objects.filter(pk=queue_id).first() if queue_id else None
        if queue is None:
            raise ValidationFailed("Укажите очередь", field="queue_id")
        return queue, False
    return None, scope == "personal"


def _scope_of(item: CannedResponse | Macro) -> str:
    return "personal" if item.owner_id else ("queue" if item.queue_id else "global")


def _response_out(item: CannedResponse) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "shortcut": item.shortcut,
        "body": item.body,
        "scope": _scope_of(item),
        "queue_id": item.queue_id,
        "is_active": item.is_active,
        "use_count": item.use_count,
    }


def _response_for(user: User, response_id: int) -> CannedResponse:
    responses_all, _m = selectors.editable_templates(user)
    found = next((r for r in responses_all if r.pk == response_id), None)
    if found is None:
        raise NotFound("Шаблон не найден")
    return found


@router.get("/canned-responses", response={200: list[CannedResponseOut], **ERRORS}, summary="Шаблоны ответов")
def list_responses(request: HttpRequest, q: str = "", ticket: str = "") -> list[dict[str, Any]]:
    user = _agent(request)
    for_ticket = desk_selectors.get_ticket_for(user, ticket) if ticket else None
    return [_response_out(r) for r in selectors.usable_canned_responses(user, ticket=for_ticket, q=q[:40])]


@router.post("/canned-responses", response={201: CannedResponseOut, **ERRORS}, summary="Создать шаблон ответа")
def create_response(request: HttpRequest, payload: CannedResponseIn) -> Status[Any]:
    queue, personal = _scope(payload.scope, payload.queue_id)
    item = responses.save_canned_response(
        actor=_agent(request),
        name=payload.name,
        shortcut=payload.shortcut,
        body=payload.body,
        queue=queue,
        personal=personal,
        is_active=payload.is_active,
    )
    return Status(201, _response_out(item))


@router.put("/canned-responses/{response_id}", response={200: CannedResponseOut, **ERRORS}, summary="Изменить")
def update_response(request: HttpRequest, response_id: PathId, payload: CannedResponseIn) -> dict[str, Any]:
    user = _agent(request)
    queue, personal = _scope(payload.scope, payload.queue_id)
    item = responses.save_canned_response(
        actor=user,
        response=_response_for(user, response_id),
        name=payload.name,
        shortcut=payload.shortcut,
        body=payload.body,
        queue=queue,
        personal=personal,
        is_active=payload.is_active,
    )
    return _response_out(item)


@router.delete("/canned-responses/{response_id}", response={204: None, **ERRORS}, summary="Удалить шаблон")
def delete_response(request: HttpRequest, response_id: PathId) -> Status[None]:
    user = _agent(request)
    responses.delete_canned_response(actor=user, response=_response_for(user, response_id))
    return Status(204, None)


@router.post(
    "/canned-responses/{response_id}/render",
    response={200: RenderedOut, **ERRORS},
    summary="Текст шаблона для заявки (подстановки заполнены)",
)
def render_response(request: HttpRequest, response_id: PathId, payload: TicketRefIn) -> dict[str, Any]:
    user = _agent(request)
    ticket = desk_selectors.get_ticket_for(user, payload.ticket)
    item = _response_for(user, response_id)
    return {"text": responses.render_canned_response(actor=user, response=item, ticket=ticket)}


def _macro_out(item: Macro) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "scope": _scope_of(item),
        "queue_id": item.queue_id,
        "reply_id": item.reply_id,
        "set_status": item.set_status,
        "set_category_id": item.set_category_id,
        "assign_to": item.assign_to,
        "assignee_id": item.assignee_id,
        "add_tags": item.add_tags,
        "is_active": item.is_active,
        "use_count": item.use_count,
    }


def _macro_for(user: User, macro_id: int) -> Macro:
    _r, macros_all = selectors.editable_templates(user)
    found = next((m for m in macros_all if m.pk == macro_id), None)
    if found is None:
        raise NotFound("Макрос не найден")
    return found


def _macro_fields(user: User, payload: MacroIn) -> dict[str, Any]:
    queue, personal = _scope(payload.scope, payload.queue_id)
    reply = None
    if payload.reply_id is not None:
        reply = next((r for r in selectors.usable_canned_responses(user) if r.pk == payload.reply_id), None)
        if reply is None:
            raise ValidationFailed("Шаблон ответа не найден", field="reply_id")
    category = Category.objects.filter(pk=payload.set_category_id).first() if payload.set_category_id else None
    if payload.set_category_id and category is None:
        raise ValidationFailed("Категория не найдена", field="set_category_id")
    assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first() if payload.assignee_id else None
    if payload.assignee_id and assignee is None:
        raise ValidationFailed("Сотрудник не найден", field="assignee_id")
    return {
        "name": payload.name,
        "queue": queue,
        "personal": personal,
        "reply": reply,
        "set_status": payload.set_status,
        "set_category": category,
        "assign_to": payload.assign_to,
        "assignee": assignee,
        "add_tags": payload.add_tags,
        "is_active": payload.is_active,
    }


@router.get("/macros", response={200: list[MacroOut], **ERRORS}, summary="Макросы")
def list_macros(request: HttpRequest, ticket: str = "") -> list[dict[str, Any]]:
    user = _agent(request)
    for_ticket = desk_selectors.get_ticket_for(user, ticket) if ticket else None
    return [_macro_out(m) for m in selectors.usable_macros(user, ticket=for_ticket)]


@router.post("/macros", response={201: MacroOut, **ERRORS}, summary="Создать макрос")
def create_macro(request: HttpRequest, payload: MacroIn) -> Status[Any]:
    user = _agent(request)
    return Status(201, _macro_out(macros.save_macro(actor=user, **_macro_fields(user, payload))))


@router.put("/macros/{macro_id}", response={200: MacroOut, **ERRORS}, summary="Изменить макрос")
def update_macro(request: HttpRequest, macro_id: PathId, payload: MacroIn) -> dict[str, Any]:
    user = _agent(request)
    item = _macro_for(user, macro_id)
    return _macro_out(macros.save_macro(actor=user, macro=item, **_macro_fields(user, payload)))


@router.delete("/macros/{macro_id}", response={204: None, **ERRORS}, summary="Удалить макрос")
def delete_macro(request: HttpRequest, macro_id: PathId) -> Status[None]:
    user = _agent(request)
    macros.delete_macro(actor=user, macro=_macro_for(user, macro_id))
    return Status(204, None)


@router.post("/macros/{macro_id}/apply", response={200: MacroAppliedOut, **ERRORS}, summary="Применить макрос")
def apply_macro(request: HttpRequest, macro_id: PathId, payload: TicketRefIn) -> dict[str, Any]:
    user = _agent(request)
    ticket = desk_selectors.get_ticket_for(user, payload.ticket)
    macro = next((m for m in selectors.usable_macros(user) if m.pk == macro_id), None)
    if macro is None:
        raise NotFound("Макрос не найден")
    macros.apply_macro(actor=user, macro=macro, ticket=ticket)
    ticket.refresh_from_db()
    return {"ticket_id": ticket.pk, "number": ticket.number, "status": ticket.status, "assignee_id": ticket.assignee_id}
