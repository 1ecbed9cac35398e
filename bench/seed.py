"""The deterministic data generator (seed 42 by default): configuration, people, tickets, SLA timers, articles.

Volumes for ``--tickets N`` (BENCH.md): organisations N/100, contacts N/10 (one or two phones in E.164, an
e-mail, a Russian full name), N tickets over the last 365 days with 1–4 messages each, about 30 % open, two SLA
timers each, 10 queues over 3 lines, 50 agents, 20 categories; 2 000 knowledge articles when the knowledge app
is installed. Ids are assigned here (1…), so rows reference each other without reading anything back; the
sequences are moved past them at the end.

The same seed gives the same rows; timestamps are relative to the day of the run (midnight UTC), so open
tickets have SLA due times around now whenever the benchmark runs.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench import text
from bench.bulk import DeferredIndexes, Table, reset_sequences
from hotline.core.models import User
from hotline.core.roles import Role
from hotline.customers.models import Contact, ContactEmail, ContactPhone, Organisation, search_text
from hotline.desk.choices import DEFAULT_PRIORITY_MATRIX, Channel, MessageKind, Status
from hotline.desk.models import Category, Message, Queue, QueueMembership, RoutingRule, Ticket, TicketHistory

Progress = Callable[[str, int, int], None]
Row = tuple[Any, ...]
UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
TICKET_CHUNK = 20_000
ARTICLES = 2_000
PLANTED_TICKETS = 60
PLANTED_ARTICLES = 12
AGENTS = 50
BENCH_PASSWORD_HASH = make_password(None)  # unusable: the benchmark signs in with sessions and tokens

OPEN_SPLIT = [
    (Status.NEW, 0.25),
    (Status.OPEN, 0.40),
    (Status.PENDING_CUSTOMER, 0.20),
    (Status.PENDING_THIRD_PARTY, 0.15),
]
DONE_SPLIT = [(Status.RESOLVED, 0.20), (Status.CLOSED, 0.70), (Status.CANCELLED, 0.10)]
CHANNELS = [
    (Channel.PHONE, 0.45), (Channel.EMAIL, 0.30), (Channel.PORTAL, 0.15), (Channel.API, 0.05), (Channel.MESSENGER, 0.05)
]  # fmt: skip
MESSAGE_COUNTS = [(1, 0.30), (2, 0.30), (3, 0.25), (4, 0.15)]
# Business-time targets per priority, in minutes (first response, resolution); applied as wall time here.
SLA_TARGETS = {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2880)}


class Picker:
    """``rng``-driven choice among weighted values without ``random.choices``' per-call set-up."""

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[min(bisect(self.cumulative, rng.random() * self.total), len(self.values) - 1)]


def end_of_data() -> datetime.datetime:
    return datetime.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def mobile(contact_id: int) -> str:
    """A contact's mobile number: distinct per contact (7919 is prime to 10⁹), valid in the RU plan."""
    return f"+79{(contact_id * 7919 + 123457) % 10**9:09d}"


def has_landline(contact_id: int) -> bool:
    return contact_id % 3 == 0


def landline(contact_id: int) -> str:
    """A Moscow office number; offices share numbers now and then, as they do."""
    return f"+7495{(contact_id * 104729) % 9_000_000 + 1_000_000:07d}"


def spoken(e164: str) -> str:
    """How a person types a Russian number: «8 (912) 345-67-89»."""
    d = e164[2:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:10]}"


@dataclass(frozen=True)
class Planted:
    """Where «счётчик» and its forms were put: the whole truth that search recall is scored against."""

    tickets: dict[int, str]
    articles: dict[int, str]


def planted(tickets: int, seed: int, *, articles: int = ARTICLES) -> Planted:
    rng = random.Random(f"{seed}-planted")
    ticket_ids = sorted(rng.sample(range(1, tickets + 1), min(PLANTED_TICKETS, tickets)))
    article_ids = sorted(rng.sample(range(1, articles + 1), min(PLANTED_ARTICLES, articles))) if articles else []
    forms = text.METER_FORMS
    return Planted(
        tickets={tid: forms[i % 3] for i, tid in enumerate(ticket_ids)},
        articles={aid: forms[i % 3] for i, aid in enumerate(article_ids)},
    )


