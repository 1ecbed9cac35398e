"""The search service on the test corpus: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from hotline.customers.services import contact_points, privacy
from hotline.customers.services import contacts as contact_services
from hotline.desk.models import Ticket
from hotline.desk.services import messages, relations
from hotline.desk.services import tickets as ticket_services
from hotline.knowledge.models import SearchDocument
from hotline.knowledge.search import text
from hotline.knowledge.search.service import search
from hotline.knowledge.services import articles
from hotline.knowledge.tests.helpers import ids, open_ticket, publish

pytestmark = pytest.mark.django_db

# The benchmark's planted word families: every form must be found from any one of them.
FAMILIES = {
    "счётчик": ["счётчик", "счётчика", "счётчики", "счетчиков", "Счётчиком"],
    "квитанция": ["квитанция", "квитанции", "квитанций", "Квитанцию"],
    "принтер": ["принтер", "принтера", "принтеры", "принтерами"],
}


@pytest.fixture
def corpus(operator, line1, section):
    """One ticket per planted form (in the subject or the body), plus noise, and articles."""
    planted: dict[str, list[int]] = {}
    for family, forms in FAMILIES.items():
        planted[family] = []
        for n, form in enumerate(forms):
            if n % 2:
                ticket = open_ticket(operator, f"Обращение {n}", f"У абонента {form} не работает", days_ago=n)
            else:
                ticket = open_ticket(operator, f"Проблема: {form}", "Подробности по телефону", days_ago=n)
            planted[family].append(ticket.pk)
    open_ticket(operator, "Нет горячей воды", "Стояк в подвале")
    open_ticket(operator, "Printer is jammed", "The printers on floor 2 keep jamming")
    planted["articles"] = [
        publish(section, "Как передать показания счётчика", "Показания принимаются с 20 по 25 число").pk,
        publish(section, "Оплата", "Квитанции приходят до 5 числа, счётчики сверяем раз в год").pk,
    ]
    return planted


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_planted_form_is_found_from_any_form(corpus, operator, family):
    for query in FAMILIES[family]:
        found = search(operator, query, kinds=["tickets"], limit=50)
        assert sorted(ids(found["tickets"])) == sorted(corpus[family]), query


def test_yo_and_ye_match_both_ways(corpus, operator):
    with_yo = ids(search(operator, "счётчик", kinds=["tickets"], limit=50)["tickets"])
    without = ids(search(operator, "счетчик", kinds=["tickets"], limit=50)["tickets"])
    assert with_yo == without
    assert len(with_yo) == len(FAMILIES["счётчик"])


def test_english_words_are_stemmed(corpus, operator):
    found = search(operator, "printer jams", kinds=["tickets"])
    assert [h.title for h in found["tickets"].hits] == ["Printer is jammed"]


def test_articles_are_searched_with_the_tickets(corpus, operator):
    found = search(operator, "счётчики", kinds=["tickets", "articles"], limit=50)
    assert ids(found["articles"]) == corpus["articles"]
    assert len(found["tickets"].hits) == len(FAMILIES["счётчик"])


def test_title_matches_rank_above_body_matches_then_newest_first(operator, line1):
    old_title = open_ticket(operator, "Счётчик не крутится", "", days_ago=30)
    new_body = open_ticket(operator, "Вопрос", "сломался счётчик", days_ago=1)
    new_title = open_ticket(operator, "Замена счётчика", "", days_ago=2)
    old_body = open_ticket(operator, "Другое", "и ещё счётчики", days_ago=40)
    found = search(operator, "счётчик", kinds=["tickets"])
    assert ids(found["tickets"]) == [new_title.pk, old_title.pk, new_body.pk, old_body.pk]
    assert [h.in_title for h in found["tickets"].hits] == [True, True, False, False]


def test_articles_rank_title_matches_first_then_newest_in_one_pass(operator, section):
    def published(days_ago: int, title: str, body: str = "") -> int:
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago), tick=False):
            return publish(section, title, body).pk

    old_title = published(30, "Счётчик не крутится")
    new_body = published(1, "Вопрос", "сломался счётчик")
    new_title = published(2, "Замена счётчика")
    old_body = published(40, "Другое", "и ещё счётчики")
    found = search(operator, "счётчик", kinds=["articles"])["articles"]
    assert ids(found) == [new_title, old_title, new_body, old_body]
    assert [h.in_title for h in found.hits] == [True, True, False, False]
    first = search(operator, "счётчик", kinds=["articles"], limit=3)["articles"]
    assert (ids(first), first.has_more) == ([new_title, old_title, new_body], True)


def test_limit_and_has_more(operator, line1):
    for n in range(5):
        open_ticket(operator, f"Счётчик {n}", days_ago=n)
    open_ticket(operator, "Другое", "про счётчик", days_ago=9)
    first = search(operator, "счётчик", kinds=["tickets"], limit=3)["tickets"]
    assert len(first.hits) == 3
    assert first.has_more
    everything = search(operator, "счётчик", kinds=["tickets"], limit=6)["tickets"]
    assert len(everything.hits) == 6
    assert not everything.has_more


def test_a_document_whose_object_is_gone_neither_shows_nor_takes_a_place(operator, line1, section, contact):
    kept = [open_ticket(operator, f"Счётчик {n}", contact=contact, days_ago=n) for n in range(3)]
    gone = open_ticket(operator, "Счётчик удалённый")  # the newest: it would rank first
    article = publish(section, "Счётчики: поверка", "текст")
    orphan = publish(section, "Счётчики: черновик", "текст")
    # Rows removed behind the index's back (a bulk delete, a restore from backup): the documents stay.
    Ticket.objects.filter(pk=gone.pk).delete()
    type(orphan).objects.filter(pk=orphan.pk).delete()
    assert SearchDocument.objects.filter(object_id__in=[gone.pk, orphan.pk]).count() >= 2

    found = search(operator, "счётчик", kinds=["tickets", "articles"], limit=2)
    assert ids(found["tickets"]) == [kept[0].pk, kept[1].pk]
    assert found["tickets"].has_more is True
    assert ids(found["articles"]) == [article.pk]
    # Each hit carries what the screens show, read in the search's own queries.
    hit = found["tickets"].hits[0]
    assert (hit.obj.number, hit.obj.status, hit.obj.contact.full_name) == (kept[0].number, "new", contact.full_name)
    assert found["articles"].hits[0].obj.visibility == article.visibility


def test_snippets_highlight_the_word_forms_and_escape_html(operator, line1):
    ticket = open_ticket(operator, "Вопрос", "Начало. " + "слово " * 60 + "<b>Счётчика</b> не видно & всё")
    hit = search(operator, "счётчик", kinds=["tickets"])["tickets"].hits[0]
    assert hit.object_id == ticket.pk
    assert "<mark>Счётчика</mark>" in hit.snippet
    assert "&lt;b&gt;" in hit.snippet
    assert "<b>" not in hit.snippet
    assert hit.snippet.startswith("…")
    assert search(operator, "вопрос", kinds=["tickets"])["tickets"].hits[0].title_html == "<mark>Вопрос</mark>"


def test_as_you_type_matches_the_unfinished_last_word(corpus, operator):
    typed = search(operator, "счётч", kinds=["tickets"], limit=50, as_you_type=True)["tickets"]
    assert sorted(ids(typed)) == sorted(corpus["счётчик"])


def test_stop_words_alone_find_nothing_and_never_fail(corpus, operator):
    assert search(operator, "и в на", limit=5).empty
    assert search(operator, "   ", limit=5).empty
    assert search(operator, "\"'():*&|!<>{}", limit=5).empty


def test_query_words_are_stemmed_like_the_index():
    assert text.stems("Счётчики, квитанций; PRINTERS") == "счетчик квитанц printer"
    assert text.stems("и в на the of") == ""


# ---------- access ----------


def test_customer_finds_only_their_own_tickets_and_never_internal_notes(operator, line1, customer, other_customer):
    mine = open_ticket(operator, "Счётчик воды", contact=customer.contact)
    open_ticket(operator, "Счётчик газа", contact=other_customer.contact)
    noted = open_ticket(operator, "Другое", contact=customer.contact)
    messages.add_note(actor=operator, ticket=noted, body_text="проверить счётчик у соседей")
    assert ids(search(customer, "счётчик", kinds=["tickets"])["tickets"]) == [mine.pk]
    staff = search(operator, "счётчик", kinds=["tickets"])["tickets"]
    assert noted.pk in ids(staff)
    assert next(h for h in staff.hits if h.object_id == noted.pk).from_internal


def test_agent_finds_only_tickets_they_may_see(operator, specialist, line1, line2, admin_user):
    first_line = open_ticket(operator, "Счётчик в первой линии")
    second_line = open_ticket(specialist, "Счётчик во второй линии", queue=line2)
    assert ids(search(operator, "счётчик", kinds=["tickets"])["tickets"]) == [first_line.pk]
    assert ids(search(specialist, "счётчик", kinds=["tickets"])["tickets"]) == [second_line.pk]
    assert set(ids(search(admin_user, "счётчик", kinds=["tickets"])["tickets"])) == {first_line.pk, second_line.pk}


def test_customers_and_guests_get_public_articles_only_and_no_contacts(section, customer, operator, contact):
    public = publish(section, "Показания счётчика", public=True)
    internal = publish(section, "Регламент: счётчик", public=False)
    draft = articles.create_article(actor=None, category=section, title="Черновик про счётчик", visibility="public")
    found = search(customer, "счётчик Петров")
    assert found["contacts"].hits == []
    assert ids(search(customer, "счётчик")["articles"]) == [public.pk]
    assert set(ids(search(operator, "счётчик")["articles"])) == {public.pk, internal.pk}
    assert draft.pk not in ids(search(operator, "счётчик")["articles"])
    from django.contrib.auth.models import AnonymousUser

    guest = search(AnonymousUser(), "счётчик")
    assert ids(guest["articles"]) == [public.pk]
    assert guest["tickets"].hits == []


# ---------- contacts ----------


def test_contacts_by_name_organisation_phone_in_any_format_and_email(operator, organisation):
    person = contact_services.create_contact(
        actor=operator,
        full_name="Семёнова Ольга Петровна",
        organisation=organisation,
        phones=["+7 912 345-67-89"],
        emails=["olga@example.ru"],
    )
    for query in ("Семенова", "семёнова ольга", "Ромашка", "8 (912) 345-67-89", "+79123456789", "olga@example.ru"):
        assert ids(search(operator, query, kinds=["contacts"])["contacts"]) == [person.pk], query


def test_ticket_number_puts_the_ticket_first(operator, line1, customer):
    ticket = open_ticket(operator, "Нет воды", contact=customer.contact)
    for query in (ticket.number, str(ticket.pk), ticket.number.lower()):
        assert ids(search(operator, query, kinds=["tickets"])["tickets"])[0] == ticket.pk
    assert search(customer, ticket.number, kinds=["tickets"])["tickets"].hits[0].object_id == ticket.pk


# ---------- the index follows the writes ----------


def test_index_follows_ticket_edits_replies_and_merges(operator, line1, customer):
    ticket = open_ticket(operator, "Нет воды", contact=customer.contact)
    assert search(operator, "квитанция", kinds=["tickets"]).empty
    messages.add_reply(actor=operator, ticket=ticket, body_text="Пришлите фото квитанции")
    assert ids(search(operator, "квитанция", kinds=["tickets"])["tickets"]) == [ticket.pk]
    ticket_services.update_ticket(actor=operator, ticket=ticket, subject="Протечка счётчика")
    assert search(operator, "воды", kinds=["tickets"]).empty
    assert search(operator, "счётчик", kinds=["tickets"])["tickets"].hits[0].in_title
    other = open_ticket(operator, "Дубликат", "принтер сломался", contact=customer.contact)
    relations.merge_tickets(actor=operator, source=other, target=ticket)
    assert ticket.pk in ids(search(operator, "принтер", kinds=["tickets"])["tickets"])


def test_erased_contact_leaves_the_index(operator, admin_user):
    person = contact_services.create_contact(actor=operator, full_name="Кузнецова Мария", emails=["m@example.ru"])
    assert ids(search(operator, "Кузнецова", kinds=["contacts"])["contacts"]) == [person.pk]
    contact_points.add_phone(actor=operator, contact=person, number="+7 912 000-11-22")
    privacy.erase_contact(actor=admin_user, contact=person, reason="требование по 152-ФЗ")
    assert search(operator, "Кузнецова", kinds=["contacts"]).empty
    assert not SearchDocument.objects.filter(kind="contact", object_id=person.pk).exists()


def test_rolled_back_write_leaves_no_trace(operator, line1):
    from django.db import transaction

    def open_then_fail() -> None:
        with transaction.atomic():
            open_ticket(operator, "Призрачный счётчик")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        open_then_fail()
    assert search(operator, "призрачный", kinds=["tickets"]).empty


def test_a_bulk_chunk_indexes_what_it_opened_and_answered_once_at_its_end(operator, line1, customer):
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from hotline.core import batching

    with CaptureQueriesContext(connection) as queries, transaction.atomic(), batching.deferring():
        first = open_ticket(operator, "Протечка счётчика", contact=customer.contact)
        second = open_ticket(operator, "Нет квитанции", contact=customer.contact)
        messages.add_reply(actor=None, ticket=first, body_text="Принтер в подъезде тоже сломан")
        assert search(operator, "счётчик", kinds=["tickets"]).empty  # not yet: at the chunk's end
    upserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT INTO knowledge_searchdocument")]
    assert len(upserts) == 1
    assert ids(search(operator, "счётчик", kinds=["tickets"])["tickets"]) == [first.pk]
    assert ids(search(operator, "квитанция", kinds=["tickets"])["tickets"]) == [second.pk]
    assert ids(search(operator, "принтер", kinds=["tickets"])["tickets"]) == [first.pk]  # the reply, read back


def test_reindex_rebuilds_what_the_writes_built_and_adds_bulk_loaded_rows(corpus, operator, contact):
    # ``contact`` comes from a factory (a bulk insert, no events): only a rebuild indexes it.
    assert search(operator, "Петров", kinds=["contacts"]).empty
    # A thread: the rebuild (set-wise SQL on PostgreSQL) must gather it as the live path does.
    threaded = Ticket.objects.get(pk=corpus["принтер"][0])
    messages.add_reply(actor=operator, ticket=threaded, body_text="Пришлите фото счётчика")
    messages.add_note(actor=operator, ticket=threaded, body_text="Внутри: проверить пломбу")
    messages.add_reply(actor=operator, ticket=threaded, body_text="  И квитанцию  ")
    live = {(d.kind, d.object_id): (d.title, d.body, d.internal) for d in SearchDocument.objects.all()}
    before = {q: ids(search(operator, q, limit=50)["tickets"]) for q in ("счётчик", "квитанция", "printer")}
    SearchDocument.objects.all().delete()
    assert search(operator, "счётчик").empty
    call_command("search", "reindex", "--batch", "3", stdout=io.StringIO())
    rebuilt = {(d.kind, d.object_id): (d.title, d.body, d.internal) for d in SearchDocument.objects.all()}
    assert rebuilt.pop(("contact", contact.pk))[0] == "Петров Иван"
    assert rebuilt == live
    assert {q: ids(search(operator, q, limit=50)["tickets"]) for q in before} == before
    assert ids(search(operator, "Петров", kinds=["contacts"])["contacts"]) == [contact.pk]


def test_reindexed_contacts_are_the_documents_the_writes_built(operator, organisation):
    # On PostgreSQL the rebuild writes contacts set-wise in SQL: the same documents as the live path's.
    full = contact_services.create_contact(
        actor=operator,
        full_name="Семёнова Анна Петровна",
        organisation=organisation,
        position="  главный бухгалтер ",
        emails=["anna@example.ru", "a.semenova@example.ru"],
        phones=["8 (912) 345-67-89", "+7 495 123-45-67"],
        notes="Звонить после обеда\n",
    )
    bare = contact_services.create_contact(actor=operator, full_name="Орлов Пётр", phones=["+7 913 000-00-01"])
    erased = contact_services.create_contact(actor=operator, full_name="Кузнецов Олег", emails=["o@example.ru"])
    live = {
        d.object_id: (d.title, d.body, d.internal, d.sort_at)
        for d in SearchDocument.objects.filter(kind="contact", object_id__in=[full.pk, bare.pk])
    }
    assert len(live) == 2
    SearchDocument.objects.all().delete()
    # Erased after the index was emptied: the rebuild must not bring it back.
    from hotline.customers.models import Contact

    Contact.objects.filter(pk=erased.pk).update(erased_at=full.created_at)
    call_command("search", "reindex", "--batch", "2", stdout=io.StringIO())
    rebuilt = {
        d.object_id: (d.title, d.body, d.internal, d.sort_at) for d in SearchDocument.objects.filter(kind="contact")
    }
    assert rebuilt == live
    assert ids(search(operator, "бухгалтер", kinds=["contacts"])["contacts"]) == [full.pk]
    assert ids(search(operator, "Орлов", kinds=["contacts"])["contacts"]) == [bare.pk]
    assert search(operator, "Кузнецов", kinds=["contacts"]).empty


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo tolerance uses pg_trgm")
def test_typos_are_forgiven_on_postgresql(corpus, operator):
    found = search(operator, "счетчк", kinds=["tickets"], limit=50)
    assert found.corrected
    assert set(corpus["счётчик"]) <= set(ids(found["tickets"]))
    assert set(ids(search(operator, "квитнция", kinds=["tickets"], limit=50)["tickets"])) == set(corpus["квитанция"])
    # A word that is no typo of anything finds nothing rather than something random.
    assert search(operator, "зюзюка", limit=50).empty
