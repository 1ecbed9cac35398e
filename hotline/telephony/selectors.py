"""Every read telephony's pages and endpoints need; lists fetch what a row shows in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.contact_points import try_parse_phone
from hotline.core.errors import NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers import selectors as customer_selectors
from hotline.customers.models import Contact, search_text
from hotline.customers.registry import TimelineItem
from hotline.desk import selectors as desk_selectors
from hotline.desk.choices import OPEN_STATUSES
from hotline.desk.models import Category, Ticket
from hotline.desk.services.custom_fields import ancestor_ids
from hotline.telephony import permissions
from hotline.telephony.choices import CallbackStatus, CallStatus, ScriptStatus
from hotline.telephony.models import Call, Callback, CallLeg, CallScript, CallTransfer, Line, ScriptRun, ScriptVersion

POP_TICKETS = 5
POP_TIMELINE = 5


def _require(actor: Any) -> None:
    if not permissions.can_view_calls(actor):
        raise NotFound(_("Звонок не найден"))


def list_calls(
    actor: Any,
    *,
    q: str = "",
    direction: str = "",
    outcome: str = "",
    agent_id: int | None = None,
    line_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Call]:
    """The call log, newest first: by number (any format, or its last digits), contact name, or ticket number.

    Raises:
        NotFound: the actor is not an agent.
    """
    _require(actor)
    calls = Call.objects.select_related("contact", "contact__organisation", "agent", "line", "ticket", "callback")
    text = " ".join((q or "").split())
    if text:
        phone = try_parse_phone(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        ticket_id = desk_selectors.parse_ticket_ref(text) if not phone else None
        if phone is not None:
            calls = calls.filter(customer_e164=phone.e164)
        elif ticket_id is not None and not text.isdigit():
            calls = calls.filter(ticket_id=ticket_id)
        elif len(digits) >= 4 and digits == text.replace(" ", "").replace("-", "").lstrip("+"):
            calls = calls.filter(customer_e164__endswith=digits)
        else:
            calls = calls.filter(contact__search_name__contains=search_text(text))
    if direction:
        calls = calls.filter(direction=direction)
    if outcome:
        calls = (
            calls.filter(status=CallStatus.ENDED, outcome=outcome)
            if outcome != "active"
            else calls.exclude(status=CallStatus.ENDED)
        )
    if agent_id:
        calls = calls.filter(agent_id=agent_id)
    if line_id:
        calls = calls.filter(line_id=line_id)
    tz = timezone.get_current_timezone()
    if date_from:
        calls = calls.filter(started_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz))
    if date_to:
        calls = calls.filter(
            started_at__lt=datetime.datetime.combine(date_to, datetime.time.min, tzinfo=tz) + datetime.timedelta(days=1)
        )
    return calls.order_by("-started_at", "-pk")


def get_call_for(actor: Any, call_id: int) -> Call:
    """Raises: NotFound — no such call, or the actor is not an agent."""
    _require(actor)
    if not 0 < call_id < 2**63:
        raise NotFound(_("Звонок не найден"))
    call = (
        Call.objects.select_related(
            "contact", "contact__organisation", "agent", "line", "line__queue", "ticket", "callback", "source"
        )
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise NotFound(_("Звонок не найден"))
    return call


def call_details(call: Call) -> dict[str, Any]:
    """Legs, transfers and script runs of one call (three queries)."""
    return {
        "legs": list(CallLeg.objects.filter(call=call).select_related("agent").order_by("rang_at", "pk")),
        "transfers": list(
            CallTransfer.objects.filter(call=call)
            .select_related("from_agent", "to_agent", "to_queue")
            .order_by("at", "pk")
        ),
        "runs": list(
            ScriptRun.objects.filter(call=call).select_related("version__script", "agent").order_by("started_at")
        ),
    }


def active_calls_for(user: User) -> list[Call]:
    """Calls ringing or in talk on the agent's phone now, or transferred to them and still on: the screen-pop
    shows them when a page opens."""
    since = timezone.now() - datetime.timedelta(hours=settings.HOTLINE_TELEPHONY_ACTIVE_CALL_HOURS)
    legs = CallLeg.objects.filter(agent=user, ended_at__isnull=True).values("call_id")
    handed = CallTransfer.objects.filter(to_agent=user).values("call_id")
    return list(
        Call.objects.filter(Q(pk__in=legs) | Q(pk__in=handed), started_at__gte=since)
        .exclude(status=CallStatus.ENDED)
        .select_related("contact", "line", "ticket")
        .order_by("-started_at")[:3]
    )


@dataclass
class PopCard:
    """What the caller's card shows: who (and who else has the number), their open tickets and recent history."""

    call: Call
    contact: Contact | None
    matches: list[Contact]
    open_tickets: list[Ticket]
    timeline: list[TimelineItem]
    ticket: Ticket | None
    transfers: list[CallTransfer] = field(default_factory=list)


