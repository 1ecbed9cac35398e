"""The demo's modules beyond the desk: each is loaded once, and a database an older demo made gets the missing ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django.db import transaction

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.demo.sections import campaigns, intake, knowledge, sla, telephony, workforce
from hotline.desk.models import Queue

Say = Callable[[str], None]


@dataclass(frozen=True)
class Demo:
    """What the sections build on, read back from the database (so it works on an older demo too)."""

    users: dict[str, User]
    queues: dict[str, Queue]
    contacts: list[Contact]
    rng: random.Random

    @property
    def admin(self) -> User:
        return self.users["admin"]

    @property
    def supervisor(self) -> User:
        return self.users["supervisor"]


# In load order: telephony links calls to tickets, campaigns use the contacts, workforce comes last so that
# the desk's assignments above were not held back by agents' states.
SECTIONS: tuple[tuple[str, ModuleType], ...] = (
    ("SLA", sla),
    ("база знаний", knowledge),
    ("телефония", telephony),
    ("обзвон", campaigns),
    ("почта", intake),
    ("смены", workforce),
)


def _demo(rng: random.Random) -> Demo:
    return Demo(
        users={u.username: u for u in User.objects.all()},
        queues={q.slug: q for q in Queue.objects.all()},
        contacts=list(Contact.objects.order_by("id")),
        rng=rng,
    )


def load_missing(*, rng: random.Random, say: Say) -> list[str]:
    """Load each section that is not there yet; returns the names of those loaded."""
    missing = [(name, section) for name, section in SECTIONS if not section.is_loaded()]
    if not missing:
        return []
    demo = _demo(rng)
    for name, section in missing:
        # Each in its own transaction: what one publishes is delivered (agents' states after the calls, say)
        # before the next builds on it, and a failure keeps what the others loaded.
        with transaction.atomic():
            summary = section.load_section(demo)
        say(f"Демо: {name} — {summary}.")
    return [name for name, _section in missing]
