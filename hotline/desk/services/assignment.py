"""Who works on a ticket: manual assignment, taking it (one winner), and automatic modes per queue."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import batching, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import User
from hotline.desk import permissions
from hotline.desk.choices import OPEN_STATUSES, AssignmentMode, Status
from hotline.desk.events import TicketAssigned, TicketStatusChanged
from hotline.desk.models import AgentSkill, Category, Queue, QueueMembership, Ticket
from hotline.desk.services.common import (
    actor_id,
    ensure_can_work,
    ensure_not_final,
    lock_ticket,
    log_change,
    save_ticket,
)

# Upper apps (workforce: on shift and available) narrow automatic assignment without the desk importing them.
# A filter gets the queue and returns the user ids that may take work now (a queryset/subquery), or None.
AvailabilityFilter = Callable[[Queue], QuerySet[Any] | None]
_availability_filters: dict[str, AvailabilityFilter] = {}
LOAD_MEMO = "assignment.open_loads"
AUTO_ASSIGNMENT_REASON = "автоматическое распределение"
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def register_availability_filter(name: str, check: AvailabilityFilter) -> None:
    """Register (or replace) the filter called ``name``; called from an upper app's ``ready()``."""
    _availability_filters[name] = check


def unregister_availability_filter(name: str) -> None:
    _availability_filters.pop(name, None)


def _member_agent(queue_id: int, user: User) -> bool:
    return (
        user.is_active
        and roles.is_agent(user)
        and QueueMembership.objects.filter(queue_id=queue_id, user_id=user.pk).exists()
    )


def _apply_assignment(*, actor: User | None, ticket: Ticket, assignee: User | None, reason: str = "") -> None:
    """Write the new assignee with its trail; the ticket is already locked."""
    previous = ticket.assignee
    now = timezone.now()
    ticket.assignee = assignee
    ticket.assigned_at = now if assignee is not None else None
    save_ticket(ticket, ["assignee", "assigned_at"])
    record_assignment(actor=actor, ticket=ticket, previous=previous, reason=reason)


def _save_turns(turns: list[tuple[int, int, datetime.datetime]]) -> None:
    """When each (queue, member) last got a ticket: the latest of a chunk's assignments per member."""
    latest = {(queue_id, user_id): at for queue_id, user_id, at in turns}
    # In key order: two importers updating the same members at their chunks' ends never wait on each other in a ring.
    for (queue_id, user_id), at in sorted(latest.items()):
        QueueMembership.objects.filter(queue_id=queue_id, user_id=user_id).update(last_assigned_at=at)


def record_assignment(*, actor: User | None, ticket: Ticket, previous: User | None, reason: str = "") -> None:
    """The trail of an assignee change already on the ticket (saved, or inserted with it): the member's turn,
    the history, the event."""
    assignee = ticket.assignee
    if assignee is not None:
        batching.later(_save_turns, (ticket.queue_id, assignee.pk, ticket.assigned_at))
    previous_id = previous.pk if previous is not None else None
    _note_assignment(ticket.queue_id, previous_id, ticket.assignee_id, ticket.assigned_at)
    log_change(
        ticket=ticket,
        actor=actor,
        action="assigned" if assignee is not None else "unassigned",
        changes={"assignee": (previous.display_name if previous else "", assignee.display_name if assignee else "")},
        reason=reason,
    )
    publish(
        TicketAssigned(
            actor_id=actor_id(actor),
            ticket_id=ticket.pk,
            assignee_id=ticket.assignee_id,
            previous_assignee_id=previous_id,
        )
    )


def _start_work(*, actor: User | None, ticket: Ticket) -> None:
    """A new ticket that someone takes is now being worked on."""
    if ticket.status != Status.NEW:
        return
    now = timezone.now()
    ticket.status = Status.OPEN
    ticket.status_changed_at = now
    save_ticket(ticket, ["status", "status_changed_at"])
    log_change(ticket=ticket, actor=actor, action="status_changed", changes={"status": (Status.NEW, Status.OPEN)})
    publish(
        TicketStatusChanged(
            actor_id=actor_id(actor), ticket_id=ticket.pk, old_status=Status.NEW, new_status=Status.OPEN
        )
    )