def pop_card(actor: User, call: Call) -> PopCard:
    """The caller's card for the screen-pop.

    Raises:
        NotFound: the actor is not an agent.
    """
    _require(actor)
    matches: list[Contact] = []
    if call.customer_e164:
        try:
            matches = customer_selectors.lookup_by_phone(call.customer_e164)
        except ValidationFailed:
            matches = []
    contact = call.contact
    if contact is not None and all(m.pk != contact.pk for m in matches):
        matches.insert(0, contact)
    contact_ids = [m.pk for m in matches]
    open_tickets: list[Ticket] = []
    if contact_ids:
        open_tickets = list(
            desk_selectors.visible_tickets(actor)
            .filter(contact_id__in=contact_ids, status__in=[str(s) for s in OPEN_STATUSES])
            .select_related("queue", "contact")
            .order_by("-created_at")[:POP_TICKETS]
        )
    timeline = customer_selectors.contact_timeline(actor, contact, POP_TIMELINE) if contact is not None else []
    ticket = (
        call.ticket
        if call.ticket is not None and desk_selectors.visible_tickets(actor).filter(pk=call.ticket.pk).exists()
        else None
    )
    transfers = list(
        CallTransfer.objects.filter(call=call).select_related("from_agent", "to_agent", "to_queue").order_by("-at")[:3]
    )
    return PopCard(
        call=call,
        contact=contact,
        matches=matches,
        open_tickets=open_tickets,
        timeline=timeline,
        ticket=ticket,
        transfers=transfers,
    )


def calls_for_ticket(actor: Any, ticket: Ticket) -> list[Call]:
    """The ticket's calls, newest first, with their transfers and script runs (three queries)."""
    _require(actor)
    return list(
        Call.objects.filter(ticket=ticket)
        .select_related("agent", "line")
        .prefetch_related(
            Prefetch(
                "transfers",
                queryset=CallTransfer.objects.select_related("from_agent", "to_agent", "to_queue").order_by("at"),
            ),
        )
        .order_by("-started_at", "-pk")[:50]
    )


def runs_for_ticket(ticket: Ticket) -> list[ScriptRun]:
    return list(
        ScriptRun.objects.filter(ticket=ticket)
        .select_related("version__script", "agent")
        .order_by("-started_at", "-pk")[:20]
    )


def list_callbacks(
    actor: Any, *, status: str = CallbackStatus.OPEN, assignee_id: int | None = None, unassigned: bool = False
) -> QuerySet[Callback]:
    """The callback list, the longest-waiting first.

    Raises:
        NotFound: the actor is not an agent.
    """
    _require(actor)
    callbacks = Callback.objects.select_related("contact", "assignee", "line", "ticket")
    if status:
        callbacks = callbacks.filter(status=status)
    if assignee_id:
        callbacks = callbacks.filter(assignee_id=assignee_id)
    if unassigned:
        callbacks = callbacks.filter(assignee__isnull=True)
    order = ["first_missed_at", "pk"] if status == CallbackStatus.OPEN else ["-done_at", "-pk"]
    return callbacks.order_by(*order)


def get_callback_for(actor: Any, callback_id: int) -> Callback:
    _require(actor)
    callback = (
        Callback.objects.select_related("contact", "assignee", "line").filter(pk=callback_id).first()
        if 0 < callback_id < 2**63
        else None
    )
    if callback is None:
        raise NotFound(_("Перезвон не найден"))
    return callback


def scripts_for(
    *, line: Line | None = None, category: Category | None = None, campaign_code: str = "", include_others: bool = False
) -> list[ScriptVersion]:
    """Published versions of active scripts that apply here, the most specific first: the campaign's, then the
    category's (or a parent category's), then the line's, then scripts with no conditions; with ``include_others``
    the rest follow, for an operator who knows better than the conditions."""
    category_ids = ancestor_ids(category) if category is not None else []
    versions = list(
        ScriptVersion.objects.filter(status=ScriptStatus.PUBLISHED, script__is_active=True)
        .select_related("script")
        .prefetch_related("script__lines", "script__categories")
    )

    def rank(version: ScriptVersion) -> int | None:
        script = version.script
        lines = {line.pk for line in script.lines.all()}
        categories = {c.pk for c in script.categories.all()}
        if campaign_code and script.campaign_code == campaign_code:
            return 0
        if categories & set(category_ids):
            return 1
        if line is not None and line.pk in lines:
            return 2
        if not (lines or categories or script.campaign_code):
            return 3
        return 4 if include_others else None

    ranked = [(rank(v), v) for v in versions]
    return [
        v
        for r, v in sorted(
            (item for item in ranked if item[0] is not None), key=lambda item: (item[0], item[1].script.name)
        )
    ]


def list_scripts(actor: Any) -> QuerySet[CallScript]:
    if not permissions.can_edit_scripts(actor):
        raise NotFound(_("Скрипт не найден"))
    return CallScript.objects.prefetch_related(
        Prefetch("versions", queryset=ScriptVersion.objects.order_by("-number")), "lines", "categories"
    ).order_by("name", "pk")


def get_script_for(actor: Any, script_id: int) -> CallScript:
    script = list_scripts(actor).filter(pk=script_id).first() if 0 < script_id < 2**63 else None
    if script is None:
        raise NotFound(_("Скрипт не найден"))
    return script


def get_run_for(actor: User, run_id: int) -> ScriptRun:
    """A run its agent (or a supervisor) may see.

    Raises:
        NotFound.
    """
    _require(actor)
    run = (
        ScriptRun.objects.select_related(
            "version__script", "call", "call__line", "ticket", "contact", "contact__organisation", "agent"
        )
        .filter(pk=run_id)
        .first()
        if 0 < run_id < 2**63
        else None
    )
    if run is None or (run.agent_id != actor.pk and not permissions.can_edit_scripts(actor)):
        raise NotFound(_("Прохождение скрипта не найдено"))
    return run


def lines() -> Sequence[Line]:
    return list(Line.objects.filter(is_active=True).order_by("name"))
