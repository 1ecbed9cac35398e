"""The operations of BENCH.md: who does them, against what, and how each one is checked.

HTTP operations are lists of units for ``bench.load``; each unit checks its answer (a screen-pop that finds
nobody, a page that is not 200, a ticket that is not created count as errors, not as fast requests). The
in-process measurements (query counts, e-mail intake, search recall's truth) run here, in the benchmark's own
process, against the same database.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import seed, text
from bench.load import BadResponse, Unit, call
from hotline.core.models import User
from hotline.core.tokens import issue_token
from hotline.customers.models import Contact
from hotline.desk.models import QueueMembership, Ticket, format_ticket_number

OPERATOR = "agent06"  # the first operator: works the busiest first-line queue alone (bench.seed)
SUPERVISOR = "agent01"  # a lead of every queue: sees every ticket, so search recall is over all of them


@dataclass(frozen=True)
class Actor:
    user: User
    token: str
    session: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def cookies(self) -> dict[str, str]:
        return {settings.SESSION_COOKIE_NAME: self.session}


def _session_for(user: User) -> str:
    """A signed-in browser session, as the login form would leave it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    assert store.session_key is not None
    return store.session_key


def actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    admin = User.objects.get(username="bench-admin")
    _token, raw = issue_token(actor=admin, user=user, name="benchmark")
    return Actor(user=user, token=raw, session=_session_for(user))


def operator_queues(user: User) -> list[int]:
    return list(QueueMembership.objects.filter(user=user).order_by("queue_id").values_list("queue_id", flat=True))


# ---------- HTTP operations ----------


def screen_pop(rng: random.Random, contacts: int, count: int) -> list[Unit]:
    """The card of a caller by the number the PBX passes, in the formats people and PBXs use."""
    units: list[Unit] = []
    for index in range(count):
        cid = rng.randint(1, contacts)
        if index % 3 == 2 and seed.has_landline(cid):
            number = seed.spoken(seed.landline(cid)).replace(" (", "-").replace(") ", "-")  # «8-495-123-45-67»
        elif index % 2:
            number = seed.mobile(cid)  # «+79123456789»
        else:
            number = seed.spoken(seed.mobile(cid))  # «8 (912) 345-67-89»
        url = "/api/contacts/lookup?" + urlencode({"phone": number})

        async def unit(session: aiohttp.ClientSession, url: str = url) -> None:
            found = await call(session, "GET", url)
            if not found:
                raise BadResponse("GET", url, 200, "nobody found for a seeded number")

        units.append(unit)
    return units


def queue_url(queue_id: int) -> str:
    """The queue page as BENCH.md has it: open tickets of one queue, most urgent SLA due time first — when the
    SLA app offers that order (a sort the desk's extension registry carries), else the page's default order."""
    url = f"/desk/tickets/?queue={queue_id}&status=open_all"
    try:
        from hotline.desk import extensions
    except ImportError:
        return url
    return url + "&sort=sla" if any(sort.key == "sla" for sort in extensions.extra_sorts()) else url


def page(url: str, count: int) -> list[Unit]:
    async def unit(session: aiohttp.ClientSession) -> None:
        await call(session, "GET", url)

    return [unit] * count


def ticket_pages(ticket_ids: list[int]) -> list[Unit]:
    units: list[Unit] = []
    for tid in ticket_ids:
        url = f"/desk/t/{format_ticket_number(tid)}/"

        async def unit(session: aiohttp.ClientSession, url: str = url) -> None:
            await call(session, "GET", url)

        units.append(unit)
    return units


