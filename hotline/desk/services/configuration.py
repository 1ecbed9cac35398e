"""Configuration of queues, their members, skills and routing rules (the admin and the demo call these)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from hotline.core import audit, config_cache, roles
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import Organisation
from hotline.desk.choices import AssignmentMode, Channel, Priority, QueueRole
from hotline.desk.models import AgentSkill, Category, Queue, QueueMembership, RoutingRule, Skill

QUEUE_FIELDS = (
    "name",
    "slug",
    "line_level",
    "description",
    "email",
    "signature",
    "assignment_mode",
    "escalation_queue",
    "is_default",
    "is_active",
)


def _ensure_admin(actor: User | None) -> None:
    if actor is not None and not roles.is_admin(actor):
        raise Forbidden("Очереди и маршрутизацию настраивает администратор")


def _diff(obj: Any, values: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(getattr(obj, name, "")), str(value)]
        for name, value in values.items()
        if getattr(obj, name, None) != value
    }


@transaction.atomic
def save_queue(*, actor: User | None, queue: Queue | None = None, **values: Any) -> Queue:
    """Create a queue or change one; only one queue is the default at a time.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: an empty name, a line outside 1–3, an unknown assignment mode, escalation to itself.
    """
    _ensure_admin(actor)
    unknown = set(values) - set(QUEUE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Неизвестные поля очереди: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    name = str(values.get("name", queue.name if queue else "")).strip()
    if not name:
        raise ValidationFailed("Укажите название очереди", field="name")
    values["name"] = name
    if not values.get("slug") and queue is None:
        values["slug"] = slugify(name, allow_unicode=False) or f"queue-{Queue.objects.count() + 1}"
    line = values.get("line_level", queue.line_level if queue else None)
    if line is not None and line not in (1, 2, 3):
        raise ValidationFailed("Линия поддержки: 1, 2 или 3 (пусто — отдел)", field="line_level")
    mode = values.get("assignment_mode", queue.assignment_mode if queue else AssignmentMode.MANUAL)
    if mode not in AssignmentMode.values:
        raise ValidationFailed(f"Распределение: одно из {', '.join(AssignmentMode.values)}", field="assignment_mode")
    target = values.get("escalation_queue")
    if target is not None and queue is not None and target.pk == queue.pk:
        raise ValidationFailed("Очередь не может эскалировать сама в себя", field="escalation_queue")
    same_name = Queue.objects.filter(name=name)
    if queue is not None:
        same_name = same_name.exclude(pk=queue.pk)
    if same_name.exists():
        raise ValidationFailed(f"Очередь «{name}» уже есть", field="name")
    creating = queue is None
    changes = {} if creating else _diff(queue, values)
    if queue is None:
        queue = Queue(**values)
        queue.save()
    else:
        for field, value in values.items():
            setattr(queue, field, value)
        queue.save(update_fields=list(values) or None)
    if values.get("is_default"):
        Queue.objects.filter(is_default=True).exclude(pk=queue.pk).update(is_default=False)
        config_cache.changed()  # an update() sends no signal; routing caches the default queue
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
        obj=queue,
        summary=queue.name,
        changes=changes,
    )
    return queue


@transaction.atomic
def set_queue_member(
    *, actor: User | None, queue: Queue, user: User, role: str = QueueRole.MEMBER, accepts_assignments: bool = True
) -> QueueMembership:
    """Add an agent to a queue or change their role in it.

    Raises:
        Forbidden: not an administrator. ValidationFailed: the user is not an agent, or the role is unknown.
    """
    _ensure_admin(actor)
    if not roles.is_agent(user):
        raise ValidationFailed("В очередь включают только сотрудников", field="user")
    if role not in QueueRole.values:
        raise ValidationFailed(f"Роль: одно из {', '.join(QueueRole.values)}", field="role")
    membership, created = QueueMembership.objects.update_or_create(
        queue=queue, user=user, defaults={"role": role, "accepts_assignments": accepts_assignments}
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=membership,
        summary=f"{user.username} → {queue.name} ({role})",
    )
    return membership


@transaction.atomic
def remove_queue_member(*, actor: User | None, queue: Queue, user: User) -> None:
    _ensure_admin(actor)
    deleted, _ = QueueMembership.objects.filter(queue=queue, user=user).delete()
    if deleted:
        audit.record(
            actor=actor,
            action=AuditLog.Action.DELETE,
            object_type="desk.queuemembership",
            object_id=f"{queue.pk}:{user.pk}",
            summary=f"{user.username} ✕ {queue.name}",
        )


@transaction.atomic
def set_agent_skills(*, actor: User | None, user: User, skills: Sequence[Skill]) -> None:
    """Replace an agent's skills."""
    _ensure_admin(actor)
    AgentSkill.objects.filter(user=user).exclude(skill__in=skills).delete()
    for skill in skills:
        AgentSkill.objects.get_or_create(user=user, skill=skill)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=user,
        summary="skills: " + ", ".join(sorted(s.name for s in skills)),
    )


@transaction.atomic
def save_routing_rule(
    *,
    actor: User | None,
    rule: RoutingRule | None = None,
    name: str,
    queue: Queue,
    order: int = 100,
    is_active: bool = True,
    channel: str = "",
    category: Category | None = None,
    organisation: Organisation | None = None,
    mailbox: str = "",
    keywords: str = "",
    set_priority: int | None = None,
) -> RoutingRule:
    """Create or change a routing rule: its conditions all hold → the ticket goes to ``queue``.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: no name, no condition at all, an unknown channel or priority, an inactive queue.
    """
    _ensure_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Укажите название правила", field="name")
    if channel and channel not in Channel.values:
        raise ValidationFailed(f"Канал: одно из {', '.join(Channel.values)}", field="channel")
    if set_priority is not None and set_priority not in Priority.values:
        raise ValidationFailed("Неизвестный приоритет", field="set_priority")
    keywords = ", ".join(k.strip() for k in (keywords or "").split(",") if k.strip())
    mailbox = (mailbox or "").strip().lower()
    if not (channel or category or organisation or mailbox or keywords):
        raise ValidationFailed("Задайте хотя бы одно условие правила", field="keywords")
    if not queue.is_active:
        raise ValidationFailed(f"Очередь «{queue.name}» отключена", field="queue")
    values: dict[str, Any] = {
        "name": name,
        "queue": queue,
        "order": order,
        "is_active": is_active,
        "channel": channel,
        "category": category,
        "organisation": organisation,
        "mailbox": mailbox,
        "keywords": keywords,
        "set_priority": set_priority,
    }
    creating = rule is None
    changes = {} if creating else _diff(rule, values)
    if rule is None:
        rule = RoutingRule.objects.create(**values)
    else:
        for field, value in values.items():
            setattr(rule, field, value)
        rule.save(update_fields=list(values))
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
        obj=rule,
        summary=name,
        changes=changes,
    )
    return rule
