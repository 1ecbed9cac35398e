"""Managing canned responses and macros: personal ones by every agent, a queue's by its leads, global by admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core import roles
from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.desk import selectors as desk_selectors
from hotline.desk.models import Queue
from hotline.desk.views.common import actor, agent_required, form_error, render_form
from hotline.knowledge import selectors
from hotline.knowledge.forms import CannedResponseForm, MacroForm
from hotline.knowledge.models import CannedResponse, Macro
from hotline.knowledge.services import macros, responses


def _queues(user: User) -> QuerySet[Queue]:
    return desk_selectors.list_queues_for(user)


def _agents() -> QuerySet[User]:
    return User.objects.filter(role__in=[r.value for r in roles.AGENT_ROLES], is_active=True).order_by(
        "last_name", "username"
    )


def _response_choices(user: User) -> QuerySet[CannedResponse]:
    ids = [r.pk for r in selectors.usable_canned_responses(user)]
    return CannedResponse.objects.filter(pk__in=ids).order_by("shortcut")


def _scope_initial(item: CannedResponse | Macro) -> dict[str, Any]:
    scope = "personal" if item.owner_id else ("queue" if item.queue_id else "global")
    return {"scope": scope, "queue": item.queue_id}


def _page(request: HttpRequest, **forms: Any) -> HttpResponse:
    user = actor(request)
    rows, macro_rows = selectors.editable_templates(user)
    context = {
        "nav_section": "templates",
        "responses": rows,
        "macros": macro_rows,
        "placeholder_help": [("{{ " + key + " }}", entry[0]) for key, entry in responses.PLACEHOLDERS.items()],
        "fallback_example": "{{ contact.first_name | " + _("клиент") + " }}",
        "response_form": forms.get("response_form") or CannedResponseForm(queues=_queues(user)),
        "macro_form": forms.get("macro_form")
        or MacroForm(queues=_queues(user), responses=_response_choices(user), agents=_agents()),
        "editing_response": forms.get("editing_response"),
        "editing_macro": forms.get("editing_macro"),
    }
    return render_form(request, "knowledge/responses.html", context)


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _find(items: list[Any], pk: int) -> Any:
    found = next((i for i in items if i.pk == pk), None)
    if found is None or not getattr(found, "editable", False):
        raise Http404
    return found


def _submitted[T](
    request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T], done: Callable[[T], str]
) -> HttpResponse | None:
    """Save a posted valid form through ``save``; a refusal goes back onto the form, success to the list."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except DomainError as exc:
        form_error(form, exc)
        return None
    messages.success(request, done(saved))
    return redirect("knowledge:responses")


def _deleted(request: HttpRequest, delete: Callable[[], None], done: str) -> HttpResponse:
    try:
        delete()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("knowledge:responses")


def _save_response(request: HttpRequest, item: CannedResponse | None) -> HttpResponse:
    user = actor(request)
    initial: dict[str, Any] = {} if item is None else {"name": item.name, "shortcut": item.shortcut, "body": item.body}
    if item is not None:
        initial |= {"is_active": item.is_active, **_scope_initial(item)}
    form = CannedResponseForm(request.POST or None, initial=initial or None, queues=_queues(user))

    def save(data: dict[str, Any]) -> CannedResponse:
        return responses.save_canned_response(
            actor=user,
            response=item,
            name=data["name"],
            shortcut=data["shortcut"],
            body=data["body"],
            queue=data["queue"] if data["scope"] == "queue" else None,
            personal=data["scope"] == "personal",
            is_active=data["is_active"],
        )

    done = _submitted(request, form, save, lambda saved: _("Шаблон ::%(s)s сохранён") % {"s": saved.shortcut})
    return done or _page(request, response_form=form, editing_response=item)


@agent_required
def new_response(request: HttpRequest) -> HttpResponse:
    return _save_response(request, None)


@agent_required
def edit_response(request: HttpRequest, response_id: int) -> HttpResponse:
    rows, _m = selectors.editable_templates(actor(request))
    return _save_response(request, _find(rows, response_id))


@require_POST
@agent_required
def delete_response(request: HttpRequest, response_id: int) -> HttpResponse:
    user = actor(request)
    rows, _m = selectors.editable_templates(user)
    item = _find(rows, response_id)
    return _deleted(request, lambda: responses.delete_canned_response(actor=user, response=item), _("Шаблон удалён"))


def _save_macro(request: HttpRequest, item: Macro | None) -> HttpResponse:
    user = actor(request)
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            "name": item.name,
            "reply": item.reply_id,
            "set_status": item.set_status,
            "set_category": item.set_category_id,
            "assign_to": item.assign_to,
            "assignee": item.assignee_id,
            "add_tags": ", ".join(item.add_tags),
            "is_active": item.is_active,
            **_scope_initial(item),
        }
    form = MacroForm(
        request.POST or None,
        initial=initial or None,
        queues=_queues(user),
        responses=_response_choices(user),
        agents=_agents(),
    )

    def save(data: dict[str, Any]) -> Macro:
        return macros.save_macro(
            actor=user,
            macro=item,
            name=data["name"],
            queue=data["queue"] if data["scope"] == "queue" else None,
            personal=data["scope"] == "personal",
            reply=data["reply"],
            set_status=data["set_status"],
            set_category=data["set_category"],
            assign_to=data["assign_to"],
            assignee=data["assignee"],
            add_tags=data["add_tags"],
            is_active=data["is_active"],
        )

    done = _submitted(request, form, save, lambda saved: _("Макрос «%(n)s» сохранён") % {"n": saved.name})
    return done or _page(request, macro_form=form, editing_macro=item)


@agent_required
def new_macro(request: HttpRequest) -> HttpResponse:
    return _save_macro(request, None)


@agent_required
def edit_macro(request: HttpRequest, macro_id: int) -> HttpResponse:
    _r, rows = selectors.editable_templates(actor(request))
    return _save_macro(request, _find(rows, macro_id))


@require_POST
@agent_required
def delete_macro(request: HttpRequest, macro_id: int) -> HttpResponse:
    user = actor(request)
    _r, rows = selectors.editable_templates(user)
    item = _find(rows, macro_id)
    return _deleted(request, lambda: macros.delete_macro(actor=user, macro=item), _("Макрос удалён"))
