"""Extensions (внутренние номера) map the PBX's phones to agents; an agent at another desk takes its phone."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.roles import AGENT_ROLES
from hotline.telephony.events import ExtensionClaimed
from hotline.telephony.services.common import require_agent

_EXTENSION = re.compile(r"^[0-9A-Za-z*#_.-]{1,16}$")


def clean_extension(raw: str) -> str:
    """Raises: ValidationFailed — not 1–16 digits/letters (field ``extension``)."""
    value = (raw or "").strip()
    if value and not _EXTENSION.match(value):
        raise ValidationFailed(_("Внутренний номер: от 1 до 16 цифр или латинских букв"), field="extension")
    return value


def agent_for_extension(extension: str) -> User | None:
    """The active agent whose phone this extension is now (the most recent claim wins a tie)."""
    if not extension:
        return None
    return (
        User.objects.filter(phone_extension=extension, is_active=True, role__in=list(AGENT_ROLES))
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def claim_extension(*, actor: User, extension: str) -> User:
    """Sit the agent at the phone with ``extension`` (empty: no phone); whoever had it loses it.

    Calls to that extension pop up on this agent's screen from now on; calls taken earlier stay with whoever
    took them.

    Raises:
        Forbidden: the actor is not an agent.
        ValidationFailed: not a valid extension.
    """
    require_agent(actor)
    value = clean_extension(extension)
    actor = User.objects.select_for_update().get(pk=actor.pk)
    if value == actor.phone_extension:
        return actor
    previous_holders = (
        list(User.objects.select_for_update().filter(phone_extension=value).exclude(pk=actor.pk)) if value else []
    )
    for holder in previous_holders:
        holder.phone_extension = ""
        holder.save(update_fields=["phone_extension"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=holder,
            summary=f"extension {value} taken by {actor.username}",
            changes={"phone_extension": [value, ""]},
        )
    old = actor.phone_extension
    actor.phone_extension = value
    actor.save(update_fields=["phone_extension"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=actor,
        summary="phone extension",
        changes={"phone_extension": [old, value]},
    )
    events.publish(
        ExtensionClaimed(
            actor_id=actor.pk,
            user_id=actor.pk,
            extension=value,
            previous_user_id=previous_holders[0].pk if previous_holders else None,
        )
    )
    return actor
