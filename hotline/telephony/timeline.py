"""What telephony adds to a contact's card: calls in the interaction history and in the personal-data export."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hotline.customers import registry
from hotline.customers.models import Contact
from hotline.customers.registry import TimelineItem
from hotline.telephony.choices import Direction, Outcome
from hotline.telephony.models import Call

EXPORT_MAX_CALLS = 10_000


def _title(call: Call) -> str:
    if call.direction == Direction.OUTBOUND:
        return _("Исходящий звонок") if call.outcome == Outcome.ANSWERED else _("Исходящий звонок без ответа")
    if call.outcome == Outcome.ANSWERED:
        return _("Входящий звонок")
    if call.outcome == Outcome.ABANDONED:
        return _("Не дождался ответа")
    if call.outcome == Outcome.MISSED:
        return _("Пропущенный звонок")
    return _("Звонок идёт")


def _text(call: Call) -> str:
    parts = []
    if call.line is not None:
        parts.append(_("линия %(line)s") % {"line": call.line.name})
    if call.agent is not None:
        parts.append(call.agent.display_name)
    if call.talk_seconds:
        minutes, seconds = divmod(call.talk_seconds, 60)
        parts.append(f"{minutes}:{seconds:02d}")
    if call.ticket_id:
        parts.append(call.ticket.number if call.ticket else "")
    return " · ".join(p for p in parts if p)


def calls_timeline(contact: Contact, limit: int) -> list[TimelineItem]:
    calls = (
        Call.objects.filter(contact_id=contact.pk)
        .select_related("line", "agent", "ticket")
        .order_by("-started_at", "-pk")[:limit]
    )
    return [
        TimelineItem(
            at=call.started_at,
            kind="call",
            title=_title(call),
            text=_text(call),
            object_type="telephony.call",
            object_id=str(call.pk),
            url=reverse("telephony:call", args=[call.pk]),
            # The call log is the organisation's record of its work, not the customer's correspondence.
            internal=True,
            data={"direction": call.direction, "outcome": call.outcome, "ticket_id": call.ticket_id},
        )
        for call in calls
    ]


def calls_export(contact: Contact) -> dict[str, Any]:
    calls = (
        Call.objects.filter(contact_id=contact.pk)
        .select_related("line")
        .order_by("started_at", "pk")[:EXPORT_MAX_CALLS]
    )
    return {
        "calls": [
            {
                "at": call.started_at.isoformat(),
                "direction": call.direction,
                "number": call.customer_e164 or call.customer_number,
                "line": call.line.number if call.line else "",
                "outcome": call.outcome,
                "talk_seconds": call.talk_seconds,
                "recorded": bool(call.recording_url or call.recording_ref),
            }
            for call in calls
        ]
    }


def register() -> None:
    registry.register_timeline_provider("telephony", calls_timeline)
    registry.register_export_provider("telephony", calls_export)