def knowledge_installed() -> bool:
    return apps.is_installed("hotline.knowledge")


@dataclass
class Config:
    agents: list[int] = field(default_factory=list)
    queues: list[int] = field(default_factory=list)
    queue_members: dict[int, list[int]] = field(default_factory=dict)
    categories: list[int] = field(default_factory=list)
    policies: dict[int, int] = field(default_factory=dict)  # priority → policy id


# ---------- configuration: a few dozen rows through the ORM ----------


def _user(username: str, first: str, last: str, role: str, **extra: Any) -> User:
    return User.objects.create(
        username=username,
        password=BENCH_PASSWORD_HASH,
        first_name=first,
        last_name=last,
        email=f"{username}@bench.example.ru",
        role=role,
        **extra,
    )


def _configure(rng: random.Random) -> Config:
    from hotline.sla.models import SlaPolicy

    config = Config()
    _user("bench-admin", "Админ", "Бенчмарков", Role.ADMIN, is_staff=True, is_superuser=True)
    queues = []
    for order, (name, slug, line, _share, mode) in enumerate(text.QUEUES):
        queues.append(
            Queue.objects.create(
                name=name, slug=slug, line_level=line, assignment_mode=mode, is_default=order == 0,
                email=f"{slug}@bench.example.ru",
            )
        )  # fmt: skip
    for queue in queues:
        following = [q for q in queues if (q.line_level or 0) == (queue.line_level or 0) + 1]
        if following:
            queue.escalation_queue = following[0]
            queue.save(update_fields=["escalation_queue"])
    config.queues = [q.pk for q in queues]
    config.queue_members = {q.pk: [] for q in queues}
    # 5 supervisors (every queue, as leads), 30 operators (first line), 15 specialists (second and third).
    people = [(Role.SUPERVISOR, 5), (Role.OPERATOR, 30), (Role.SPECIALIST, 15)]
    number = 0
    for role, count in people:
        for _ in range(count):
            number += 1
            female = rng.random() < 0.5
            first = rng.choice(text.FEMALE_FIRST if female else text.MALE_FIRST)
            last = rng.choice(text.SURNAMES)[1 if female else 0]
            user = _user(f"agent{number:02d}", first, last, role)
            config.agents.append(user.pk)
            if role == Role.SUPERVISOR:
                mine = queues
            elif role == Role.OPERATOR:
                first_line = [q for q in queues if q.line_level == 1]
                # The first operator works the busiest queue alone: the queue page is measured as them.
                mine = [first_line[0]] if number == 6 else rng.sample(first_line, rng.choice((1, 2)))
            else:
                mine = rng.sample([q for q in queues if (q.line_level or 0) >= 2], rng.choice((1, 2)))
            for queue in mine:
                QueueMembership.objects.create(
                    queue=queue, user=user, role="lead" if role == Role.SUPERVISOR else "member",
                    accepts_assignments=role != Role.SUPERVISOR,
                )  # fmt: skip
                if role != Role.SUPERVISOR:
                    config.queue_members[queue.pk].append(user.pk)
    for queue in queues:
        if not config.queue_members[queue.pk]:
            config.queue_members[queue.pk] = list(config.agents[:5])
    for order, (parent_name, children) in enumerate(text.CATEGORIES.items()):
        parent = Category.objects.create(name=parent_name, sort_order=order)
        parent.path = f"/{parent.pk}/"
        parent.save(update_fields=["path"])
        config.categories.append(parent.pk)
        for child_order, child_name in enumerate(children):
            child = Category.objects.create(name=child_name, parent=parent, sort_order=child_order)
            child.path = f"{parent.path}{child.pk}/"
            child.save(update_fields=["path"])
            config.categories.append(child.pk)
    RoutingRule.objects.create(name="Квитанции — в ЖКХ", order=10, keywords="квитанция,перерасчёт", queue=queues[3])
    RoutingRule.objects.create(name="Почта", order=20, channel=Channel.EMAIL, queue=queues[1])
    for priority, (first_response, resolution) in SLA_TARGETS.items():
        policy = SlaPolicy.objects.create(
            name=f"P{priority}", order=priority * 10, priorities=[priority],
            first_response_minutes=first_response, resolution_minutes=resolution,
        )  # fmt: skip
        config.policies[priority] = policy.pk
    return config


