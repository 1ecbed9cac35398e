"""The callback list: supervisors assign missed calls, agents take them and say how the call back went."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.telephony import permissions, selectors
from hotline.telephony.choices import CallbackStatus
from hotline.telephony.forms import CallbackCloseForm, agents
from hotline.telephony.services import callbacks as callback_services
from hotline.telephony.views.calls import _tabs
from hotline.telephony.views.common import actor, agent_required, int_or_none

PAGE_SIZE = 50
FILTERS = ("all", "mine", "unassigned")


@require_GET
@agent_required
def callbacks(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    status = request.GET.get("status") or CallbackStatus.OPEN
    if status not in CallbackStatus.values:
        status = CallbackStatus.OPEN
    show = request.GET.get("show") if request.GET.get("show") in FILTERS else "all"
    rows = selectors.list_callbacks(
        user, status=status, assignee_id=user.pk if show == "mine" else None, unassigned=show == "unassigned"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "tab": "callbacks",
        "status": status,
        "show": show,
        "page": page,
        "callbacks": list(page.object_list),
        "statuses": CallbackStatus.choices,
        "agents": agents() if permissions.can_manage_callbacks(user) else [],
        "can_assign": permissions.can_manage_callbacks(user),
        "close_form": CallbackCloseForm(),
    }
    return render(request, "telephony/callbacks.html", context | _tabs(request))


@require_POST
@agent_required
def assign(request: HttpRequest, callback_id: int) -> HttpResponse:
    user = actor(request)
    callback = selectors.get_callback_for(user, callback_id)
    assignee_id = int_or_none(request.POST.get("assignee"))
    assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    try:
        if request.POST.get("take") == "1":
            callback_services.take_callback(actor=user, callback=callback)
            messages.success(request, _("Перезвон ваш: %(number)s") % {"number": callback.number_e164})
        else:
            callback_services.assign_callback(actor=user, callback=callback, assignee=assignee)
            messages.success(request, _("Перезвон назначен"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect_back(request)


@require_POST
@agent_required
def close(request: HttpRequest, callback_id: int) -> HttpResponse:
    user = actor(request)
    callback = selectors.get_callback_for(user, callback_id)
    form = CallbackCloseForm(request.POST)
    try:
        if request.POST.get("cancel") == "1":
            callback_services.cancel_callback(actor=user, callback=callback, note=request.POST.get("note", ""))
            messages.success(request, _("Перезвон снят"))
        elif form.is_valid():
            callback_services.complete_callback(
                actor=user, callback=callback, result=form.cleaned_data["result"], note=form.cleaned_data["note"]
            )
            messages.success(request, _("Результат перезвона сохранён"))
        else:
            messages.error(request, _("Выберите результат перезвона"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect_back(request)


def redirect_back(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("back", "")
    response = redirect("telephony:callbacks")
    if query and "\n" not in query:
        response["Location"] += f"?{query}"
    return response
