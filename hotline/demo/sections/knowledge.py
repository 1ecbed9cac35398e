"""Knowledge: sections, public articles for the portal and internal ones for agents (one in English, one draft),
readers' feedback, canned responses with placeholders (for everyone and per queue) and two macros."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.demo import content_kb
from hotline.desk.models import Ticket
from hotline.knowledge.models import Article, ArticleCategory, CannedResponse
from hotline.knowledge.services.articles import create_article, save_category, set_related
from hotline.knowledge.services.macros import save_macro
from hotline.knowledge.services.responses import save_canned_response
from hotline.knowledge.services.usage import give_feedback, link_article_to_ticket, record_view

if TYPE_CHECKING:
    from hotline.demo.modules import Demo


def is_loaded() -> bool:
    return ArticleCategory.objects.exists()


def _articles(demo: Demo) -> dict[str, Article]:
    sections: dict[str, ArticleCategory] = {}
    for order, spec in enumerate(content_kb.SECTIONS):
        sections[spec["key"]] = save_category(
            actor=demo.admin,
            name=spec["name"],
            name_en=spec["name_en"],
            description=spec["description"],
            sort_order=order,
        )
    authors = [demo.users["operator"], demo.users["specialist"], demo.users["accountant"], demo.supervisor]
    articles: dict[str, Article] = {}
    for index, spec in enumerate(content_kb.ARTICLES):
        articles[spec["key"]] = create_article(
            actor=authors[index % len(authors)],
            category=sections[spec["section"]],
            title=spec["title"],
            body=spec["body"],
            visibility=spec["visibility"],
            status=spec["status"],
            keywords=spec["keywords"],
        )
    english = content_kb.TRANSLATION
    original = articles[english["of"]]
    articles["meters_en"] = create_article(
        actor=demo.supervisor,
        category=original.category,
        title=english["title"],
        body=english["body"],
        visibility=original.visibility,
        language="en",
        status="published",
        keywords=english["keywords"],
        translation_of=original,
    )
    set_related(actor=demo.supervisor, article=articles["meters"], related=[articles["bill"], articles["recalc"]])
    set_related(actor=demo.supervisor, article=articles["password"], related=[articles["printer"]])
    return articles


def _feedback(demo: Demo, articles: dict[str, Article]) -> int:
    given = 0
    resident = demo.users.get("resident@example.ru")
    staff = [demo.users[name] for name in ("operator", "operator2", "operator3", "dispatcher", "specialist2")]
    for spec in content_kb.ARTICLES:
        article = articles[spec["key"]]
        for _view in range(spec["views"]):
            record_view(article=article)
        helpful, unhelpful, comment = spec["feedback"]
        answers = [True] * helpful + [False] * unhelpful
        # Public articles are rated by portal guests (by their session) and the resident; internal ones by agents.
        for n, is_helpful in enumerate(answers):
            note = comment if not is_helpful and n == helpful else ""
            if not article.is_public:
                give_feedback(actor=staff[n % len(staff)], article=article, helpful=is_helpful, comment=note)
            elif note and resident is not None:
                give_feedback(actor=resident, article=article, helpful=is_helpful, comment=note)
            else:
                give_feedback(actor=None, article=article, helpful=is_helpful, session_key=f"demo-{spec['key']}-{n}")
            given += 1
    return given


def _templates(demo: Demo) -> tuple[int, int]:
    responses: dict[str, CannedResponse] = {}
    for spec in content_kb.CANNED:
        queue = demo.queues[spec["queue"]] if spec["queue"] else None
        responses[spec["shortcut"]] = save_canned_response(
            # Templates for everyone are the administrator's; a queue's are kept by its lead.
            actor=demo.supervisor if queue is not None else demo.admin,
            name=spec["name"],
            body=spec["body"],
            shortcut=spec["shortcut"],
            queue=queue,
        )
    for spec in content_kb.MACROS:
        save_macro(
            actor=demo.supervisor,
            name=spec["name"],
            queue=demo.queues[spec["queue"]],
            reply=responses[spec["reply"]],
            set_status=spec["set_status"],
            assign_to=spec.get("assign_to", ""),
            add_tags=spec["add_tags"],
        )
    return len(responses), len(content_kb.MACROS)


def _uses(demo: Demo, articles: dict[str, Article]) -> int:
    """Agents linked the article they answered with to a few tickets (the article's «used in» list)."""
    linked = 0
    for key, words in (("meters", "показания"), ("password", "пароль"), ("printer", "принтер"), ("recalc", "перерасч")):
        for ticket in Ticket.objects.filter(subject__icontains=words).order_by("id")[:3]:
            link_article_to_ticket(actor=None, article=articles[key], ticket=ticket)
            linked += 1
    return linked


def load_section(demo: Demo) -> str:
    articles = _articles(demo)
    feedback = _feedback(demo, articles)
    responses, macros = _templates(demo)
    _uses(demo, articles)
    return f"{len(articles)} статей, {feedback} отзывов, {responses} шаблонов ответа, {macros} макроса"