# ---------- people ----------


def _organisations(rng: random.Random, count: int) -> Iterator[tuple[Any, ...]]:
    start = end_of_data() - 900 * DAY
    for oid in range(1, count + 1):
        name = f"{rng.choice(text.ORG_KINDS)} «{rng.choice(text.ORG_WORDS)}-{oid}»"
        yield (
            oid, name, search_text(name), f"{7_700_000_000 + oid}", "770001001",
            f"г. Москва, ул. {rng.choice(text.STREETS)}, д. {rng.randint(1, 120)}", landline(oid * 7 + 1),
            f"info@org{oid}.example.ru", f"org{oid}.example.ru", start + oid % 800 * DAY, start + oid % 800 * DAY,
        )  # fmt: skip


ORG_COLUMNS = [
    "id", "name", "search_name", "inn", "kpp", "address", "phone", "email", "domain", "created_at", "updated_at"
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "last_name", "first_name", "middle_name", "full_name", "search_name", "organisation_id", "language",
    "created_at", "updated_at", "pd_consent_at", "pd_consent_source",
]  # fmt: skip


def _person(rng: random.Random) -> tuple[str, str, str]:
    female = rng.random() < 0.55
    first = rng.choice(text.FEMALE_FIRST if female else text.MALE_FIRST)
    stem, male_end, female_end = rng.choice(text.PATRONYMICS)
    middle = stem + (female_end if female else male_end)
    last = rng.choice(text.SURNAMES)[1 if female else 0]
    return last, first, middle


