"""The agent's desk around the tickets: home, queue counts in the menu, global search, team load."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hotline.core import roles
from hotline.core.contact_points import try_parse_phone
from hotline.core.errors import DomainError, NotFound
from hotline.core.models import User
from hotline.customers import selectors as customer_selectors
from hotline.desk import extensions, selectors
from hotline.desk.choices import OPEN_STATUSES, Status
from hotline.desk.forms import ReassignForm
from hotline.desk.models import Ticket, TicketHistory
from hotline.desk.services import assignment
from hotline.desk.views.common import actor, agent_required, supervisor_required

OPEN = [str(s) for s in OPEN_STATUSES]


def queue_counts(user: User) -> list[dict[str, Any]]:
    """The actor's queues with open/new/unassigned counts: one grouped query."""
    queues = list(selectors.list_queues_for(user))
    rows = (
        selectors.visible_tickets(user)
        .filter(queue__in=[q.pk for q in queues], status__in=OPEN)
        .values("queue_id")
        .annotate(
            open=Count("id"),
            new=Count("id", filter=Q(status=Status.NEW)),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
        )
    )
    by_queue: dict[int, dict[str, Any]] = {r["queue_id"]: dict(r) for r in rows}
    return [
        {"queue": q, **{k: by_queue.get(q.pk, {}).get(k, 0) for k in ("open", "new", "unassigned")}} for q in queues
    ]


@agent_required
def home(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    mine = list(
        selectors.list_tickets(user, assignee_id=user.pk)
        .filter(status__in=OPEN)
        .order_by("priority", "created_at")[:10]
    )
    my_open_total = selectors.visible_tickets(user).filter(assignee_id=user.pk, status__in=OPEN).count()
    visible = selectors.visible_tickets(user)
    rows = (
        TicketHistory.objects.filter(ticket__in=visible.values("pk"))
        .select_related("ticket", "actor")
        .order_by("-at", "-id")[:60]
    )
    # One action writes a row per field it changed: show each action once.
    recent, seen = [], set()
    for row in rows:
        key = (row.ticket_id, row.action, row.at.replace(microsecond=0))
        if key not in seen:
            seen.add(key)
            recent.append(row)
    recent = recent[:12]
    unassigned = visible.filter(status__in=OPEN, assignee__isnull=True).count()
    watches = _watched(visible.filter(status__in=OPEN))
    extensions.attach_badges([*mine, *(t for _watch, tickets in watches for t in tickets)])
    return render(
        request,
        "desk/home.html",
        {
            "nav_section": "home",
            "mine": mine,
            "my_open_total": my_open_total,
            "queues": queue_counts(user),
            "recent": recent,
            "unassigned": unassigned,
            "watches": watches,
        },
    )


def _watched(open_tickets: QuerySet[Ticket], limit: int = 8) -> list[tuple[extensions.TicketWatch, list[Ticket]]]:
    """Each registered home-page list with its tickets in the order the provider chose (two queries a list)."""
    result = []
    for watch in extensions.ticket_watches():
        ids = watch.select(open_tickets, limit)
        by_id = Ticket.objects.select_related("contact").in_bulk(ids)
        result.append((watch, [by_id[i] for i in ids if i in by_id]))
    return result


@agent_required
def nav_queues(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/partials/nav_queues.html", {"queues": queue_counts(actor(request))})


def _search(user: User, q: str, *, limit: int) -> dict[str, Any]:
    q = q.strip()
    tickets: list[Ticket] = []
    exact: Ticket | None = None
    if q:
        ref = q.upper().replace(" ", "")
        if ref.isdigit() or "-" in ref:
            try:
                exact = selectors.get_ticket_for(user, ref)
            except (NotFound, ValueError):
                exact = None
        tickets = list(selectors.list_tickets(user, q=q)[:limit])
        if exact is not None:
            tickets = [exact, *[t for t in tickets if t.pk != exact.pk][: limit - 1]]
    contacts = (
        list(customer_selectors.search_contacts(user, q).order_by(F("sort_key"), "id")[:limit]) if len(q) >= 2 else []
    )
    if contacts and not tickets:
        # A phone or an e-mail names a person: their tickets are what the agent is looking for.
        tickets = list(selectors.list_tickets(user).filter(contact__in=contacts)[:limit])
    return {"q": q, "tickets": tickets, "contacts": contacts, "phone": try_parse_phone(q) if q else None}


@agent_required
def search(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    q = request.GET.get("q", "")
    result = _search(user, q, limit=50)
    # A ticket number typed in full goes straight to the ticket.
    tickets = result["tickets"]
    if tickets and q.strip().upper() == tickets[0].number and not result["contacts"]:
        return redirect("desk:ticket", ref=tickets[0].number)
    return render(request, "desk/search.html", {**result, "search_query": q})


@agent_required
def search_suggest(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    result = _search(actor(request), q, limit=6) if len(q.strip()) >= 2 else {"q": q}
    return render(request, "desk/partials/search_suggest.html", result)


def _team(user: User) -> list[dict[str, Any]]:
    """Agents of the queues the supervisor leads (admins: everyone) with their open load."""
    queues = selectors.list_queues_for(user)
    agents = (
        User.objects.filter(role__in=[r.value for r in roles.AGENT_ROLES], is_active=True)
        .filter(Q(queue_memberships__queue__in=queues) if not roles.is_admin(user) else Q())
        .distinct()
        .annotate(
            open_count=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN), distinct=True),
            new_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=[Status.NEW, Status.OPEN]),
                distinct=True,
            ),
            waiting_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=[Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY]),
                distinct=True,
            ),
            urgent_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=OPEN, assigned_tickets__priority__lte=2),
                distinct=True,
            ),
        )
        .order_by("-open_count", "last_name", "username")
    )
    rows = list(agents)
    peak = max((a.open_count for a in rows), default=0) or 1
    return [{"agent": a, "pct": round(100 * a.open_count / peak)} for a in rows]


