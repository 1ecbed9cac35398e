"""Loads the demo organisation through the same services people use, so the demo is what they would build."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hotline.core.models import User
from hotline.core.roles import Role
from hotline.customers.models import Contact
from hotline.customers.services import create_contact, create_organisation
from hotline.demo import data, modules, timeline
from hotline.demo.sections import sla
from hotline.desk.choices import ResolutionCode, Status
from hotline.desk.models import Category, Queue, Skill, Ticket
from hotline.desk.services import categories, configuration
from hotline.desk.services.assignment import assign_ticket, take_ticket
from hotline.desk.services.escalation import escalate_ticket, transfer_ticket
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.rating import rate_ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import cancel_ticket, change_status, close_ticket, resolve_ticket
from hotline.sla.models import TimerKind
from hotline.sla.services.checks import check_sla_timers

Say = Callable[[str], None]


def is_loaded() -> bool:
    return Queue.objects.filter(slug="cc").exists() and User.objects.filter(username="admin").exists()


def _user(username: str, *, last: str, first: str, role: str, password_hash: str, email: str = "") -> User:
    user = User.objects.create_user(
        username=username,
        password=None,
        email=email or f"{username}@uk-domovoy.ru",
        first_name=first,
        last_name=last,
        role=role,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    # Every demo login has the same password: hashed once (a hash costs about a second by design).
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


def _structure() -> tuple[dict[str, User], dict[str, Queue], dict[str, Category]]:
    hashed = make_password(data.PASSWORD)
    users = {
        a["username"]: _user(a["username"], last=a["last"], first=a["first"], role=a["role"], password_hash=hashed)
        for a in data.AGENTS
    }
    skills = {name: Skill.objects.create(name=name) for name in data.SKILLS}
    queues: dict[str, Queue] = {}
    for spec in data.QUEUES:
        queues[spec["slug"]] = configuration.save_queue(
            actor=None,
            name=spec["name"],
            slug=spec["slug"],
            line_level=spec["line_level"],
            assignment_mode=spec["assignment_mode"],
            email=spec["email"],
            is_default=spec.get("is_default", False),
            signature=f"С уважением,\n{spec['name']}, УК «Домовой»\n+7 (495) 123-45-67",
        )
    for spec in data.QUEUES:
        if spec["escalate_to"]:
            configuration.save_queue(
                actor=None, queue=queues[spec["slug"]], escalation_queue=queues[spec["escalate_to"]]
            )
    for agent in data.AGENTS:
        for slug, role in agent["queues"].items():
            # Leads oversee the queue; tickets are dealt to its members.
            configuration.set_queue_member(
                actor=None,
                queue=queues[slug],
                user=users[agent["username"]],
                role=role,
                accepts_assignments=role != "lead",
            )
        if agent.get("skills"):
            configuration.set_agent_skills(
                actor=None, user=users[agent["username"]], skills=[skills[s] for s in agent["skills"]]
            )
    cats: dict[str, Category] = {}
    for order, spec in enumerate(data.CATEGORIES):
        parent = categories.save_category(actor=None, name=spec["name"], sort_order=order)
        cats[spec["name"]] = parent
        for field in spec.get("fields", []):
            categories.save_custom_field(actor=None, category=parent, **field)
        for child_order, child in enumerate(spec["children"]):
            skill = skills.get(data.CHILD_SKILLS.get(child, ""))
            cats[child] = categories.save_category(
                actor=None, name=child, parent=parent, required_skill=skill, sort_order=child_order
            )
    categories.save_custom_field(actor=None, category=cats["Показания счётчиков"], **data.METER_FIELD)
    for rule in data.ROUTING_RULES:
        configuration.save_routing_rule(
            actor=None,
            name=rule["name"],
            order=rule["order"],
            queue=queues[rule["queue"]],
            keywords=rule.get("keywords", ""),
            channel=rule.get("channel", ""),
            mailbox=rule.get("mailbox", ""),
            category=cats.get(rule.get("category", "")),
            set_priority=rule.get("set_priority"),
        )
    return users, queues, cats


def _people(rng: random.Random) -> list[Contact]:
    orgs = [create_organisation(actor=None, **spec) for spec in data.ORGANISATIONS]
    contacts: list[Contact] = []
    resident_user = _user(
        data.CUSTOMER_LOGIN,
        email=data.CUSTOMER_LOGIN,
        first=data.RESIDENT_FIRST,
        last=data.RESIDENT_LAST,
        role=Role.CUSTOMER,
        password_hash=User.objects.get(username="admin").password,
    )
    contacts.append(
        create_contact(
            actor=None,
            last_name="Иванова",
            first_name="Елена",
            middle_name="Петровна",
            phones=["+7 912 345-67-89"],
            emails=[data.CUSTOMER_LOGIN],
            notes="Ул. Лесная, д. 7, кв. 15. Пенсионерка, звонить после 10:00.",
            user=resident_user,
        )
    )
    for i in range(40):
        female = rng.random() < 0.5
        last = rng.choice(data.LAST) + ("а" if female else "")
        first = rng.choice(data.FIRST_F if female else data.FIRST_M)
        middle = rng.choice(data.MIDDLE_F if female else data.MIDDLE_M)
        mobile = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        phones = [mobile] if i % 4 else [mobile, f"8 (495) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{i + 10:02d}"]
        org = orgs[i % len(orgs)] if i % 5 == 0 else None
        contacts.append(
            create_contact(
                actor=None,
                last_name=last,
                first_name=first,
                middle_name=middle,
                phones=phones,
                emails=[f"client{i + 1}@example.ru"] if i % 3 else [],
                organisation=org,
                notes=f"{rng.choice(data.STREETS)}, д. {rng.randint(1, 30)}, кв. {rng.randint(1, 120)}",
            )
        )
    return contacts


def _reply_text(category: str) -> str:
    return data.AGENT_REPLIES.get(category, data.AGENT_REPLIES["default"])


Wait = Callable[[str], None]


def _play_story(
    ticket: Ticket,
    story: str,
    users: dict[str, User],
    queues: dict[str, Queue],
    category: str,
    wait: Wait,
) -> None:
    """Move a ticket through the steps its story names, as the people involved would, with time between them."""
    operator = users["operator"]
    first_line = ticket.queue.line_level == 1
    if story == "new":
        return
    worker = operator if first_line else _member_of(ticket.queue, users)
    if ticket.assignee_id is None or ticket.assignee_id != worker.pk:
        assign_ticket(actor=users["supervisor"], ticket=ticket, assignee=worker)
    ticket.refresh_from_db()
    if story.startswith("escalate"):
        wait(TimerKind.FIRST_RESPONSE)
        add_note(actor=worker, ticket=ticket, body_text="Консультацией не решить, нужен выезд специалиста.")
        escalate_ticket(actor=worker, ticket=ticket, reason="Требуется выезд специалиста")
        ticket.refresh_from_db()
        if ticket.assignee is None:
            take_ticket(actor=_member_of(ticket.queue, users), ticket=ticket)
            ticket.refresh_from_db()
        assert ticket.assignee is not None
        worker = ticket.assignee
        if story == "escalate_it3":
            if (ticket.queue.line_level or 0) < 3:
                escalate_ticket(actor=worker, ticket=ticket, reason="Проблема на стороне провайдера, нужен админ сети")
            return
    if story.startswith("transfer"):
        target = queues["accounting" if story.endswith("accounting") else "legal"]
        transfer_ticket(actor=worker, ticket=ticket, to_queue=target, reason="Вопрос в компетенции отдела")
        return
    wait(TimerKind.FIRST_RESPONSE)
    add_reply(actor=worker, ticket=ticket, body_text=_reply_text(category))
    if story in {"assigned", "in_progress"}:
        if story == "in_progress":
            add_note(actor=worker, ticket=ticket, body_text="Связался с подрядчиком, ждём бригаду к 15:00.")
        return
    if story == "pending_customer":
        change_status(actor=worker, ticket=ticket, status=Status.PENDING_CUSTOMER, reason="Запросили скан квитанции")
        return
    if story == "pending_third_party":
        change_status(actor=worker, ticket=ticket, status=Status.PENDING_THIRD_PARTY, reason="Ждём электрика")
        return
    if story == "cancelled":
        cancel_ticket(actor=worker, ticket=ticket, reason="Клиент сообщил, что напор восстановился")
        return
    wait(TimerKind.RESOLUTION)
    resolve_ticket(
        actor=worker,
        ticket=ticket,
        resolution_code=ResolutionCode.SOLVED,
        resolution_note="Неисправность устранена, клиент подтвердил по телефону.",
    )
    if story.endswith("rate") and ticket.contact is not None and ticket.contact.user is not None:
        rate_ticket(actor=ticket.contact.user, ticket=ticket, score=5, comment="Спасибо, быстро помогли!")
    if story == "closed":
        close_ticket(actor=worker, ticket=ticket)


def _member_of(queue: Queue, users: dict[str, User]) -> User:
    membership = queue.memberships.select_related("user").filter(role="member").order_by("id").first()
    return membership.user if membership else users["supervisor"]


OPEN_STORIES = frozenset({"new", "assigned", "in_progress", "escalate_it3", "transfer_accounting", "transfer_legal"})
# How much of its target an answer or a fix took: mostly in time, now and then late (the SLA engine judges).
FIRST_RESPONSE_SHARES = (0.15, 0.3, 0.5, 0.7, 0.9, 1.4)
RESOLUTION_SHARES = (0.2, 0.4, 0.6, 0.8, 0.95, 1.3, 2.2)


def _tickets(
    rng: random.Random,
    users: dict[str, User],
    queues: dict[str, Queue],
    cats: dict[str, Category],
    contacts: list[Contact],
) -> list[Ticket]:
    resident = contacts[0]
    made: list[Ticket] = []
    specs = list(data.TICKETS)
    # More of the same kinds of request, so queues and reports have volume.
    for i in range(44):
        base = dict(specs[i % len(data.TICKETS)])
        base["story"] = rng.choice(["new", "assigned", "in_progress", "resolve_rate", "closed", "pending_customer"])
        base["sla"] = rng.choice(["on_track", "on_track", "at_risk", "breached"])
        specs.append(base)
    for i, spec in enumerate(specs):
        now = timezone.now()
        contact = resident if i in (0, 2, 3, 6) else contacts[1 + (i * 7) % (len(contacts) - 1)]
        ticket = open_ticket(
            actor=users["operator"] if spec["channel"] in ("phone", "walk_in") else None,
            subject=spec["subject"],
            description=spec["text"],
            channel=spec["channel"],
            contact=contact,
            category=cats[spec["category"]],
            impact=spec["impact"],
            urgency=spec["urgency"],
            custom_fields=spec.get("fields"),
        )

        def wait(kind: str, ticket: Ticket = ticket, now: datetime = now) -> None:
            shares = FIRST_RESPONSE_SHARES if kind == TimerKind.FIRST_RESPONSE else RESOLUTION_SHARES
            timeline.let_time_pass(ticket, kind=kind, share=rng.choice(shares), now=now)
            ticket.refresh_from_db()

        _play_story(ticket, spec["story"], users, queues, spec["category"], wait)
        if spec["story"] in OPEN_STORIES:
            # Still being worked: its clock stands where the story says (on track, at risk, breached).
            share = timeline.STATE_SHARE[spec.get("sla", "on_track")]
            timeline.let_time_pass(ticket, kind=None, share=share, now=now)
        else:
            # The first tickets are the freshest; the generated ones spread over the past month.
            days = (i * 0.3) if i < len(data.TICKETS) else rng.uniform(1, 30)
            timeline.shift_ticket(ticket, timedelta(days=days))
        made.append(ticket)
    if resident.user is not None:
        made.append(
            open_ticket(
                actor=resident.user,
                subject="Домофон не открывает дверь",
                description="Ключ-таблетка перестала срабатывать, код тоже не работает.",
                channel="portal",
                category=cats["Уборка и благоустройство"],
            )
        )
    # Warnings and breaches now due are recorded (and notified) as the periodic SLA check would.
    check_sla_timers(now=timezone.now())
    return made


def load_demo(*, say: Say = print, seed: int = 42) -> dict[str, Any]:
    """Create the demo organisation once; a second run changes nothing.

    A database loaded by an older demo (the desk only) gets the modules it lacks, each once.
    """
    rng = random.Random(seed)
    result: dict[str, Any] = {"created": False}
    if not is_loaded():
        with transaction.atomic():
            users, queues, cats = _structure()
            sla.load(admin=users["admin"], queues=queues)  # before the tickets, so they are timed
            contacts = _people(rng)
            tickets = _tickets(rng, users, queues, cats, contacts)
        result.update(created=True, tickets=len(tickets), contacts=len(contacts), queues=len(queues))
        say(
            f"Демо загружено: {len(users)} сотрудников, {len(queues)} очередей, {len(contacts)} клиентов, "
            f"{len(tickets)} заявок."
        )
    result["modules"] = modules.load_missing(rng=rng, say=say)
    if not result["created"] and not result["modules"]:
        say("Демо-данные уже загружены.")
    return result


def logins() -> list[tuple[str, str, str]]:
    return [
        ("admin", data.PASSWORD, "администратор (и /admin/)"),
        ("supervisor", data.PASSWORD, "руководитель"),
        ("operator", data.PASSWORD, "оператор 1-й линии"),
        ("specialist", data.PASSWORD, "специалист 2-й линии (ИТ)"),
        (data.CUSTOMER_LOGIN, data.PASSWORD, "клиент в портале"),
    ]
