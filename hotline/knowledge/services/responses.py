"""Canned responses: saving them in their scope, and filling their placeholders for one ticket.

Placeholders are ``{{ contact.first_name }}``, optionally with a fallback: ``{{ contact.first_name | клиент }}``.
They are replaced by plain substitution (never a template engine: an agent's text cannot run code).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk import permissions as desk_permissions
from hotline.desk.models import Queue, Ticket
from hotline.knowledge import permissions
from hotline.knowledge.models import CannedResponse, Macro
from hotline.knowledge.services.common import refuse_nul

NAME_MAX = 120
BODY_MAX = 20_000
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*(?:\|\s*([^}]*?)\s*)?\}\}")


def _contact_name(t: Ticket, a: User | None) -> str:
    return t.contact.full_name if t.contact else ""


# Each placeholder, what it means (for the editor's help) and how it is filled.
PLACEHOLDERS: dict[str, tuple[Any, Callable[[Ticket, User | None], str]]] = {
    "contact.name": (gettext_lazy("ФИО клиента"), _contact_name),
    "contact.first_name": (gettext_lazy("имя клиента"), lambda t, a: t.contact.first_name if t.contact else ""),
    "contact.middle_name": (gettext_lazy("отчество клиента"), lambda t, a: t.contact.middle_name if t.contact else ""),
    "ticket.number": (gettext_lazy("номер заявки"), lambda t, a: t.number),
    "ticket.subject": (gettext_lazy("тема заявки"), lambda t, a: t.subject),
    "agent.name": (gettext_lazy("имя сотрудника"), lambda t, a: a.display_name if a else ""),
    "agent.first_name": (
        gettext_lazy("имя сотрудника без фамилии"),
        lambda t, a: (a.first_name or a.display_name) if a else "",
    ),
    "queue.name": (gettext_lazy("очередь заявки"), lambda t, a: t.queue.name),
    "queue.signature": (gettext_lazy("подпись очереди"), lambda t, a: t.queue.signature),
}


def check_placeholders(body: str, *, field: str = "body") -> None:
    """Raises: ValidationFailed — a placeholder that is not known (or a brace left open)."""
    unknown = [m.group(1) for m in PLACEHOLDER.finditer(body) if m.group(1) not in PLACEHOLDERS]
    leftover = PLACEHOLDER.sub("", body)
    if unknown or "{{" in leftover:
        name = unknown[0] if unknown else leftover[leftover.index("{{") :][:30]
        raise ValidationFailed(
            _("Неизвестная подстановка «%(name)s». Доступны: %(known)s")
            % {"name": name, "known": ", ".join("{{ " + key + " }}" for key in PLACEHOLDERS)},
            field=field,
        )


def fill_placeholders(body: str, *, ticket: Ticket, agent: User | None) -> str:
    """The text with every placeholder replaced by this ticket's value (or its fallback when empty)."""

    def replace(match: re.Match[str]) -> str:
        entry = PLACEHOLDERS.get(match.group(1))
        value = entry[1](ticket, agent).strip() if entry else ""
        return value or (match.group(2) or "")

    return PLACEHOLDER.sub(replace, body)


def member_queue_ids(user: User) -> set[int]:
    return set(user.queue_memberships.values_list("queue_id", flat=True))


def led_queue_ids(user: User) -> set[int]:
    return {q for q in member_queue_ids(user) if desk_permissions.leads_queue(user, q)}


def _check_scope(actor: User, *, queue: Queue | None, personal: bool) -> None:
    if not roles.is_agent(actor):
        raise Forbidden(_("Шаблоны и макросы — для сотрудников"))
    if personal and queue is not None:
        raise ValidationFailed(_("Личный шаблон не привязывается к очереди"), field="queue_id")
    if personal:
        return
    if queue is not None:
        if not desk_permissions.leads_queue(actor, queue.pk):
            raise Forbidden(_("Шаблоны очереди ведут её руководители и администраторы"))
    elif not roles.is_admin(actor):
        raise Forbidden(_("Общие шаблоны для всех ведут администраторы; создайте личный или для очереди"))


def clean_shortcut(raw: str, name: str) -> str:
    refuse_nul(("shortcut", raw))
    value = slugify((raw or "").strip().lstrip(":/") or name, allow_unicode=True)[:40]
    if not value:
        raise ValidationFailed(_("Укажите сокращение: буквы, цифры, дефис"), field="shortcut")
    return value


def _clean_fields(name: str, body: str) -> tuple[str, str]:
    refuse_nul(("name", name), ("body", body))
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise ValidationFailed(_("Укажите название"), field="name")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Напишите текст шаблона"), field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(_("Текст не длиннее %(n)s символов") % {"n": BODY_MAX}, field="body")
    check_placeholders(body)
    return name, body


@transaction.atomic
def save_canned_response(
    *,
    actor: User,
    response: CannedResponse | None = None,
    name: str,
    body: str,
    shortcut: str = "",
    queue: Queue | None = None,
    personal: bool = False,
    is_active: bool = True,
) -> CannedResponse:
    """Create or change a canned response: personal (any agent), a queue's (its leads), for all (administrators).

    Raises:
        Forbidden: the actor may not keep responses in this scope, or may not change this one.
        ValidationFailed: an empty name or text, an unknown placeholder.
        Conflict: the shortcut is taken in this scope.
    """
    if response is not None and not permissions.can_edit_template(actor, response, led_queue_ids(actor)):
        raise Forbidden(_("Этот шаблон вам изменить нельзя"))
    _check_scope(actor, queue=queue, personal=personal)
    name, body = _clean_fields(name, body)
    target = response or CannedResponse(created_by=actor)
    target.name, target.body, target.shortcut = name, body, clean_shortcut(shortcut, name)
    target.queue, target.owner = queue, (actor if personal else None)
    target.is_active, target.updated_at = is_active, timezone.now()
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Сокращение ::%(s)s уже занято в этой области") % {"s": target.shortcut}, field="shortcut"
        ) from exc
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE if response else AuditLog.Action.CREATE,
        obj=target,
        summary=f"::{target.shortcut} {name}",
    )
    return target


@transaction.atomic
def delete_canned_response(*, actor: User, response: CannedResponse) -> None:
    """Raises: Forbidden; Conflict — a macro replies with it."""
    if not permissions.can_edit_template(actor, response, led_queue_ids(actor)):
        raise Forbidden(_("Этот шаблон вам удалить нельзя"))
    if Macro.objects.filter(reply=response).exists():
        raise Conflict(_("Шаблоном отвечает макрос; сначала измените макрос"), field="response_id")
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=response, summary=f"::{response.shortcut}")
    response.delete()


def render_canned_response(*, actor: User, response: CannedResponse, ticket: Ticket) -> str:
    """The response's text filled for the ticket, as the reply editor inserts it; counts one use.

    Raises:
        NotFound: the actor may not use the response or see the ticket.
    """
    if not permissions.can_use_template(actor, response, member_queue_ids(actor)):
        raise NotFound(_("Шаблон не найден"))
    if not desk_permissions.can_view_ticket(actor, ticket):
        raise NotFound(_("Заявка не найдена"))
    CannedResponse.objects.filter(pk=response.pk).update(use_count=F("use_count") + 1)
    return fill_placeholders(response.body, ticket=ticket, agent=actor)
