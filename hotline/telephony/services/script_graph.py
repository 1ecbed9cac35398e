"""A call script's graph: its shape, the check before publishing, and the operator's text with placeholders.

A graph is ``{"nodes": [...]}``; the first node is where a run starts. A node::

    {"key": "n1", "kind": "step" | "end", "title": "…", "text": "Здравствуйте, {contact.first_name}!",
     "fields": [{"key": "address", "label": "Адрес", "target": "ticket.custom_fields.address", "required": true}],
     "answers": [{"label": "Нет воды", "next": "n2"}],                      # steps
     "outcome": {"action": "open_ticket", "queue_id": 3, "category_id": 7,   # ends
                 "subject": "Нет воды: {field.address}", "disposition": "", "resolution_note": "", "reason": ""}}

Field targets write what the operator typed into the ticket (subject, description, a custom field) or the
contact (full name, e-mail, phone, notes); a field without a target is kept on the run only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed
from hotline.desk.models import Category, Queue
from hotline.telephony.choices import NodeKind, OutcomeAction

TITLE_MAX = 120
TEXT_MAX = 4000
LABEL_MAX = 120
MAX_NODES = 200
MAX_ANSWERS = 12
MAX_FIELDS = 12
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TICKET_TARGETS = ("ticket.subject", "ticket.description")
CONTACT_TARGETS = ("contact.full_name", "contact.email", "contact.phone", "contact.notes")
CUSTOM_PREFIX = "ticket.custom_fields."
_PLACEHOLDER = re.compile(r"\{([a-z]+)\.([a-z0-9_]+)\}")


def nodes_of(graph: Mapping[str, Any]) -> list[dict[str, Any]]:
    nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def node_by_key(graph: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return next((n for n in nodes_of(graph) if n.get("key") == key), None)


def target_choices() -> list[tuple[str, str]]:
    return [
        ("", _("не записывать (только в прохождении)")),
        ("ticket.subject", _("заявка: тема")),
        ("ticket.description", _("заявка: описание")),
        ("contact.full_name", _("клиент: ФИО")),
        ("contact.email", _("клиент: e-mail")),
        ("contact.phone", _("клиент: телефон")),
        ("contact.notes", _("клиент: заметки")),
    ]


def is_valid_target(target: str) -> bool:
    if target in ("", *TICKET_TARGETS, *CONTACT_TARGETS):
        return True
    return target.startswith(CUSTOM_PREFIX) and bool(KEY.match(target.removeprefix(CUSTOM_PREFIX)))


def _text(value: Any, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("Заполните: %(label)s") % {"label": label}, field=field)
    if len(text) > limit:
        raise ValidationFailed(_("Не длиннее %(limit)s символов") % {"limit": limit}, field=field)
    return text


def clean_node(raw: Mapping[str, Any], *, keys: set[str]) -> dict[str, Any]:
    """One node as the editor submitted it, cleaned; ``keys`` are the graph's node keys answers may point to.

    Raises:
        ValidationFailed: naming the field (``answers.1.label``, ``fields.0.target``, ``outcome.action``).
    """
    kind = str(raw.get("kind") or NodeKind.STEP)
    if kind not in NodeKind.values:
        raise ValidationFailed(_("Тип узла: шаг или завершение"), field="kind")
    node: dict[str, Any] = {
        "key": str(raw.get("key") or ""),
        "kind": kind,
        "title": _text(raw.get("title"), field="title", limit=TITLE_MAX, required=True, label=_("название")),
        "text": _text(raw.get("text"), field="text", limit=TEXT_MAX),
        "fields": _clean_fields(raw.get("fields") or []),
        "answers": [],
        "outcome": None,
    }
    if kind == NodeKind.STEP:
        node["answers"] = _clean_answers(raw.get("answers") or [], keys=keys)
    else:
        node["outcome"] = clean_outcome(raw.get("outcome") or {})
    return node


def _clean_fields(items: list[Any]) -> list[dict[str, Any]]:
    if len(items) > MAX_FIELDS:
        raise ValidationFailed(_("Не больше %(n)s полей в узле") % {"n": MAX_FIELDS}, field="fields")
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        label = _text(item.get("label"), field=f"fields.{index}.label", limit=LABEL_MAX)
        if not label:
            continue
        key = str(item.get("key") or "").strip().lower()
        if not KEY.match(key):
            raise ValidationFailed(
                _("Ключ поля: латинские буквы, цифры и _, начинается с буквы"), field=f"fields.{index}.key"
            )
        if key in seen:
            raise ValidationFailed(_("Ключ «%(key)s» уже есть в этом узле") % {"key": key}, field=f"fields.{index}.key")
        seen.add(key)
        target = str(item.get("target") or "").strip()
        if not is_valid_target(target):
            raise ValidationFailed(
                _("Неизвестное место записи «%(t)s»") % {"t": target}, field=f"fields.{index}.target"
            )
        fields.append({"key": key, "label": label, "target": target, "required": bool(item.get("required"))})
    return fields


def _clean_answers(items: list[Any], *, keys: set[str]) -> list[dict[str, Any]]:
    if len(items) > MAX_ANSWERS:
        raise ValidationFailed(_("Не больше %(n)s ответов в узле") % {"n": MAX_ANSWERS}, field="answers")
    answers: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        label = _text(item.get("label"), field=f"answers.{index}.label", limit=LABEL_MAX)
        target = str(item.get("next") or "")
        if not label and not target:
            continue
        if not label:
            raise ValidationFailed(_("Подпишите ответ"), field=f"answers.{index}.label")
        if target and target not in keys:
            raise ValidationFailed(_("Нет узла «%(key)s»") % {"key": target}, field=f"answers.{index}.next")
        answers.append({"label": label, "next": target})
    return answers


def clean_outcome(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Raises: ValidationFailed — an unknown action, a missing or disabled queue or category."""
    action = str(raw.get("action") or "")
    if action not in OutcomeAction.values:
        raise ValidationFailed(_("Выберите, чем заканчивается разговор"), field="outcome.action")
    outcome: dict[str, Any] = {
        "action": action,
        "queue_id": _ref_id(raw.get("queue_id"), Queue, "outcome.queue_id", _("Очередь")),
        "category_id": _ref_id(raw.get("category_id"), Category, "outcome.category_id", _("Категория")),
        "subject": _text(raw.get("subject"), field="outcome.subject", limit=255),
        "disposition": _text(raw.get("disposition"), field="outcome.disposition", limit=120),
        "resolution_note": _text(raw.get("resolution_note"), field="outcome.resolution_note", limit=2000),
        "reason": _text(raw.get("reason"), field="outcome.reason", limit=2000),
    }
    if action == OutcomeAction.TRANSFER and outcome["queue_id"] is None:
        raise ValidationFailed(_("Укажите отдел, в который переводится заявка"), field="outcome.queue_id")
    if action == OutcomeAction.DISPOSITION and not outcome["disposition"]:
        raise ValidationFailed(_("Укажите результат звонка"), field="outcome.disposition")
    return outcome