def visible_ticket_sample(rng: random.Random, tickets: int, queues: list[int], count: int) -> list[int]:
    """``count`` random tickets of the operator's queues (ids drawn from the seeded range, then checked)."""
    found: list[int] = []
    while len(found) < count:
        draw = [rng.randint(1, tickets) for _ in range(count * 8)]
        found += list(Ticket.objects.filter(pk__in=draw, queue_id__in=queues).values_list("pk", flat=True))
        if not found and tickets < count:
            break
    rng.shuffle(found)
    return (found * (count // max(len(found), 1) + 1))[:count]


def search(query: str, count: int, *, limit: int = 20) -> list[Unit]:
    url = "/api/search?" + urlencode({"q": query, "kinds": "tickets,articles", "limit": limit})
    return page(url, count)


def intake(rng: random.Random, contacts: int, count: int, *, new_share: float = 0.4) -> list[Unit]:
    """Open a ticket by API for an existing caller, or for a new one (the contact is created first)."""
    topics = text.PRINTER_TOPICS + text.RECEIPT_TOPICS + text.OTHER_TOPICS
    units: list[Unit] = []
    for index in range(count):
        subject, body = rng.choice(topics)
        ticket = {"subject": subject.replace("{n}", str(index)), "description": body, "channel": "phone"}
        if rng.random() < new_share:
            last, first, middle = seed._person(rng)
            new_id = 10**6 + contacts + index  # numbers no seeded contact has (bench.seed.mobile is one-to-one)
            person = {
                "full_name": f"{last} {first} {middle}",
                "phones": [seed.spoken(seed.mobile(new_id))],
                "emails": [f"caller{new_id}@bench.example.ru"],
            }

            async def new_caller(session: aiohttp.ClientSession, person: Any = person, ticket: Any = ticket) -> None:
                created = await call(session, "POST", "/api/contacts", json_body=person, expect=(201,))
                await call(session, "POST", "/api/tickets", json_body={**ticket, "contact_id": created["id"]},
                           expect=(201,))  # fmt: skip

            units.append(new_caller)
        else:
            payload = {**ticket, "contact_id": rng.randint(1, contacts)}

            async def known_caller(session: aiohttp.ClientSession, payload: Any = payload) -> None:
                await call(session, "POST", "/api/tickets", json_body=payload, expect=(201,))

            units.append(known_caller)
    return units


def recall(body: dict[str, Any], truth: seed.Planted) -> dict[str, Any]:
    """Which of the documents «счётчик» was planted in came back, per word form."""
    found = {
        "tickets": {item["id"] for item in (body.get("tickets") or {}).get("items", [])},
        "articles": {item["id"] for item in (body.get("articles") or {}).get("items", [])},
    }
    per_form: dict[str, list[int]] = {form: [0, 0] for form in text.METER_FORMS}
    for kind, planted in (("tickets", truth.tickets), ("articles", truth.articles)):
        for object_id, form in planted.items():
            per_form[form][1] += 1
            per_form[form][0] += object_id in found[kind]
    total = sum(t for _, t in per_form.values())
    hit = sum(h for h, _ in per_form.values())
    return {
        "recall": round(hit / total, 4) if total else None,
        "found": hit,
        "planted": total,
        "per_form": {form: f"{h}/{t}" for form, (h, t) in per_form.items()},
    }


# ---------- in-process measurements ----------


def query_counts(user: User, queue_id: int, ticket_ids: list[int]) -> dict[str, Any]:
    """Queries per page through Django's test client (sessions, auth and all), per ticket for several tickets."""
    client = Client()
    client.force_login(user)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise BadResponse("GET", url, response.status_code, response.content.decode()[:200])
        return len(captured.captured_queries)

    queue_page = queue_url(queue_id)
    per_ticket = {}
    for tid in ticket_ids:
        messages = Ticket.objects.get(pk=tid).messages.count()
        per_ticket[f"{format_ticket_number(tid)} ({messages} msg)"] = count(f"/desk/t/{format_ticket_number(tid)}/")
    return {
        "queue_page": count(queue_page),
        "queue_page_2": count(queue_page + "&page=2"),
        "ticket_page": max(per_ticket.values()) if per_ticket else None,
        "ticket_page_by_ticket": per_ticket,
    }


def tickets_by_message_count(user: User, queues: list[int]) -> list[int]:
    """One ticket with the fewest and one with the most messages, so a count that grows per message shows.

    Both assigned to someone else: the page asks about the viewer's role in the queue only then, which is a
    difference of who, not of how much.
    """
    from django.db.models import Count

    recent = (
        Ticket.objects.filter(queue_id__in=queues, assignee__isnull=False)
        .exclude(assignee=user)
        .order_by("-id")[:400]
        .values("pk")
    )
    rows = list(
        Ticket.objects.filter(pk__in=recent).annotate(n=Count("messages")).order_by("n", "pk").values_list("pk", "n")
    )
    return [rows[0][0], rows[-1][0]] if rows else []


def email_intake(count: int, work_dir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    """``count`` generated messages from a Maildir into tickets, in this process (the intake's own importer)."""
    try:
        from hotline.intake import sample
        from hotline.intake.models import Mailbox, MailboxKind
        from hotline.intake.services import mailboxes
        from hotline.intake.services.maildir import ingest_maildir
    except ImportError as exc:
        return {"status": "not available", "reason": f"e-mail intake is not built yet ({exc})"}
    from hotline.desk.models import Queue

    if not Mailbox.objects.filter(is_active=True).exists():
        queue = Queue.objects.get(slug="l1-mail")
        mailboxes.save_mailbox(
            actor=None,
            mailbox=Mailbox(name="Поддержка", address="support@example.ru", kind=MailboxKind.IMPORT, queue=queue,
                            is_default=True),
        )  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="maildir-", dir=work_dir))
    progress(f"writing {count} messages")
    sample.write_maildir(folder, sample.generate(count, seed=42))
    progress(f"importing {count} messages")
    stats = ingest_maildir(folder)
    result = stats.as_dict()
    return {"messages_per_second": result.get("messages_per_second"), **result}


def report() -> dict[str, Any]:
    if not apps.is_installed("hotline.reports"):
        return {"status": "not available", "reason": "the reports app is not built yet"}
    return {"status": "not available", "reason": "no monthly KPI report service to call yet"}


def reset_to_seed(tickets: int, contacts: int) -> dict[str, float]:
    """Remove what earlier runs on this database added (tickets and callers past the seeded ids), so a re-run
    measures the same data as the first."""
    started = time.perf_counter()
    with transaction.atomic():
        if apps.is_installed("hotline.intake"):
            from hotline.intake.models import InboundMessage

            # The seed receives no mail: without this a re-run's e-mail intake would skip every message as
            # already received (de-duplicated by Message-ID) and measure nothing.
            InboundMessage.objects.all().delete()
        removed_tickets, _ = Ticket.objects.filter(pk__gt=tickets).delete()
        removed_contacts, _ = Contact.objects.filter(pk__gt=contacts).delete()
        if apps.is_installed("hotline.knowledge"):
            from hotline.knowledge.models import SearchDocument

            SearchDocument.objects.filter(kind="ticket", object_id__gt=tickets).delete()
            SearchDocument.objects.filter(kind="contact", object_id__gt=contacts).delete()
    return {"rows": removed_tickets + removed_contacts, "seconds": round(time.perf_counter() - started, 1)}
