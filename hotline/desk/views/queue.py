"""The queue view: filter, sort, save filters, act on many tickets at once (through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hotline.core import roles
from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.desk import extensions, selectors
from hotline.desk.choices import OPEN_STATUSES, Status
from hotline.desk.forms import BulkForm, SaveFilterForm, TicketFilterForm
from hotline.desk.models import Ticket
from hotline.desk.services import assignment, relations, workflow
from hotline.desk.views.common import actor, agent_required
from hotline.web import selectors as web_selectors
from hotline.web import services as web_services

PAGE_SIZE = 50
SORTS = {
    "number": "id",
    "subject": "subject",
    "status": "status",
    "priority": "priority",
    "created": "created_at",
    "updated": "updated_at",
}
OPEN = [str(s) for s in OPEN_STATUSES]


def agent_choices(user: User) -> list[tuple[int, str]]:
    """Agents of the actor's queues, for assignee pickers."""
    queues = selectors.list_queues_for(user)
    agents = (
        User.objects.filter(role__in=[r.value for r in roles.AGENT_ROLES], is_active=True)
        .filter(queue_memberships__queue__in=queues)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [(a.pk, a.display_name) for a in agents]


def filtered_tickets(user: User, data: dict[str, Any]) -> QuerySet[Ticket]:
    status = data.get("status") or ""
    statuses: Any = None if status == "open_all" else (status or None)
    assignee_raw = data.get("assignee") or ""
    assignee_id: Any = None
    if assignee_raw == "me":
        assignee_id = user.pk
    elif assignee_raw.isdigit():
        assignee_id = int(assignee_raw)
    qs = selectors.list_tickets(
        user,
        status=statuses,
        queue_id=data.get("queue"),
        assignee_id=assignee_id,
        priority=data.get("priority"),
        category_id=data.get("category"),
        channel=data.get("channel") or None,
        tag=data.get("tag") or None,
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
        q=data.get("q") or None,
    )
    if status == "open_all":
        qs = qs.filter(status__in=OPEN)
    if assignee_raw == "none":
        qs = qs.filter(assignee__isnull=True)
    sort = data.get("sort") or "-created"
    field = SORTS.get(sort.lstrip("-"))
    if field:
        qs = qs.order_by(f"-{field}" if sort.startswith("-") else field, "-id")
    return qs


def sorted_tickets(user: User, data: dict[str, Any]) -> QuerySet[Ticket] | extensions.TicketPages:
    """``filtered_tickets`` in a sort an extension offers (e.g. SLA due time), read page by page if it says so."""
    qs = filtered_tickets(user, data)
    sort = data.get("sort") or "-created"
    if sort.lstrip("-") not in SORTS:
        # Not ``… or qs``: the truth value of a queryset fetches every row it matches.
        by_extension = extensions.sorted_by_extension(qs, sort)
        if by_extension is not None:
            return by_extension
    return qs


def status_counts(user: User, data: dict[str, Any]) -> dict[str, int]:
    """Counts per status under the current filters (except status itself): one grouped query."""
    qs = filtered_tickets(user, {**data, "status": "", "sort": ""})
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    counts["open_all"] = sum(counts.get(s, 0) for s in OPEN)
    counts["all"] = sum(v for k, v in counts.items() if k != "open_all")
    return counts


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its total instead of counting the rows itself."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _filter_form(request: HttpRequest, user: User) -> TicketFilterForm:
    params = request.GET.copy()
    if not params:
        params["status"] = "open_all"
    return TicketFilterForm(
        params,
        queues=list(selectors.list_queues_for(user)),
        categories=list(selectors.list_categories()),
        agents=agent_choices(user),
    )


@agent_required
def tickets(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = _filter_form(request, user)
    form.is_valid()  # a bad value drops only its own filter: cleaned_data keeps the valid ones
    data = dict(form.cleaned_data)
    counts = status_counts(user, data)
    # The chips' counts already hold the page's total (same filters, one status): not counted a second time.
    total = counts.get(data.get("status") or "all", 0)
    page = CountedPaginator(sorted_tickets(user, data), PAGE_SIZE, total).get_page(request.GET.get("page"))
    page_tickets = list(page.object_list)
    extensions.attach_badges(page_tickets)
    query = request.GET.urlencode()
    context = {
        "nav_section": "tickets",
        "form": form,
        "page": page,
        "tickets": page_tickets,
        "extra_sorts": extensions.extra_sorts(),
        "counts": counts,
        "current_status": data.get("status", ""),
        "saved_filters": list(web_selectors.list_saved_filters(user)),
        "save_form": SaveFilterForm(initial={"query": query}),
        "query": query,
        "statuses": Status.choices,
        "agents": agent_choices(user),
    }
    if request.headers.get("HX-Request") == "true" and request.GET.get("part") == "counts":
        return render(request, "desk/partials/status_chips.html", context)
    return render(request, "desk/tickets.html", context)


def _back(request: HttpRequest) -> str:
    query = request.POST.get("back", "")
    return f"{reverse('desk:tickets')}?{query}" if query else reverse("desk:tickets")


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    """Applies one action to the ticked tickets; each goes through its service and its access check."""
    user = actor(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Отметьте заявки и выберите действие"))
        return redirect(_back(request))
    action = form.cleaned_data["action"]
    chosen = list(selectors.list_tickets(user).filter(pk__in=form.cleaned_data["ticket_ids"]))
    done, failed = 0, []
    if action == "merge":
        ref = form.cleaned_data["merge_into"].strip()
        try:
            target = selectors.get_ticket_for(user, ref) if ref else None
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
        if target is None:
            # Without an explicit target the oldest ticked ticket absorbs the others.
            chosen.sort(key=lambda t: (t.created_at, t.pk))
            if len(chosen) < 2:
                messages.error(request, _("Для объединения отметьте хотя бы две заявки"))
                return redirect(_back(request))
            target, chosen = chosen[0], chosen[1:]
        for ticket in chosen:
            if ticket.pk == target.pk:
                continue
            try:
                relations.merge_tickets(actor=user, source=ticket, target=target)
                done += 1
            except DomainError as exc:
                failed.append(f"{ticket.number}: {exc.message}")
    else:
        assignee: User | None = None
        if action == "assign":
            raw = form.cleaned_data["assignee"]
            if raw == "me":
                assignee = user
            elif raw.isdigit():
                assignee = User.objects.filter(pk=int(raw)).first()
            elif raw != "none":
                messages.error(request, _("Выберите исполнителя"))
                return redirect(_back(request))
        status = form.cleaned_data["status"]
        if action == "status" and not status:
            messages.error(request, _("Выберите статус"))
            return redirect(_back(request))
        for ticket in chosen:
            try:
                if action == "assign":
                    assignment.assign_ticket(actor=user, ticket=ticket, assignee=assignee)
                else:
                    workflow.change_status(actor=user, ticket=ticket, status=status)
                done += 1
            except DomainError as exc:
                failed.append(f"{ticket.number}: {exc.message}")
    if done:
        messages.success(request, ngettext("Изменена %(n)d заявка", "Изменено заявок: %(n)d", done) % {"n": done})
    for line in failed[:5]:
        messages.error(request, line)
    if len(failed) > 5:
        messages.error(request, _("…и ещё %(n)d с ошибками") % {"n": len(failed) - 5})
    return redirect(_back(request))


@require_POST
@agent_required
def save_filter(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = SaveFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = web_services.save_filter(
                actor=user,
                name=form.cleaned_data["name"],
                query=query,
                is_shared=form.cleaned_data["is_shared"] and roles.is_supervisor(user),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Фильтр «%(name)s» сохранён") % {"name": saved.name})
            return redirect(f"{reverse('desk:tickets')}?{saved.query}")
    else:
        messages.error(request, _("Дайте фильтру название"))
    return redirect(f"{reverse('desk:tickets')}?{query}")


@require_POST
@agent_required
def delete_filter(request: HttpRequest, filter_id: int) -> HttpResponse:
    try:
        web_services.delete_filter(actor=actor(request), filter_id=filter_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Фильтр удалён"))
    return redirect("desk:tickets")
