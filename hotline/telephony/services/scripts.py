"""Editing call scripts: a supervisor's drafts, their nodes, and publishing (a published version never changes).

Each script has at most one draft and one published version. Editing a published script starts a new draft
copied from it; publishing checks the whole graph, retires the version before, and from then on runs use it.
Runs keep pointing at the version they used, so a ticket's script stays what the operator saw.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk.models import Category
from hotline.telephony.choices import NodeKind, ScriptStatus
from hotline.telephony.events import ScriptPublished
from hotline.telephony.models import CallScript, Line, ScriptVersion
from hotline.telephony.services import script_graph
from hotline.telephony.services.common import actor_id, clean_text, require_supervisor

NAME_MAX = 160


def starter_graph() -> dict[str, Any]:
    return {
        "nodes": [
            {
                "key": "start",
                "kind": NodeKind.STEP.value,
                "title": _("Приветствие"),
                "text": _("Здравствуйте! Горячая линия, меня зовут {agent.first_name}. Чем могу помочь?"),
                "fields": [],
                "answers": [],
                "outcome": None,
            }
        ]
    }


def _clean_conditions(campaign_code: str) -> str:
    code = (campaign_code or "").strip().lower()
    if code and not script_graph.KEY.match(code.replace("-", "_")):
        raise ValidationFailed(_("Код кампании: латинские буквы, цифры, - и _"), field="campaign_code")
    return code


@transaction.atomic
def create_script(
    *,
    actor: User,
    name: str,
    description: str = "",
    lines: Sequence[Line] = (),
    categories: Sequence[Category] = (),
    campaign_code: str = "",
) -> CallScript:
    """A new script with a draft v1 holding a greeting to start from.

    Raises:
        Forbidden: not a supervisor.
        ValidationFailed: no name, a bad campaign code.
    """
    require_supervisor(actor)
    script = CallScript.objects.create(
        name=clean_text(name, field="name", limit=NAME_MAX, required=True, message=_("Назовите скрипт")),
        description=clean_text(description, field="description", limit=2000),
        campaign_code=_clean_conditions(campaign_code),
        created_by=actor,
    )
    script.lines.set(lines)
    script.categories.set(categories)
    ScriptVersion.objects.create(script=script, number=1, graph=starter_graph(), created_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=script, summary=script.name)
    return script


@transaction.atomic
def update_script(
    *,
    actor: User,
    script: CallScript,
    name: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    lines: Sequence[Line] | None = None,
    categories: Sequence[Category] | None = None,
    campaign_code: str | None = None,
) -> CallScript:
    """Rename, describe, switch on/off, or change where the script applies (not its graph: that is versioned).

    Raises:
        Forbidden, ValidationFailed.
    """
    require_supervisor(actor)
    script = CallScript.objects.select_for_update().get(pk=script.pk)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = clean_text(name, field="name", limit=NAME_MAX, required=True, message=_("Назовите скрипт"))
    if description is not None:
        changes["description"] = clean_text(description, field="description", limit=2000)
    if is_active is not None:
        changes["is_active"] = is_active
    if campaign_code is not None:
        changes["campaign_code"] = _clean_conditions(campaign_code)
    changed = [key for key, value in changes.items() if getattr(script, key) != value]
    for key in changed:
        setattr(script, key, changes[key])
    if lines is not None:
        script.lines.set(lines)
        changed.append("lines")
    if categories is not None:
        script.categories.set(categories)
        changed.append("categories")
    if changed:
        script.updated_at = timezone.now()
        script.save()
        audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=script, changes={"fields": changed})
    return script


def draft_of(script: CallScript) -> ScriptVersion | None:
    return script.versions.filter(status=ScriptStatus.DRAFT).first()


def published_of(script: CallScript) -> ScriptVersion | None:
    return script.versions.filter(status=ScriptStatus.PUBLISHED).first()


@transaction.atomic
def start_draft(*, actor: User, script: CallScript) -> ScriptVersion:
    """The script's draft: the existing one, or a new one copied from the published version.

    Raises:
        Forbidden: not a supervisor.
    """
    require_supervisor(actor)
    CallScript.objects.select_for_update().get(pk=script.pk)
    draft = draft_of(script)
    if draft is not None:
        return draft
    base = published_of(script)
    number = (script.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    graph = copy.deepcopy(base.graph) if base is not None else starter_graph()
    draft = ScriptVersion.objects.create(script=script, number=number, graph=graph, created_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=draft, summary=f"{script.name} v{number} draft")
    return draft


def _editable(version: ScriptVersion) -> ScriptVersion:
    version = ScriptVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ScriptStatus.DRAFT:
        raise Conflict(_("Опубликованная версия не меняется: создайте новую версию"))
    return version


def _save_graph(actor: User, version: ScriptVersion, nodes: list[dict[str, Any]], summary: str) -> ScriptVersion:
    version.graph = {**version.graph, "nodes": nodes}
    version.save(update_fields=["graph"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=version, summary=summary)
    return version


def _new_key(nodes: list[dict[str, Any]]) -> str:
    taken = {str(n.get("key")) for n in nodes}
    number = len(nodes) + 1
    while f"n{number}" in taken:
        number += 1
    return f"n{number}"


@transaction.atomic
def save_node(
    *, actor: User, version: ScriptVersion, node: Mapping[str, Any], key: str | None = None
) -> dict[str, Any]:
    """Add a node to the draft (``key`` None) or replace the node ``key``; returns the cleaned node.

    Raises:
        Forbidden: not a supervisor.
        Conflict: the version is published.
        ValidationFailed: as ``script_graph.clean_node``; the draft is full.
    """
    require_supervisor(actor)
    version = _editable(version)
    nodes = [dict(n) for n in script_graph.nodes_of(version.graph)]
    keys = {str(n.get("key")) for n in nodes}
    if key is None:
        if len(nodes) >= script_graph.MAX_NODES:
            raise ValidationFailed(_("Не больше %(n)s узлов в скрипте") % {"n": script_graph.MAX_NODES}, field="title")
        new_key = _new_key(nodes)
        cleaned = script_graph.clean_node({**node, "key": new_key}, keys=keys | {new_key})
        nodes.append(cleaned)
    else:
        index = next((i for i, n in enumerate(nodes) if n.get("key") == key), None)
        if index is None:
            raise ValidationFailed(_("Нет узла «%(key)s»") % {"key": key}, field="key")
        cleaned = script_graph.clean_node({**node, "key": key}, keys=keys)
        nodes[index] = cleaned
    _save_graph(actor, version, nodes, f"node {cleaned['key']} saved")
    return cleaned


@transaction.atomic
def delete_node(*, actor: User, version: ScriptVersion, key: str) -> ScriptVersion:
    """Remove a node; answers that led to it lead nowhere until pointed elsewhere.

    Raises:
        Forbidden, Conflict (published), ValidationFailed (the only node).
    """
    require_supervisor(actor)
    version = _editable(version)
    nodes = [dict(n) for n in script_graph.nodes_of(version.graph) if n.get("key") != key]
    if not nodes:
        raise ValidationFailed(_("В скрипте должен остаться хотя бы один узел"), field="key")
    for node in nodes:
        node["answers"] = [a | {"next": ""} if a.get("next") == key else a for a in node.get("answers") or []]
    return _save_graph(actor, version, nodes, f"node {key} deleted")


@transaction.atomic
def move_node(*, actor: User, version: ScriptVersion, key: str, offset: int) -> ScriptVersion:
    """Move a node up (-1) or down (+1); the first node is where runs start.

    Raises:
        Forbidden, Conflict (published), ValidationFailed (no such node).
    """
    require_supervisor(actor)
    version = _editable(version)
    nodes = list(script_graph.nodes_of(version.graph))
    index = next((i for i, n in enumerate(nodes) if n.get("key") == key), None)
    if index is None:
        raise ValidationFailed(_("Нет узла «%(key)s»") % {"key": key}, field="key")
    target = max(0, min(len(nodes) - 1, index + offset))
    nodes.insert(target, nodes.pop(index))
    return _save_graph(actor, version, nodes, f"node {key} moved")


@transaction.atomic
def publish_version(*, actor: User, version: ScriptVersion, note: str = "") -> ScriptVersion:
    """Publish the draft: new runs use it; the previous version is retired (runs made with it keep it).

    Raises:
        Forbidden: not a supervisor.
        Conflict: not a draft.
        ValidationFailed: the graph is not complete (the first problem, with the node named in ``field``).
    """
    require_supervisor(actor)
    version = _editable(version)
    found = script_graph.problems(version.graph)
    if found:
        key, problem = found[0]
        message = _("Узел «%(key)s»: %(problem)s") % {"key": key, "problem": problem} if key else problem
        raise ValidationFailed(message, field=f"node.{key}" if key else "graph")
    ScriptVersion.objects.filter(script_id=version.script_id, status=ScriptStatus.PUBLISHED).update(
        status=ScriptStatus.RETIRED
    )
    version.status = ScriptStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.note = clean_text(note, field="note", limit=255)
    version.save(update_fields=["status", "published_at", "published_by", "note"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=version, summary=f"v{version.number} published")
    events.publish(
        ScriptPublished(
            actor_id=actor_id(actor), script_id=version.script_id, version_id=version.pk, number=version.number
        )
    )
    return version
