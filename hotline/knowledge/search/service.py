"""The one search service: tickets, contacts and articles for whoever asks, ranked, with snippets.

Ranking is in two tiers — every word in the title (a ticket's subject, a contact's name, an article's
title) above a match anywhere — and recent above old within a tier. Both tiers are index-ordered queries
with a limit, so a word found in a third of a million tickets costs the same as a rare one, and the order
is the same on PostgreSQL and SQLite.

Access: a ticket is searched only among ``desk.selectors.visible_tickets(actor)``; customers never match
internal notes; contacts are for staff; customers and guests get public published articles only.
Typo tolerance (PostgreSQL): when nothing is found, each unknown word is replaced by its nearest
dictionary words by trigram similarity, and the search runs once more.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr

from hotline.core import roles
from hotline.core.contact_points import try_parse_phone
from hotline.customers import selectors as customer_selectors
from hotline.customers.models import Contact
from hotline.desk import selectors as desk_selectors
from hotline.desk.choices import OPEN_STATUSES
from hotline.desk.models import Ticket
from hotline.knowledge.models import Article, DocumentKind, SearchDocument
from hotline.knowledge.search import text
from hotline.knowledge.search.index import CONFIG
from hotline.knowledge.search.schema import FTS_TABLE, TERM_TABLE

KINDS = ("tickets", "contacts", "articles")
KIND_OF = {"tickets": DocumentKind.TICKET, "contacts": DocumentKind.CONTACT, "articles": DocumentKind.ARTICLE}
MAX_LIMIT = 100
# Kinds with thousands of documents, not millions: ranked in one query (see ``_ranked``).
SMALL_KINDS = frozenset({"articles"})
QUERY_MAX = 200
_LOOKS_LIKE_NUMBER = re.compile(r"^\s*(?:[A-Za-z]+-)?\d+\s*$")
_PHONEISH = re.compile(r"^[\d\s()+\-.]+$")


@dataclasses.dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    title_html: str
    snippet: str
    sort_at: datetime.datetime
    in_title: bool
    from_internal: bool = False
    obj: Any = None


@dataclasses.dataclass
class KindResults:
    hits: list[Hit] = dataclasses.field(default_factory=list)
    has_more: bool = False


@dataclasses.dataclass
class SearchResults:
    query: str
    terms: list[text.Term]
    results: dict[str, KindResults]
    corrected: list[str] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(r.hits for r in self.results.values())

    def __getitem__(self, kind: str) -> KindResults:
        # Only the kinds: templates look ``found.corrected`` up as a key first.
        if kind not in KINDS:
            raise KeyError(kind)
        return self.results.get(kind, KindResults())


# ---------- the query, per database ----------

Alternatives = Sequence[Sequence[text.Term]]


def _pg_tsquery(groups: Alternatives, weights: str, *, any_word: bool) -> str:
    """``to_tsquery`` text: each group's spellings OR-ed, groups AND-ed (OR-ed for ``any_word``);
    PostgreSQL stems the words itself."""
    parts = []
    for group in groups:
        spellings = [f"'{term.word}':{'*' if term.prefix else ''}{weights}".rstrip(":") for term in group]
        parts.append(spellings[0] if len(spellings) == 1 else "(" + " | ".join(spellings) + ")")
    return (" | " if any_word else " & ").join(parts)


def _fts5_query(groups: Alternatives, columns: Sequence[str], *, any_word: bool) -> str:
    parts = []
    for group in groups:
        spellings = [f'"{term.stem}"' + ("*" if term.prefix else "") for term in group]
        parts.append(spellings[0] if len(spellings) == 1 else "(" + " OR ".join(spellings) + ")")
    return "{" + " ".join(columns) + "} : (" + (" OR " if any_word else " AND ").join(parts) + ")"


def _match(groups: Alternatives, *, title_only: bool, staff: bool, any_word: bool) -> RawSQL:
    """A boolean SQL condition: the document matches every group (or any, with ``any_word``), in the
    title only or anywhere the actor may see."""
    if connection.vendor == "postgresql":
        weights = "A" if title_only else ("" if staff else "AB")
        sql = f"knowledge_searchdocument.vector @@ to_tsquery('{CONFIG}', %s)"
        tsquery = _pg_tsquery(groups, weights, any_word=any_word)
        return RawSQL(sql, [tsquery], output_field=BooleanField())  # noqa: S611
    if title_only:
        columns: Sequence[str] = ["title_stems"]
    else:
        columns = ["title_stems", "body_stems", "internal_stems"] if staff else ["title_stems", "body_stems"]
    sql = f"knowledge_searchdocument.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # noqa: S608
    return RawSQL(sql, [_fts5_query(groups, columns, any_word=any_word)], output_field=BooleanField())  # noqa: S611


def _ranked(
    base: QuerySet[SearchDocument],
    groups: Alternatives,
    *,
    staff: bool,
    limit: int,
    any_word: bool = False,
    object_fields: Sequence[str] = (),
    one_pass: bool = False,
) -> tuple[list[Any], bool]:
    """Title matches newest first, then the other matches newest first; and whether there are more.

    ``object_fields`` are read from the joined object in the same query (see ``OBJECT_COLUMNS``). Two
    index-ordered queries, unless ``one_pass``: a kind with so few documents that sorting all its matches
    costs less than a second query."""
    # Snippets are cut from the start of long texts: a mail thread's 100 000 characters stay in the database.
    base = base.annotate(
        body_head=Substr("body", 1, SNIPPET_SOURCE), internal_head=Substr("internal", 1, SNIPPET_SOURCE)
    )
    fields = ("id", "object_id", "title", "body_head", "internal_head", "sort_at", *object_fields)
    order = ("-sort_at", "-id")
    title_match = _match(groups, title_only=True, staff=staff, any_word=any_word)
    if one_pass:
        # A small kind (articles): one query that sorts every match, title matches first, gives the same order.
        every = base.filter(_match(groups, title_only=False, staff=staff, any_word=any_word))
        rows = list(
            every.annotate(in_title=title_match).order_by("-in_title", *order).values(*fields, "in_title")[: limit + 1]
        )
        return rows[:limit], len(rows) > limit
    first = list(base.filter(title_match).order_by(*order).values(*fields)[: limit + 1])
    for row in first:
        row["in_title"] = True
    if len(first) > limit:
        return first[:limit], True
    rest_limit = limit - len(first)
    rest = list(
        base.filter(_match(groups, title_only=False, staff=staff, any_word=any_word))
        .exclude(title_match)
        .order_by(*order)
        .values(*fields)[: rest_limit + 1]
    )
    for row in rest:
        row["in_title"] = False
    return first + rest[:rest_limit], len(rest) > rest_limit


# Suggestions rank this many candidates per shown hit by how many of the words they contain.
ANY_WORD_POOL = 6
# Of a long body, the words counted for that ranking.
COVER_CHARS = 5000
# Of a long body, the part a snippet is cut from.
SNIPPET_SOURCE = 5000


def _best_covered(rows: list[dict[str, Any]], groups: Alternatives, limit: int) -> tuple[list[Any], bool]:
    """Candidates re-ranked by the query words they contain (a title word counts twice), then as before."""

    def covered(value: str) -> set[int]:
        found = {text.stem(w) or w for w in text.words(value[:COVER_CHARS])}
        return {i for i, group in enumerate(groups) if any(any(term.matches(s) for s in found) for term in group)}

    scored = []
    for position, row in enumerate(rows):
        in_title = covered(row["title"])
        score = 2 * len(in_title) + len(covered(row["body_head"]) - in_title)
        scored.append((-score, position, row))
    scored.sort(key=lambda item: (item[0], item[1]))
    best = [row for _score, _position, row in scored]
    return best[:limit], len(best) > limit


# ---------- who sees what ----------


def _is_staff(actor: Any) -> bool:
    return roles.is_agent(actor)


def _documents(actor: Any, kind: str, *, open_tickets_only: bool, language: str | None) -> QuerySet[SearchDocument]:
    docs = SearchDocument.objects.filter(kind=KIND_OF[kind])
    if kind == "tickets":
        if not (_is_staff(actor) or roles.is_customer(actor)):
            return docs.none()
        visible = desk_selectors.visible_tickets(actor)
        if open_tickets_only:
            visible = visible.filter(status__in=list(OPEN_STATUSES))
        if roles.is_admin(actor) and not open_tickets_only:
            return docs
        return docs.filter(object_id__in=visible.values("pk"))
    if kind == "contacts":
        return docs if _is_staff(actor) else docs.none()
    if not _is_staff(actor):
        docs = docs.filter(is_public=True)
    if language:
        docs = docs.filter(language=language)
    return docs


# ---------- typo tolerance ----------


def _corrections(terms: Sequence[text.Term]) -> dict[str, list[str]]:
    """For each finished word the dictionary does not know, its nearest known words (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    candidates = [t.word for t in terms if not t.prefix and len(t.word) >= 4 and not t.word.isdigit()]
    if not candidates:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word FROM {TERM_TABLE} WHERE word = ANY(%s)", [candidates])  # noqa: S608
        known = {row[0] for row in cursor.fetchall()}
        found: dict[str, list[str]] = {}
        for word in candidates:
            if word in known:
                continue
            cursor.execute(
                f"SELECT word FROM {TERM_TABLE} WHERE word %% %s ORDER BY similarity(word, %s) DESC, word LIMIT 2",  # noqa: S608
                [word, word],
            )
            found[word] = [row[0] for row in cursor.fetchall()]
    return {word: alternatives for word, alternatives in found.items() if alternatives}


def _groups(terms: Sequence[text.Term], corrections: dict[str, list[str]]) -> list[list[text.Term]]:
    groups = []
    for term in terms:
        group = [term]
        for alternative in corrections.get(term.word, []):
            alt_stem = text.stem(alternative)
            if alt_stem and alt_stem != term.stem:
                group.append(text.Term(word=alternative, stem=alt_stem))
        groups.append(group)
    return groups


# ---------- hits ----------


def _hits(kind: str, rows: Iterable[dict[str, Any]], terms: list[text.Term], *, staff: bool) -> list[Hit]:
    hits = []
    for row in rows:
        snippet = text.highlight(row["body_head"], terms)
        from_internal = False
        if staff and row["internal_head"] and "<mark>" not in snippet:
            internal = text.highlight(row["internal_head"], terms)
            if "<mark>" in internal:
                snippet, from_internal = internal, True
        hits.append(
            Hit(
                kind=kind,
                object_id=row["object_id"],
                title=row["title"],
                title_html=text.highlight(row["title"], terms, width=255),
                snippet=snippet,
                sort_at=row["sort_at"],
                in_title=row["in_title"],
                from_internal=from_internal,
            )
        )
    return hits


# What a ticket or article hit shows of its object, read through the document's join in the ranked query
# itself; other fields load on access, as with ``only()``.
OBJECT_COLUMNS = {
    "tickets": ("ticket", Ticket, ("id", "subject", "status", "created_at", "queue_id", "contact_id")),
    "articles": (
        "article",
        Article,
        ("id", "category_id", "title", "visibility", "status", "language", "translation_group", "published_at"),
    ),
}
_CONTACT_COLUMNS = ("id", "full_name")


def _object_fields(kind: str) -> tuple[str, ...]:
    if kind not in OBJECT_COLUMNS:
        return ()
    relation, _model, columns = OBJECT_COLUMNS[kind]
    fields = tuple(f"{relation}__{c}" for c in columns)
    if kind == "tickets":
        fields += tuple(f"ticket__contact__{c}" for c in _CONTACT_COLUMNS)
    return fields


def _existing_objects(kind: str, base: QuerySet[SearchDocument]) -> QuerySet[SearchDocument]:
    """Only documents whose object still exists (an inner join), so a vanished one never takes a place."""
    if kind not in OBJECT_COLUMNS:
        return base
    return base.filter(**{f"{OBJECT_COLUMNS[kind][0]}__isnull": False})


@functools.cache
def _in_model_order(model: type[Model], columns: tuple[str, ...]) -> list[str]:
    # Model.from_db takes the values in the order of the model's own fields.
    return [f.attname for f in model._meta.concrete_fields if f.attname in columns]


def _loaded(model: type[Model], row: dict[str, Any], prefix: str, columns: tuple[str, ...]) -> Any:
    names = _in_model_order(model, columns)
    return model.from_db(SearchDocument.objects.db, names, [row[prefix + name] for name in names])


def _object_from_row(kind: str, row: dict[str, Any]) -> Any:
    relation, model, columns = OBJECT_COLUMNS[kind]
    obj = _loaded(model, row, f"{relation}__", columns)
    if kind == "tickets" and row["ticket__contact_id"] is not None:
        obj.contact = _loaded(Contact, row, "ticket__contact__", _CONTACT_COLUMNS)
    return obj


def _attach_objects(kind: str, hits: list[Hit], rows: Sequence[dict[str, Any]]) -> list[Hit]:
    """Each hit with its object for display; a contact that vanished meanwhile is dropped."""
    if kind in OBJECT_COLUMNS:
        for hit, row in zip(hits, rows, strict=True):
            hit.obj = _object_from_row(kind, row)
        return hits
    ids = [h.object_id for h in hits]
    if not ids:
        return hits
    objects = Contact.objects.select_related("organisation").prefetch_related("phones", "emails").in_bulk(ids)
    for hit in hits:
        hit.obj = objects.get(hit.object_id)
    return [h for h in hits if h.obj is not None]


def _ticket_by_number(actor: Any, query: str) -> Ticket | None:
    if not _LOOKS_LIKE_NUMBER.match(query):
        return None
    ticket_id = desk_selectors.parse_ticket_ref(query)
    if ticket_id is None:
        return None
    return (
        desk_selectors.visible_tickets(actor)
        .select_related("queue", "contact", "assignee")
        .filter(pk=ticket_id)
        .first()
    )


def _is_contact_point(query: str) -> bool:
    digits = sum(ch.isdigit() for ch in query)
    return "@" in query or (bool(_PHONEISH.match(query)) and digits >= 4) or try_parse_phone(query) is not None


def _contact_point_hits(actor: Any, query: str, limit: int) -> KindResults:
    """A phone in any format, its last digits, or an e-mail: the customers' exact lookups."""
    contacts = list(customer_selectors.search_contacts(actor, query).order_by("search_name", "id")[: limit + 1])
    hits = [
        Hit(
            kind="contacts",
            object_id=c.pk,
            title=c.full_name,
            title_html=text.highlight(c.full_name, []),
            snippet="",
            sort_at=c.created_at,
            in_title=True,
            obj=c,
        )
        for c in contacts[:limit]
    ]
    return KindResults(hits=hits, has_more=len(contacts) > limit)


def search(
    actor: Any,
    query: str,
    *,
    kinds: Sequence[str] = KINDS,
    limit: int = 10,
    as_you_type: bool = False,
    open_tickets_only: bool = False,
    language: str | None = None,
    any_word: bool = False,
) -> SearchResults:
    """Search ``kinds`` for ``actor``; at most ``limit`` hits of each kind, best first.

    ``as_you_type`` lets the last, unfinished word match as a prefix. ``any_word`` is for suggestions
    from free text (a request being written): a document needs one of the words, and those with more of
    them come first. A ticket number («HL-000123», «123») puts that ticket first; a phone or e-mail finds
    contacts by their contact points.
    """
    # A search box never fails: characters the database cannot take are dropped.
    query = " ".join((query or "").replace("\x00", " ").split())[:QUERY_MAX]
    limit = max(1, min(limit, MAX_LIMIT))
    wanted = [k for k in KINDS if k in kinds]
    terms = text.parse_query(query, prefix_last=as_you_type)
    staff = _is_staff(actor)
    results = {k: KindResults() for k in wanted}
    outcome = SearchResults(query=query, terms=terms, results=results)
    if not query:
        return outcome

    contact_point = staff and "contacts" in wanted and _is_contact_point(query)
    if contact_point:
        results["contacts"] = _contact_point_hits(actor, query, limit)

    def run(groups: list[list[text.Term]]) -> None:
        flat = [t for group in groups for t in group]
        for kind in wanted:
            if kind == "contacts" and contact_point:
                continue
            base = _existing_objects(
                kind, _documents(actor, kind, open_tickets_only=open_tickets_only, language=language)
            )
            ranked = functools.partial(
                _ranked, base, groups, staff=staff, object_fields=_object_fields(kind), one_pass=kind in SMALL_KINDS
            )
            if any_word:
                rows, _more = ranked(limit=limit * ANY_WORD_POOL, any_word=True)
                rows, more = _best_covered(rows, groups, limit)
            else:
                rows, more = ranked(limit=limit)
            hits = _attach_objects(kind, _hits(kind, rows, flat, staff=staff), rows)
            results[kind] = KindResults(hits=hits, has_more=more)

    if terms:
        run(_groups(terms, {}))
        if outcome.empty:
            corrections = _corrections(terms)
            if corrections:
                run(_groups(terms, corrections))
                outcome.corrected = [alts[0] for alts in corrections.values()]

    if "tickets" in wanted and (staff or roles.is_customer(actor)):
        exact = _ticket_by_number(actor, query)
        if exact is not None and not (open_tickets_only and exact.status not in OPEN_STATUSES):
            tickets = results["tickets"]
            others = [h for h in tickets.hits if h.object_id != exact.pk]
            first = Hit(
                kind="tickets",
                object_id=exact.pk,
                title=exact.subject,
                title_html=text.highlight(exact.subject, terms, width=255),
                snippet="",
                sort_at=exact.created_at,
                in_title=True,
                obj=exact,
            )
            tickets.hits = [first, *others][:limit]
    return outcome