def _contacts(
    rng: random.Random, count: int, organisations: int, org_of: list[int | None], logins: list[str]
) -> Iterator[tuple[Any, ...]]:
    start = end_of_data() - 800 * DAY
    for cid in range(1, count + 1):
        last, first, middle = _person(rng)
        full = f"{last} {first} {middle}"
        org = rng.randint(1, organisations) if organisations and rng.random() < 0.6 else None
        org_of.append(org)
        logins.append(last.lower().translate(text.TRANSLIT))
        created = start + (cid * 800 // max(count, 1)) * DAY
        consent = created if rng.random() < 0.7 else None
        yield (cid, last, first, middle, full, search_text(full), org, "ru", created, created, consent,
               "телефонный звонок" if consent else "")  # fmt: skip


def _phones(count: int) -> Iterator[tuple[Any, ...]]:
    pid = 0
    for cid in range(1, count + 1):
        pid += 1
        yield (pid, cid, mobile(cid), "mobile", True)
        if has_landline(cid):
            pid += 1
            yield (pid, cid, landline(cid), "work", False)


def _emails(count: int, names: list[str]) -> Iterator[tuple[Any, ...]]:
    for cid in range(1, count + 1):
        yield (cid, cid, f"{names[cid - 1]}.{cid}@mail{cid % 17}.example.ru", True)


# ---------- tickets and everything on them ----------

TICKET_COLUMNS = [
    "id", "subject", "description", "channel", "contact_id", "organisation_id", "queue_id", "assignee_id",
    "status", "impact", "urgency", "priority", "category_id", "resolution_code", "created_by_id", "created_at",
    "updated_at", "status_changed_at", "assigned_at", "first_response_at", "last_customer_message_at",
    "last_agent_message_at", "resolved_at", "closed_at", "cancelled_at",
]  # fmt: skip
MESSAGE_COLUMNS = [
    "id", "ticket_id", "kind", "is_internal", "author_user_id", "author_contact_id", "channel", "body_text",
    "created_at",
]  # fmt: skip
HISTORY_COLUMNS = ["id", "ticket_id", "at", "actor_id", "action", "field", "old_value", "new_value"]
TIMER_COLUMNS = [
    "id", "ticket_id", "policy_id", "kind", "status", "target_minutes", "warning_percent", "started_at",
    "running_since", "elapsed_seconds", "warn_at", "due_at", "paused_at", "stopped_at", "breached_at",
    "decided_at", "queue_id", "assignee_id",
]  # fmt: skip


class TicketMaker:
    """Builds the rows of one ticket at a time; ids of messages, history rows and timers run on."""

    def __init__(self, rng: random.Random, n: int, config: Config, org_of: list[int | None], plant: Planted) -> None:
        self.rng = rng
        self.n = n
        self.config = config
        self.org_of = org_of
        self.plant = plant
        self.end = end_of_data()
        self.start = self.end - 365 * DAY
        self.span = (self.end - self.start) / max(n, 1)
        shares = [(qid, spec[3]) for qid, spec in zip(config.queues, text.QUEUES, strict=True)]
        self.queue = Picker(shares)
        self.open_status = Picker(OPEN_SPLIT)
        self.done_status = Picker(DONE_SPLIT)
        self.channel = Picker(CHANNELS)
        self.message_count = Picker(MESSAGE_COUNTS)
        self.message_id = 0
        self.history_id = 0
        self.timer_id = 0
        self.contacts = len(org_of)

    def _fill(self, template: str) -> str:
        rng = self.rng
        if "{" not in template:
            return template
        return template.format(n=rng.randint(1, 250), street=rng.choice(text.STREETS), month=rng.choice(text.MONTHS))

    def _topic(self, tid: int) -> tuple[str, str]:
        rng = self.rng
        form = self.plant.tickets.get(tid)
        if form is not None:
            if tid % 2 == 0:
                return self._fill(text.METER_SUBJECTS[form]), text.METER_BODIES[form]
            subject, _ = rng.choice(text.OTHER_TOPICS)
            return self._fill(subject), text.METER_BODIES[form]
        roll = rng.random()
        topics = text.PRINTER_TOPICS if roll < 0.10 else text.RECEIPT_TOPICS if roll < 0.12 else text.OTHER_TOPICS
        subject, body = rng.choice(topics)
        return self._fill(subject), self._fill(body)

    def make(
        self, tid: int
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = self.rng
        created = self.start + self.span * (tid - 1 + rng.random())
        age_days = (self.end - created) / DAY
        is_open = rng.random() < (0.95 if age_days < 30 else 0.242)
        status = self.open_status(rng) if is_open else self.done_status(rng)
        queue = self.queue(rng)
        members = self.config.queue_members[queue]
        assignee = None if status == Status.NEW and rng.random() < 0.6 else rng.choice(members)
        contact = rng.randint(1, self.contacts) if self.contacts else None
        organisation = self.org_of[contact - 1] if contact else None
        impact, urgency = rng.randint(1, 3), rng.randint(1, 3)
        priority = int(DEFAULT_PRIORITY_MATRIX[(impact, urgency)])
        category = rng.choice(self.config.categories)
        channel = self.channel(rng)
        subject, body = self._topic(tid)
        count = self.message_count(rng)
        if status == Status.NEW:
            count = 1
        # Message times: the customer's request, the agent's answer, the customer's reply, an internal note.
        times = [created]
        for _ in range(count - 1):
            times.append(times[-1] + rng.randint(5, 600) * MINUTE)
        agent = assignee or rng.choice(members)
        messages: list[tuple[Any, ...]] = []
        first_response = last_customer = last_agent = None
        for index, at in enumerate(times):
            self.message_id += 1
            if index == 0:
                messages.append((self.message_id, tid, MessageKind.REPLY, False, None, contact, channel, body, at))
                last_customer = at
            elif index == 1:
                reply = rng.choice(text.AGENT_REPLIES)
                messages.append((self.message_id, tid, MessageKind.REPLY, False, agent, None, channel, reply, at))
                first_response = last_agent = at
            elif index == 2:
                answer = self._fill(rng.choice(text.CUSTOMER_REPLIES))
                messages.append((self.message_id, tid, MessageKind.REPLY, False, None, contact, channel, answer, at))
                last_customer = at
            else:
                note = rng.choice(text.NOTES)
                messages.append((self.message_id, tid, MessageKind.NOTE, True, agent, None, "", note, at))
        last = times[-1]
        done_at = None if is_open else last + rng.randint(10, 4 * 24 * 60) * MINUTE
        resolved_at = done_at if status in (Status.RESOLVED, Status.CLOSED) else None
        closed_at = done_at + 7 * DAY if status == Status.CLOSED and done_at else None
        cancelled_at = done_at if status == Status.CANCELLED else None
        changed = closed_at or done_at or last
        ticket = (
            tid, subject, body, channel, contact, organisation, queue, assignee, status, impact, urgency, priority,
            category, "solved" if resolved_at else "", agent if channel == Channel.PHONE else None, created,
            changed, changed, created if assignee else None, first_response, last_customer, last_agent,
            resolved_at, closed_at, cancelled_at,
        )  # fmt: skip
        self.history_id += 1
        history: list[Row] = [(self.history_id, tid, created, None, "opened", "", "", "")]
        if not is_open:
            self.history_id += 1
            history.append((self.history_id, tid, changed, agent, "status_changed", "status", "open", str(status)))
        timers = self._timers(tid, status, priority, created, first_response, done_at, queue, assignee)
        return ticket, messages, history, timers

    def _timers(
        self,
        tid: int,
        status: str,
        priority: int,
        created: datetime.datetime,
        first_response: datetime.datetime | None,
        done_at: datetime.datetime | None,
        queue: int,
        assignee: int | None,
    ) -> list[tuple[Any, ...]]:
        policy = self.config.policies[priority]
        pending = status in (Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY)
        rows: list[Row] = []
        for kind, target, stop in (
            ("first_response", SLA_TARGETS[priority][0], first_response or done_at),
            ("resolution", SLA_TARGETS[priority][1], done_at),
        ):
            self.timer_id += 1
            due = created + target * MINUTE
            warn = created + target * 0.8 * MINUTE
            if stop is not None:
                state = "cancelled" if status == Status.CANCELLED else "stopped"
                elapsed = int((stop - created).total_seconds())
                breached = due if stop > due else None
                rows.append((self.timer_id, tid, policy, kind, state, target, 80, created, None, elapsed, warn, due,
                             None, stop, breached, stop, queue, assignee))  # fmt: skip
            elif pending:
                paused = created + MINUTE * 30
                rows.append((self.timer_id, tid, policy, kind, "paused", target, 80, created, None, 1800, None, None,
                             paused, None, None, None, queue, assignee))  # fmt: skip
            else:
                breached = due if due < self.end else None
                rows.append((self.timer_id, tid, policy, kind, "running", target, 80, created, created, 0, warn, due,
                             None, None, breached, breached, queue, assignee))  # fmt: skip
        return rows


# ---------- articles ----------


def _articles(rng: random.Random, plant: Planted, authors: list[int], count: int) -> tuple[list[Row], list[Row]]:
    end = end_of_data()
    categories = [
        (1, "Доступ и пароли", "Access", 0), (2, "Оборудование", "Hardware", 1),
        (3, "Оплата и квитанции", "Billing", 2), (4, "Дом и ЖКХ", "Housing", 3), (5, "Прочее", "Other", 4),
    ]  # fmt: skip
    rows = []
    for aid in range(1, count + 1):
        form = plant.articles.get(aid)
        roll = rng.random()
        if form is not None:
            title, body = text.ARTICLE_METER[form]
        elif roll < 0.05:
            title, body = text.ARTICLE_PRINTER
        elif roll < 0.08:
            title, body = text.ARTICLE_RECEIPT
        else:
            title, body = rng.choice(text.ARTICLE_TOPICS)
        title = f"{title} ({aid})"
        published = form is not None or rng.random() < 0.9
        status = "published" if published else "draft"
        created = end - rng.randint(1, 700) * DAY
        author = rng.choice(authors)
        rows.append((
            aid, rng.randint(1, 5), title, f"<p>{body}</p>", body, "public" if rng.random() < 0.5 else "internal",
            status, "en" if rng.random() < 0.25 else "ru", uuid.UUID(int=rng.getrandbits(128), version=4),
            author, author, created, created, created if published else None,
        ))  # fmt: skip
    return categories, rows


ARTICLE_COLUMNS = [
    "id", "category_id", "title", "body_html", "body_text", "visibility", "status", "language", "translation_group",
    "created_by_id", "updated_by_id", "created_at", "updated_at", "published_at",
]  # fmt: skip


# ---------- the whole load ----------


def seed(n: int, *, seed: int = 42, articles: int = ARTICLES, progress: Progress | None = None) -> dict[str, Any]:
    """Fill an empty, migrated database with ``n`` tickets and everything around them; returns counts and times."""
    say: Progress = progress or (lambda _stage, _done, _total: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with transaction.atomic():
        config = _configure(rng)
    organisations, contacts = max(1, n // 100), max(1, n // 10)
    org_of: list[int | None] = []
    logins: list[str] = []
    from hotline.sla.models import SlaTimer

    deferred = DeferredIndexes(
        [Organisation, Contact, ContactPhone, ContactEmail, Ticket, Message, TicketHistory, SlaTimer]
    )
    with transaction.atomic():
        deferred.drop()
    with transaction.atomic():
        counts["organisations"] = Table(Organisation, ORG_COLUMNS).write(_organisations(rng, organisations))
        say("organisations", counts["organisations"], organisations)
        counts["contacts"] = Table(Contact, CONTACT_COLUMNS).write(
            _contacts(rng, contacts, organisations, org_of, logins)
        )
        say("contacts", counts["contacts"], contacts)
        counts["phones"] = Table(ContactPhone, ["id", "contact_id", "e164", "kind", "is_primary"]).write(
            _phones(contacts)
        )
        counts["emails"] = Table(ContactEmail, ["id", "contact_id", "email", "is_primary"]).write(
            _emails(contacts, logins)
        )
    articles = articles if knowledge_installed() else 0
    plant = planted(n, seed, articles=articles)
    maker = TicketMaker(rng, n, config, org_of, plant)
    tables = {
        "tickets": Table(Ticket, TICKET_COLUMNS),
        "messages": Table(Message, MESSAGE_COLUMNS),
        "history": Table(TicketHistory, HISTORY_COLUMNS),
    }
    tables["sla_timers"] = Table(SlaTimer, TIMER_COLUMNS)
    for first in range(1, n + 1, TICKET_CHUNK):
        batch: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
        for tid in range(first, min(first + TICKET_CHUNK, n + 1)):
            ticket, messages, history, timers = maker.make(tid)
            batch["tickets"].append(ticket)
            batch["messages"].extend(messages)
            batch["history"].extend(history)
            batch["sla_timers"].extend(timers)
        with transaction.atomic():
            for name, table in tables.items():
                table.write(batch[name])
        say("tickets", tables["tickets"].rows, n)
    counts.update({name: table.rows for name, table in tables.items()})
    models: list[Any] = [User, Queue, Category, Organisation, Contact, ContactPhone, ContactEmail, Ticket, Message,
                         TicketHistory, SlaTimer]  # fmt: skip
    if articles:
        from hotline.knowledge.models import Article, ArticleCategory

        categories, rows = _articles(rng, plant, config.agents[:10], articles)
        with transaction.atomic():
            Table(ArticleCategory, ["id", "name", "name_en", "sort_order"]).write(categories)
            counts["articles"] = Table(Article, ARTICLE_COLUMNS).write(rows)
        say("articles", counts["articles"], articles)
        models += [Article, ArticleCategory]
    say("indexes", 0, len(deferred.indexes))
    with transaction.atomic():
        deferred.rebuild()
    say("indexes", len(deferred.indexes), len(deferred.indexes))
    counts["index_build_seconds"] = round(deferred.rebuild_seconds, 1)  # type: ignore[assignment]
    reset_sequences(models)
    counts["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
    return counts


def analyze() -> float:
    """Statistics for the planner, as autovacuum (PostgreSQL) would gather soon after a load; returns seconds."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started