@transaction.atomic
def assign_ticket(*, actor: User | None, ticket: Ticket, assignee: User | None) -> Ticket:
    """Give the ticket to an agent of its queue (``None`` unassigns).

    Agents of the queue hand out unassigned tickets; taking a ticket away from another agent
    is for the queue's lead and administrators.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket or reassign it.
        ValidationFailed: the assignee is not an active agent of the ticket's queue (field="assignee_id").
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    if assignee is None:
        return unassign_ticket(actor=actor, ticket=ticket)
    if assignee.pk == ticket.assignee_id:
        return ticket
    if not _member_agent(ticket.queue_id, assignee):
        raise ValidationFailed(
            _("%(name)s не состоит в очереди «%(queue)s»")
            % {"name": assignee.display_name, "queue": ticket.queue.name},
            field="assignee_id",
        )
    if (
        actor is not None
        and ticket.assignee_id not in (None, actor.pk)
        and not permissions.can_manage_assignment(actor, ticket)
    ):
        raise Forbidden(_("Заявку ведёт другой сотрудник; переназначить её может руководитель очереди"))
    _apply_assignment(actor=actor, ticket=ticket, assignee=assignee)
    return ticket


@transaction.atomic
def take_ticket(*, actor: User, ticket: Ticket) -> Ticket:
    """Take the ticket for yourself. Of two agents taking it at once exactly one wins.

    Raises:
        NotFound, Forbidden: the actor is not an agent of the ticket's queue.
        Conflict: another agent already holds the ticket; or it is closed, cancelled or merged.
    """
    ensure_can_work(actor, ticket)
    if not _member_agent(ticket.queue_id, actor):
        raise Forbidden(_("Взять заявку могут сотрудники очереди «%(queue)s»") % {"queue": ticket.queue.name})
    ensure_not_final(ticket)
    now = timezone.now()
    # The WHERE clause is the arbiter: of concurrent takers only one row update succeeds.
    won = (
        Ticket.objects.filter(pk=ticket.pk)
        .filter(Q(assignee__isnull=True) | Q(assignee=actor))
        .exclude(status__in=[Status.CLOSED, Status.CANCELLED])
        .update(assignee=actor, assigned_at=now, updated_at=now)
    )
    previous_id = ticket.assignee_id
    lock_ticket(ticket)
    if not won:
        holder = ticket.assignee
        if holder is not None:
            raise Conflict(
                _("Заявку %(number)s уже взял(а) %(name)s") % {"number": ticket.number, "name": holder.display_name},
                field="assignee_id",
            )
        ensure_not_final(ticket)
        raise Conflict(_("Заявка %(number)s изменилась, обновите страницу") % {"number": ticket.number})
    if previous_id == actor.pk:
        return ticket
    QueueMembership.objects.filter(queue_id=ticket.queue_id, user_id=actor.pk).update(last_assigned_at=now)
    log_change(ticket=ticket, actor=actor, action="taken", changes={"assignee": ("", actor.display_name)})
    publish(TicketAssigned(actor_id=actor.pk, ticket_id=ticket.pk, assignee_id=actor.pk, previous_assignee_id=None))
    _start_work(actor=actor, ticket=ticket)
    return ticket


@transaction.atomic
def unassign_ticket(*, actor: User | None, ticket: Ticket) -> Ticket:
    """Return the ticket to its queue: by its assignee, the queue's lead or an administrator.

    Raises:
        NotFound, Forbidden: the actor may not change the ticket or release someone else's.
        Conflict: the ticket is closed, cancelled or merged.
    """
    lock_ticket(ticket)
    ensure_can_work(actor, ticket)
    ensure_not_final(ticket)
    if ticket.assignee_id is None:
        return ticket
    if actor is not None and ticket.assignee_id != actor.pk and not permissions.can_manage_assignment(actor, ticket):
        raise Forbidden(_("Вернуть в очередь чужую заявку может руководитель очереди"))
    _apply_assignment(actor=actor, ticket=ticket, assignee=None)
    return ticket


def required_skill_id(category: Category | None) -> int | None:
    """The nearest skill requirement up the category tree."""
    if category is None:
        return None
    chain = [int(p) for p in category.path.strip("/").split("/") if p] or [category.pk]
    needs = dict(
        Category.objects.filter(pk__in=chain, required_skill__isnull=False).values_list("pk", "required_skill_id")
    )
    for cat_id in reversed(chain):
        if cat_id in needs:
            return needs[cat_id]
    return None


def _candidates(queue: Queue, mode: str, skill_id: int | None) -> tuple[list[QueueMembership], dict[int, int]]:
    """The queue's members who may get the ticket, and their levels of the required skill.

    They are locked, so concurrent openings hand out one after the other by up-to-date loads. A bulk job's chunk
    reads them once, unlocked: holding them to its end would make parallel importers wait for each other, and each
    importer balancing its own share by its own counts keeps the whole even enough.
    """
    memo = batching.memo()
    key = ("assignment.candidates", queue.pk, mode, skill_id)
    if memo is not None and key in memo:
        return cast(tuple[list[QueueMembership], dict[int, int]], memo[key])
    members = (
        QueueMembership.objects.all() if memo is not None else QueueMembership.objects.select_for_update(of=("self",))
    )
    members = members.filter(
        queue_id=queue.pk,
        accepts_assignments=True,
        user__is_active=True,
        user__role__in=list(roles.AGENT_ROLES),
    ).select_related("user")
    for check in list(_availability_filters.values()):
        allowed = check(queue)
        if allowed is not None:
            members = members.filter(user_id__in=allowed)
    skill_levels: dict[int, int] = {}
    if skill_id is not None:
        skill_levels = dict(AgentSkill.objects.filter(skill_id=skill_id).values_list("user_id", "level"))
        members = members.filter(user_id__in=list(skill_levels))
    found = (list(members.order_by("pk")), skill_levels)
    if memo is not None:
        memo[key] = found
    return found


def _open_loads(user_ids: list[int]) -> dict[int, int]:
    """How many open tickets each of these agents holds; in a bulk job's chunk counted once, then kept up to date
    by the chunk's own assignments (what other transactions change meanwhile shows from the next chunk on)."""
    memo = batching.memo()
    known: dict[int, int] = memo.setdefault(LOAD_MEMO, {}) if memo is not None else {}
    missing = [pk for pk in user_ids if pk not in known]
    if missing:
        counted = dict(
            Ticket.objects.filter(assignee_id__in=missing, status__in=list(OPEN_STATUSES))
            .values("assignee_id")
            .annotate(n=Count("pk"))
            .values_list("assignee_id", "n")
        )
        known.update((pk, counted.get(pk, 0)) for pk in missing)
    return known


