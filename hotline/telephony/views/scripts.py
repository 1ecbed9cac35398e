"""The supervisors' script editor: scripts, their versions, the draft's nodes (add, edit, reorder, delete),
the check and publishing, and a preview run of the draft."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, NotFound
from hotline.desk.models import Category, CustomFieldDefinition, Queue
from hotline.telephony import selectors
from hotline.telephony.choices import NodeKind, OutcomeAction, ScriptStatus
from hotline.telephony.forms import ScriptForm
from hotline.telephony.models import CallScript, ScriptVersion
from hotline.telephony.services import script_graph, scripts
from hotline.telephony.views.calls import _tabs
from hotline.telephony.views.common import actor, supervisor_required
from hotline.web.forms import add_domain_error

BLANK_ANSWERS = 2
BLANK_FIELDS = 1


@supervisor_required
def script_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = ScriptForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            script = scripts.create_script(
                actor=user,
                name=data["name"],
                description=data["description"],
                lines=list(data["lines"]),
                categories=list(data["categories"]),
                campaign_code=data["campaign_code"],
            )
        except DomainError as exc:
            add_domain_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Скрипт создан: добавьте шаги и опубликуйте"))
            return redirect("telephony:script", script_id=script.pk)
    rows = list(selectors.list_scripts(user))
    context = {"tab": "scripts", "scripts": rows, "form": form, "open_dialog": "new-script" if form.errors else ""}
    return render(request, "telephony/scripts.html", context | _tabs(request), status=422 if form.errors else 200)


def _target_choices() -> list[tuple[str, str]]:
    custom = CustomFieldDefinition.objects.select_related("category").order_by("category__name", "sort_order")
    return script_graph.target_choices() + [
        (
            f"{script_graph.CUSTOM_PREFIX}{d.key}",
            _("заявка: «%(label)s» (%(category)s)") % {"label": d.label, "category": d.category.name},
        )
        for d in custom
    ]


def _editor_context(request: HttpRequest, script: CallScript, **extra: Any) -> dict[str, Any]:
    versions = list(script.versions.all())
    draft = next((v for v in versions if v.status == ScriptStatus.DRAFT), None)
    published = next((v for v in versions if v.status == ScriptStatus.PUBLISHED), None)
    shown_number = extra.pop("shown_number", None)
    shown = next((v for v in versions if v.number == shown_number), None) if shown_number else (draft or published)
    nodes = script_graph.nodes_of(shown.graph) if shown else []
    node_keys = [(str(n["key"]), str(n["title"])) for n in nodes]
    editing = shown is not None and shown.status == ScriptStatus.DRAFT
    rows = [_node_row(n, i, editing=editing) for i, n in enumerate(nodes)]
    return {
        "tab": "scripts",
        "script": script,
        "versions": versions,
        "draft": draft,
        "published": published,
        "shown": shown,
        "editing": editing,
        "nodes": rows,
        "node_keys": node_keys,
        "new_node": _node_row({"kind": NodeKind.STEP, "fields": [], "answers": []}, len(nodes), editing=editing),
        "problems": script_graph.problems(shown.graph) if editing and shown else [],
        "settings_form": ScriptForm(
            initial={
                "name": script.name,
                "description": script.description,
                "is_active": script.is_active,
                "lines": list(script.lines.all()),
                "categories": list(script.categories.all()),
                "campaign_code": script.campaign_code,
            }
        ),
        "targets": _target_choices(),
        "queues": list(Queue.objects.filter(is_active=True).order_by("line_level", "name")),
        "categories": list(Category.objects.filter(is_active=True).order_by("path", "name")),
        "actions": OutcomeAction.choices,
        "kinds": NodeKind.choices,
        **extra,
    }


def _node_row(node: dict[str, Any], index: int, *, editing: bool) -> dict[str, Any]:
    answers = list(node.get("answers") or [])
    fields = list(node.get("fields") or [])
    if editing:
        answers += [{"label": "", "next": ""}] * BLANK_ANSWERS
        fields += [{"key": "", "label": "", "target": "", "required": False}] * BLANK_FIELDS
    return {"node": node, "index": index, "answers": answers, "fields": fields, "outcome": node.get("outcome") or {}}


@require_GET
@supervisor_required
def script(request: HttpRequest, script_id: int) -> HttpResponse:
    item = selectors.get_script_for(actor(request), script_id)
    number = request.GET.get("v")
    return render(
        request,
        "telephony/script.html",
        _editor_context(request, item, shown_number=int(number) if number and number.isdigit() else None)
        | _tabs(request),
    )


@require_POST
@supervisor_required
def settings(request: HttpRequest, script_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    form = ScriptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            scripts.update_script(
                actor=user,
                script=item,
                name=data["name"],
                description=data["description"],
                is_active=data["is_active"],
                lines=list(data["lines"]),
                categories=list(data["categories"]),
                campaign_code=data["campaign_code"],
            )
        except DomainError as exc:
            add_domain_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Настройки скрипта сохранены"))
            return redirect("telephony:script", script_id=item.pk)
    context = _editor_context(request, item, settings_form=form, open_dialog="script-settings")
    return render(request, "telephony/script.html", context | _tabs(request), status=422)


@require_POST
@supervisor_required
def new_draft(request: HttpRequest, script_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    draft = scripts.start_draft(actor=user, script=item)
    messages.success(request, _("Версия %(n)s — черновик: правьте и публикуйте") % {"n": draft.number})
    return redirect("telephony:script", script_id=item.pk)


def _draft(request: HttpRequest, item: CallScript) -> ScriptVersion:
    draft = scripts.draft_of(item)
    if draft is None:
        raise NotFound(_("У скрипта нет черновика: создайте новую версию"))
    return draft


def node_from_post(post: QueryDict) -> dict[str, Any]:
    """The node editor's rows (answer_label_0, field_key_1, outcome_action, …) as a node dict for the service."""

    def rows(prefix: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        index = 0
        while any(f"{prefix}_{name}_{index}" in post for name in names):
            found.append({name: post.get(f"{prefix}_{name}_{index}", "") for name in names})
            index += 1
        return found

    fields = rows("field", ("label", "key", "target", "required"))
    for item in fields:
        item["required"] = item["required"] == "on"
    return {
        "kind": post.get("kind", NodeKind.STEP),
        "title": post.get("title", ""),
        "text": post.get("text", ""),
        "answers": rows("answer", ("label", "next")),
        "fields": fields,
        "outcome": {
            "action": post.get("outcome_action", ""),
            "queue_id": post.get("outcome_queue_id") or None,
            "category_id": post.get("outcome_category_id") or None,
            "subject": post.get("outcome_subject", ""),
            "disposition": post.get("outcome_disposition", ""),
            "reason": post.get("outcome_reason", ""),
            "resolution_note": post.get("outcome_resolution_note", ""),
        },
    }


@require_POST
@supervisor_required
def node_save(request: HttpRequest, script_id: int, key: str | None = None) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    draft = _draft(request, item)
    posted = node_from_post(request.POST)
    try:
        saved = scripts.save_node(actor=user, version=draft, node=posted, key=key)
    except DomainError as exc:
        context = _editor_context(
            request, item, node_error={"key": key or "", "message": exc.message, "field": exc.field}
        )
        failed = _node_row({**posted, "key": key or ""}, 0, editing=True)
        if key:
            context["nodes"] = [
                failed | {"index": row["index"]} if row["node"].get("key") == key else row for row in context["nodes"]
            ]
        else:
            context["new_node"] = failed
        return render(request, "telephony/script.html", context | _tabs(request), status=422)
    messages.success(request, _("Узел «%(title)s» сохранён") % {"title": saved["title"]})
    return redirect(reverse("telephony:script", args=[item.pk]) + f"#node-{saved['key']}")


@require_POST
@supervisor_required
def node_delete(request: HttpRequest, script_id: int, key: str) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    try:
        scripts.delete_node(actor=user, version=_draft(request, item), key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Узел удалён"))
    return redirect("telephony:script", script_id=item.pk)


@require_POST
@supervisor_required
def node_move(request: HttpRequest, script_id: int, key: str) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        scripts.move_node(actor=user, version=_draft(request, item), key=key, offset=offset)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("telephony:script", args=[item.pk]) + f"#node-{key}")


@require_POST
@supervisor_required
def publish(request: HttpRequest, script_id: int) -> HttpResponse:
    user = actor(request)
    item = selectors.get_script_for(user, script_id)
    try:
        version = scripts.publish_version(actor=user, version=_draft(request, item), note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Версия %(n)s опубликована: новые разговоры идут по ней") % {"n": version.number})
    return redirect("telephony:script", script_id=item.pk)
