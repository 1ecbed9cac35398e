"""The call log and one call's page; the ticket page's calls panel (included there with htmx)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline.desk import permissions as desk_permissions
from hotline.desk import selectors as desk_selectors
from hotline.telephony import selectors
from hotline.telephony.choices import CallbackStatus, CallStatus
from hotline.telephony.forms import CallFilterForm, TransferForm
from hotline.telephony.views.common import actor, agent_required, int_or_none

PAGE_SIZE = 50


def _tabs(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_section": "calls",
        "open_callbacks": selectors.list_callbacks(actor(request), status=CallbackStatus.OPEN).count(),
    }


@require_GET
@agent_required
def calls(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = CallFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.list_calls(
        user,
        q=data.get("q") or "",
        direction=data.get("direction") or "",
        outcome=data.get("outcome") or "",
        agent_id=data.get("agent"),
        line_id=data.get("line"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"tab": "log", "form": form, "page": page, "calls": list(page.object_list), "query": params.urlencode()}
    return render(request, "telephony/calls.html", context | _tabs(request))


@require_GET
@agent_required
def call(request: HttpRequest, call_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_call_for(user, call_id)
    ticket_visible = item.ticket is not None and desk_permissions.can_view_ticket(user, item.ticket)
    context = {
        "tab": "log",
        "call": item,
        "ticket_visible": ticket_visible,
        "transfer_form": TransferForm(exclude_user=user.pk),
        **selectors.call_details(item),
    }
    return render(request, "telephony/call.html", context | _tabs(request))


@require_GET
@agent_required
def ticket_panel(request: HttpRequest, ref: str) -> HttpResponse:
    """The ticket page's "calls" block: its calls with recordings and transfers, script runs, and a runner."""
    user = actor(request)
    ticket = desk_selectors.get_ticket_for(user, ref)
    calls = selectors.calls_for_ticket(user, ticket)
    active = [c for c in selectors.active_calls_for(user) if c.ticket_id in (None, ticket.pk)]
    current = next((c for c in active if c.pk == int_or_none(request.GET.get("call"))), active[0] if active else None)
    category = ticket.category
    line = current.line if current is not None else (calls[0].line if calls else None)
    context = {
        "ticket": ticket,
        "calls": calls,
        "runs": selectors.runs_for_ticket(ticket),
        "current_call": current,
        "scripts": selectors.scripts_for(line=line, category=category, include_others=True),
        "can_work": desk_permissions.can_work_on_ticket(user, ticket),
        "active_status": CallStatus.ENDED,
    }
    return render(request, "telephony/partials/ticket_panel.html", context)