def _note_assignment(
    queue_id: int, previous_id: int | None, assignee_id: int | None, at: datetime.datetime | None
) -> None:
    """Keep a chunk's remembered loads and members' last assignment times in step with an assignment."""
    memo = batching.memo()
    if not memo:
        return
    loads: dict[int, int] = memo.get(LOAD_MEMO, {})
    for user_id, step in ((previous_id, -1), (assignee_id, 1)):
        if user_id is not None and user_id in loads:
            loads[user_id] += step
    for key, found in memo.items():
        if isinstance(key, tuple) and key[:2] == ("assignment.candidates", queue_id):
            for member in found[0]:
                if member.user_id == assignee_id:
                    member.last_assigned_at = at


def pick_assignee(ticket: Ticket) -> User | None:
    """The agent the queue's mode chooses, or None (manual mode, nobody available, nobody skilled)."""
    mode = ticket.queue.assignment_mode
    if mode == AssignmentMode.MANUAL:
        return None
    skill_id = required_skill_id(ticket.category) if mode == AssignmentMode.SKILLS else None
    candidates, skill_levels = _candidates(ticket.queue, mode, skill_id)
    if not candidates:
        return None

    def waited(m: QueueMembership) -> tuple[bool, datetime.datetime]:
        # Never assigned first, then whoever waited longest.
        return (m.last_assigned_at is not None, m.last_assigned_at or NEVER)

    if mode == AssignmentMode.ROUND_ROBIN:
        return min(candidates, key=lambda m: (*waited(m), m.pk)).user
    # Least-loaded (and skills, among the skilled): fewest open tickets, then the higher skill
    # level, then whoever waited longest for a ticket.
    load = _open_loads([m.user_id for m in candidates])

    def rank(m: QueueMembership) -> tuple[int, int, tuple[bool, datetime.datetime], int]:
        return (load.get(m.user_id, 0), -skill_levels.get(m.user_id, 0), waited(m), m.pk)

    return min(candidates, key=rank).user


def auto_assign(*, ticket: Ticket, actor: User | None = None) -> User | None:
    """Assign by the queue's mode if the ticket has no assignee; returns who got it (or None).

    Runs inside the caller's transaction (opening, escalation, transfer).
    """
    if ticket.assignee_id is not None or ticket.status in (Status.CLOSED, Status.CANCELLED):
        return None
    assignee = pick_assignee(ticket)
    if assignee is None:
        return None
    _apply_assignment(actor=actor, ticket=ticket, assignee=assignee, reason=AUTO_ASSIGNMENT_REASON)
    return assignee