@supervisor_required
def team(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    rows = _team(user)
    agent_choices = [(r["agent"].pk, r["agent"].display_name) for r in rows]
    selected = request.GET.get("agent")
    tickets: list[Ticket] = []
    if selected and selected.isdigit():
        tickets = list(selectors.list_tickets(user, assignee_id=int(selected)).filter(status__in=OPEN)[:100])
    form = ReassignForm(agents=agent_choices, initial={"from_agent": selected})
    unassigned = selectors.visible_tickets(user).filter(status__in=OPEN, assignee__isnull=True).count()
    return render(
        request,
        "desk/team.html",
        {
            "nav_section": "team",
            "rows": rows,
            "form": form,
            "tickets": tickets,
            "selected": int(selected) if selected and selected.isdigit() else None,
            "unassigned": unassigned,
        },
    )


@require_POST
@supervisor_required
def reassign(request: HttpRequest) -> HttpResponse:
    """Hands the chosen (or all open) tickets of one agent to another, each through assign_ticket."""
    user = actor(request)
    rows = _team(user)
    form = ReassignForm(request.POST, agents=[(r["agent"].pk, r["agent"].display_name) for r in rows])
    if not form.is_valid():
        messages.error(request, _("Выберите, у кого и кому передать заявки"))
        return redirect("desk:team")
    source, target = form.cleaned_data["from_agent"], form.cleaned_data["to_agent"]
    assignee = User.objects.get(pk=target)
    qs = selectors.list_tickets(user, assignee_id=source).filter(status__in=OPEN)
    if form.cleaned_data["ticket_ids"]:
        qs = qs.filter(pk__in=form.cleaned_data["ticket_ids"])
    done, failed = 0, []
    for ticket in list(qs[:500]):
        try:
            assignment.assign_ticket(actor=user, ticket=ticket, assignee=assignee)
            done += 1
        except DomainError as exc:
            failed.append(f"{ticket.number}: {exc.message}")
    if done:
        messages.success(
            request,
            ngettext("Передана %(n)d заявка", "Передано заявок: %(n)d", done) % {"n": done},
        )
    for line in failed[:5]:
        messages.error(request, line)
    return redirect(f"{reverse('desk:team')}?agent={source}")
