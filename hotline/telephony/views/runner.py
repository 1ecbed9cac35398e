"""The script runner beside the ticket (or in the caller's card) during a call: each click is one service call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, NotFound
from hotline.desk import selectors as desk_selectors
from hotline.telephony import selectors
from hotline.telephony.choices import NodeKind, OutcomeAction, RunStatus
from hotline.telephony.models import ScriptRun, ScriptVersion
from hotline.telephony.services import runs, script_graph
from hotline.telephony.views.common import actor, agent_required, int_or_none, toast

VALUE_PREFIX = "v_"


def runner_context(run: ScriptRun, *, error: DomainError | None = None) -> dict[str, Any]:
    finished = run.status != RunStatus.ACTIVE
    node = None if finished else script_graph.node_by_key(run.version.graph, run.current)
    values = runs.placeholder_values(run)
    outcome = (node or {}).get("outcome") or {}
    field_keys = {f["key"] for f in (node or {}).get("fields") or []}
    error_key = (error.field or "").removeprefix("values.") if error else ""
    return {
        "run": run,
        "node": node,
        "is_end": bool(node and node.get("kind") == NodeKind.END),
        "text": script_graph.render(str((node or {}).get("text") or ""), values),
        "finished": finished,
        "preview": bool(run.context.get("preview")),
        "outcome_label": OutcomeAction(outcome["action"]).label
        if outcome.get("action") in OutcomeAction.values
        else "",
        "error": error,
        "error_field": error_key if error_key in field_keys else "",
        "general_error": error.message if error is not None and error_key not in field_keys else "",
        "values": run.values,
    }


def _render(
    request: HttpRequest, run: ScriptRun, *, status: int = 200, error: DomainError | None = None
) -> HttpResponse:
    return render(request, "telephony/partials/runner.html", runner_context(run, error=error), status=status)


def _values(request: HttpRequest) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in request.POST:
        if key.startswith(VALUE_PREFIX):
            values[key.removeprefix(VALUE_PREFIX)] = str(request.POST.get(key) or "")
    return values


@require_POST
@agent_required
def start(request: HttpRequest) -> HttpResponse:
    """Start the chosen script beside a call and/or a ticket (``preview`` for a supervisor's dry run of a draft)."""
    user = actor(request)
    version_id = int_or_none(request.POST.get("version"))
    version = ScriptVersion.objects.select_related("script").filter(pk=version_id).first() if version_id else None
    if version is None:
        raise NotFound(_("Выберите скрипт"))
    call_id = int_or_none(request.POST.get("call"))
    call = selectors.get_call_for(user, call_id) if call_id else None
    ref = (request.POST.get("ticket") or "").strip()
    ticket = desk_selectors.get_ticket_for(user, ref) if ref else None
    run = runs.start_run(
        actor=user, version=version, call=call, ticket=ticket, preview=request.POST.get("preview") == "1"
    )
    return _render(request, selectors.get_run_for(user, run.pk))


@require_GET
@agent_required
def view(request: HttpRequest, run_id: int) -> HttpResponse:
    return _render(request, selectors.get_run_for(actor(request), run_id))


def _act(request: HttpRequest, run_id: int, step: str) -> HttpResponse:
    user = actor(request)
    run = selectors.get_run_for(user, run_id)
    try:
        if step == "answer":
            answer = int_or_none(request.POST.get("answer"))
            run = runs.choose_answer(actor=user, run=run, answer=(answer or 0) - 1, values=_values(request))
        elif step == "back":
            run = runs.step_back(actor=user, run=run)
        elif step == "cancel":
            run = runs.cancel_run(actor=user, run=run)
        else:
            run = runs.finish_run(actor=user, run=run, values=_values(request))
    except DomainError as exc:
        # What was typed stays: the fields re-render with the posted values.
        run.values = {**run.values, **_values(request)}
        return _render(request, run, status=422, error=exc)
    run = selectors.get_run_for(user, run.pk)
    if step == "finish" and run.ticket is not None and not run.context.get("preview"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("desk:ticket", args=[run.ticket.number])
        return toast(response, _("Скрипт пройден: %(number)s") % {"number": run.ticket.number})
    return _render(request, run)


@require_POST
@agent_required
def answer(request: HttpRequest, run_id: int) -> HttpResponse:
    return _act(request, run_id, "answer")


@require_POST
@agent_required
def back(request: HttpRequest, run_id: int) -> HttpResponse:
    return _act(request, run_id, "back")


@require_POST
@agent_required
def finish(request: HttpRequest, run_id: int) -> HttpResponse:
    return _act(request, run_id, "finish")


@require_POST
@agent_required
def cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    return _act(request, run_id, "cancel")