def _ref_id(value: Any, model: type[Queue] | type[Category], field: str, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("%(label)s: выберите из списка") % {"label": label}, field=field) from exc
    if not model.objects.filter(pk=pk, is_active=True).exists():
        raise ValidationFailed(_("%(label)s не найдена или отключена") % {"label": label}, field=field)
    return pk


def problems(graph: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What keeps the graph from being published: [(node key, what is wrong)], empty when it is ready."""
    nodes = nodes_of(graph)
    if not nodes:
        return [("", _("В скрипте нет ни одного шага"))]
    found: list[tuple[str, str]] = []
    keys = [str(n.get("key")) for n in nodes]
    if len(set(keys)) != len(keys):
        found.append(("", _("Ключи узлов повторяются")))
    field_keys: dict[str, str] = {}
    for node in nodes:
        key = str(node.get("key"))
        for item in node.get("fields") or []:
            owner = field_keys.setdefault(item["key"], key)
            if owner != key:
                found.append((key, _("Поле «%(f)s» уже есть в узле «%(n)s»") % {"f": item["key"], "n": owner}))
        if node.get("kind") == NodeKind.STEP:
            answers = node.get("answers") or []
            if not answers:
                found.append((key, _("У шага нет ни одного ответа")))
            for answer in answers:
                if answer.get("next") not in keys:
                    found.append((key, _("Ответ «%(a)s» никуда не ведёт") % {"a": answer.get("label")}))
        elif not node.get("outcome"):
            found.append((key, _("Не задан итог завершения")))
    reachable = _reachable(nodes)
    for node in nodes:
        if node.get("key") not in reachable:
            found.append((str(node.get("key")), _("До узла нельзя дойти от начала")))
    if not any(n.get("kind") == NodeKind.END and n.get("key") in reachable for n in nodes):
        found.append(("", _("От начала не дойти ни до одного завершения")))
    return found


def _reachable(nodes: list[dict[str, Any]]) -> set[str]:
    by_key = {str(n.get("key")): n for n in nodes}
    seen: set[str] = set()
    todo = [str(nodes[0].get("key"))]
    while todo:
        key = todo.pop()
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        todo.extend(str(a.get("next")) for a in by_key[key].get("answers") or [])
    return seen


def render(text: str, values: Mapping[str, Mapping[str, Any]]) -> str:
    """The operator's text with ``{contact.first_name}``, ``{ticket.number}``, ``{field.address}``,
    ``{lead.<key>}`` filled in; an unknown or empty placeholder shows as «…» so the operator asks."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1), {}).get(match.group(2))
        return str(value) if value not in (None, "") else "…"

    return _PLACEHOLDER.sub(fill, text or "")
