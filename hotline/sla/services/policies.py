"""Every change to SLA policies (the admin and the API call these). Administrators only; audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, BusinessCalendar, User
from hotline.customers.models import Organisation
from hotline.customers.models import Tag as CustomerTag
from hotline.desk.choices import Channel, Priority
from hotline.desk.models import Category, Queue
from hotline.sla.models import SlaPolicy
from hotline.sla.services.timers import retarget_policy_timers

NAME_MAX = 150
TARGET_MAX_MINUTES = 366 * 24 * 60
TARGET_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def _ensure_admin(actor: User | None) -> None:
    if actor is not None and not roles.is_admin(actor):
        raise Forbidden("Политики SLA настраивает администратор")


def _clean_target(value: int | None, *, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= TARGET_MAX_MINUTES:
        raise ValidationFailed(f"Срок — целое число минут от 1 до {TARGET_MAX_MINUTES}", field=field)
    return value


def _clean_choices(values: Iterable[Any], allowed: Sequence[Any], *, field: str, cast: type) -> list[Any]:
    result: list[Any] = []
    for raw in values or ():
        try:
            value = cast(raw)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"Недопустимое значение {raw!r}", field=field) from exc
        if value not in allowed:
            raise ValidationFailed(
                f"Недопустимое значение {raw!r}: одно из {', '.join(map(str, allowed))}", field=field
            )
        if value not in result:
            result.append(value)
    return sorted(result)


@transaction.atomic
def save_policy(
    *,
    actor: User | None,
    policy: SlaPolicy | None = None,
    name: str,
    description: str = "",
    is_active: bool = True,
    order: int | None = None,
    priorities: Iterable[int] = (),
    channels: Iterable[str] = (),
    queues: Iterable[Queue] = (),
    categories: Iterable[Category] = (),
    organisations: Iterable[Organisation] = (),
    customer_tags: Iterable[CustomerTag] = (),
    calendar: BusinessCalendar | None = None,
    first_response_minutes: int | None = None,
    next_response_minutes: int | None = None,
    resolution_minutes: int | None = None,
    warning_percent: int = 80,
    notify_on_warning: bool = True,
    notify_on_breach: bool = True,
    raise_priority_to: int | None = None,
    escalate_on_breach: bool = False,
) -> SlaPolicy:
    """Create a policy (``policy`` None) or change one; running timers of a changed policy follow its new targets.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: empty or taken name, no target at all, a target or share out of range, unknown values.
    """
    _ensure_admin(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(f"Название — от 1 до {NAME_MAX} символов", field="name")
    same_name = SlaPolicy.objects.filter(name=name)
    if policy is not None:
        same_name = same_name.exclude(pk=policy.pk)
    if same_name.exists():
        raise ValidationFailed(f"Политика «{name}» уже есть", field="name")
    targets = {
        field: _clean_target(value, field=field)
        for field, value in zip(
            TARGET_FIELDS, (first_response_minutes, next_response_minutes, resolution_minutes), strict=True
        )
    }
    if all(value is None for value in targets.values()):
        raise ValidationFailed(
            "Укажите хотя бы один срок: первый ответ, следующий ответ или решение", field="resolution_minutes"
        )
    if isinstance(warning_percent, bool) or not isinstance(warning_percent, int) or not 1 <= warning_percent <= 99:
        raise ValidationFailed("Предупреждение — от 1 до 99 % срока", field="warning_percent")
    if raise_priority_to is not None and raise_priority_to not in Priority.values:
        raise ValidationFailed("Неизвестный приоритет", field="raise_priority_to")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int) or order < 0):
        raise ValidationFailed("Порядок — целое число не меньше 0", field="order")
    values: dict[str, Any] = {
        "name": name,
        "description": (description or "").strip(),
        "is_active": bool(is_active),
        "priorities": _clean_choices(priorities, Priority.values, field="priorities", cast=int),
        "channels": _clean_choices(channels, Channel.values, field="channels", cast=str),
        "calendar": calendar,
        "warning_percent": warning_percent,
        "notify_on_warning": bool(notify_on_warning),
        "notify_on_breach": bool(notify_on_breach),
        "raise_priority_to": raise_priority_to,
        "escalate_on_breach": bool(escalate_on_breach),
        **targets,
    }
    now = timezone.now()
    if policy is None:
        if order is None:
            last = SlaPolicy.objects.order_by("-order").values_list("order", flat=True).first()
            order = (last or 0) + 10
        policy = SlaPolicy.objects.create(**values, order=order, created_at=now, updated_at=now)
        changes: dict[str, Any] = {"created": True}
        previous_calendar_id: int | None = None
        retarget = False
    else:
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        previous_calendar_id = policy.calendar_id
        if order is not None:
            values["order"] = order
        changes = {
            field: [str(getattr(policy, field)), str(value)]
            for field, value in values.items()
            if getattr(policy, field) != value
        }
        retarget = any(field in changes for field in (*TARGET_FIELDS, "warning_percent", "calendar"))
        for field, value in values.items():
            setattr(policy, field, value)
        policy.updated_at = now
        policy.save(update_fields=[*values, "updated_at"])
    policy.queues.set(list(queues))
    policy.categories.set(list(categories))
    policy.organisations.set(list(organisations))
    policy.customer_tags.set(list(customer_tags))
    if retarget:
        retarget_policy_timers(
            policy=policy, at=now, actor_id=actor.pk if actor else None, previous_calendar_id=previous_calendar_id
        )
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if changes.get("created") else AuditLog.Action.UPDATE,
        obj=policy,
        summary=f"политика SLA «{policy.name}»",
        changes=changes,
    )
    return policy


@transaction.atomic
def delete_policy(*, actor: User | None, policy: SlaPolicy) -> None:
    """Delete a policy no timer has used; one that has is kept for the record (deactivate it instead).

    Raises:
        Forbidden: not an administrator.
        Conflict: timers ran under it.
    """
    _ensure_admin(actor)
    policy_id, policy_name = policy.pk, policy.name
    try:
        with transaction.atomic():
            policy.delete()
    except ProtectedError as exc:
        raise Conflict(
            f"По политике «{policy_name}» уже считались сроки заявок; снимите флажок «действует» вместо удаления"
        ) from exc
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        object_type="sla.slapolicy",
        object_id=policy_id,
        summary=policy_name,
    )


@transaction.atomic
def reorder_policies(*, actor: User | None, policy_ids: Sequence[int]) -> list[SlaPolicy]:
    """Set the matching order: the given policies first, in this order; the rest keep their order after them.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: an unknown or repeated id.
    """
    _ensure_admin(actor)
    if len(set(policy_ids)) != len(policy_ids):
        raise ValidationFailed("Политика указана дважды", field="policy_ids")
    policies = {p.pk: p for p in SlaPolicy.objects.select_for_update().order_by("order", "id")}
    unknown = [pid for pid in policy_ids if pid not in policies]
    if unknown:
        raise ValidationFailed(f"Нет политики #{unknown[0]}", field="policy_ids")
    ordered = [policies[pid] for pid in policy_ids] + [p for pk, p in policies.items() if pk not in set(policy_ids)]
    before = [p.pk for p in policies.values()]
    for position, policy in enumerate(ordered, start=1):
        if policy.order != position * 10:
            policy.order = position * 10
            policy.save(update_fields=["order"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        object_type="sla.slapolicy",
        object_id="order",
        summary="порядок политик SLA",
        changes={"order": [before, [p.pk for p in ordered]]},
    )
    return ordered
