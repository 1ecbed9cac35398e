"""Priority from impact × urgency: the default matrix, with any cell overridden by a PriorityRule."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.core import audit, config_cache, roles
from hotline.core.errors import Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk.choices import DEFAULT_PRIORITY_MATRIX, Impact, Priority, Urgency
from hotline.desk.models import PriorityRule


def clean_level(value: object, *, field: str, choices: type[Impact] | type[Urgency] | type[Priority]) -> int:
    """Raises: ValidationFailed — not one of the scale's values."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in choices.values:
        allowed = ", ".join(f"{v} ({label})" for v, label in choices.choices)
        raise ValidationFailed(_("Допустимые значения: %(allowed)s") % {"allowed": allowed}, field=field)
    return value


def _load_overrides() -> dict[tuple[int, int], int]:
    rows = PriorityRule.objects.values_list("impact", "urgency", "priority")
    return {(impact, urgency): int(priority) for impact, urgency, priority in rows}


def priority_for(*, impact: int, urgency: int) -> int:
    """The matrix cell for impact × urgency (the overrides are cached per process, see ``core.config_cache``)."""
    override = config_cache.cached("desk.priority_matrix", _load_overrides).get((impact, urgency))
    if override is not None:
        return override
    return int(DEFAULT_PRIORITY_MATRIX.get((impact, urgency), Priority.MEDIUM))


@transaction.atomic
def set_priority_rule(*, actor: User, impact: int, urgency: int, priority: int | None) -> PriorityRule | None:
    """Override one cell of the matrix (``priority=None`` returns the cell to the default).

    Raises:
        Forbidden: only administrators configure the matrix.
        ValidationFailed: a value is off its scale.
    """
    if not roles.is_admin(actor):
        raise Forbidden(_("Матрицу приоритетов настраивает администратор"))
    impact = clean_level(impact, field="impact", choices=Impact)
    urgency = clean_level(urgency, field="urgency", choices=Urgency)
    if priority is None:
        PriorityRule.objects.filter(impact=impact, urgency=urgency).delete()
        audit.record(
            actor=actor,
            action=AuditLog.Action.DELETE,
            object_type="desk.priorityrule",
            object_id=f"{impact}x{urgency}",
            summary="default priority restored",
        )
        return None
    priority = clean_level(priority, field="priority", choices=Priority)
    rule, _created = PriorityRule.objects.update_or_create(
        impact=impact, urgency=urgency, defaults={"priority": priority}
    )
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=rule, changes={"priority": priority})
    return rule
