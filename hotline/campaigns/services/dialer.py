"""The dialing cycle: an agent's seat, picking the next eligible lead, placing the call, the PBX's reports,
dispositions, callbacks and do-not-call.

Preview: the agent asks for the next lead, reads the card and the script, then dials (through the PBX — one of
telephony's sources or a gateway — or by hand when the campaign has neither). Progressive: as soon as the agent
is free the next eligible lead is dialled for them; nobody is ever dialled without a free agent (no predictive
mode).

Every pick goes through ``eligibility.check_lead``: a lead that fails any rule is never dialled, and the agent
waiting for work sees which rules are holding the leads back.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.campaigns import permissions
from hotline.campaigns.choices import (
    ACTIVE_ATTEMPT_STATES,
    AttemptState,
    CallbackStatus,
    CallOutcome,
    CampaignStatus,
    DialingMode,
    DncSource,
    LeadStatus,
    Rule,
    SeatState,
)
from hotline.campaigns.eligibility import Context, Verdict, check_lead
from hotline.campaigns.events import AttemptEnded, AttemptStarted, CallbackScheduled, LeadDispositioned
from hotline.campaigns.models import Attempt, Callback, Campaign, Disposition, Gateway, Lead, Seat
from hotline.campaigns.originate import OriginateFailed, OriginateRequest, originator_for
from hotline.campaigns.services.common import actor_id, clean_multiline
from hotline.campaigns.services.dnc import block_in_transaction
from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User

logger = logging.getLogger(__name__)
BATCH = 50
MAX_BATCHES = 4
STALE_RESERVATION = timedelta(hours=2)
MAX_CALLBACK_AHEAD = timedelta(days=30)


def _lead_query() -> Any:
    return Lead.objects.select_related("campaign", "call_list", "contact", "last_disposition")


def _ensure_can_work(actor: User, campaign: Campaign) -> None:
    if not permissions.can_work_campaign(actor, campaign):
        raise Forbidden(_("Вы не работаете в этой кампании"))


def _seat(actor: User) -> Seat:
    seat, _created = Seat.objects.select_for_update().get_or_create(agent=actor)
    return seat


def _set_seat(
    seat: Seat, state: str, *, lead: Lead | None = None, attempt: Attempt | None = None, reason: str = ""
) -> None:
    seat.state = state
    seat.lead = lead
    seat.attempt = attempt
    seat.waiting_reason = reason[:255]
    seat.since = timezone.now()
    seat.save(update_fields=["state", "lead", "attempt", "waiting_reason", "since"])


def _release(lead: Lead) -> None:
    """A reserved lead nobody called goes back where it was."""
    if lead.status != LeadStatus.IN_PROGRESS:
        return
    if Callback.objects.filter(lead=lead, status=CallbackStatus.PENDING).exists():
        lead.status = LeadStatus.CALLBACK
    else:
        lead.status = LeadStatus.RETRY if lead.attempts else LeadStatus.NEW
    lead.agent = None
    lead.reserved_at = None
    lead.updated_at = timezone.now()
    lead.save(update_fields=["status", "agent", "reserved_at", "updated_at"])


# --- the seat --------------------------------------------------------------------------------------------------
@transaction.atomic
def join_campaign(*, actor: User, campaign: Campaign, extension: str = "") -> Seat:
    """Start working a campaign: the seat waits for the next lead (progressive: dialled at once).

    Raises:
        Forbidden: not an agent of the campaign.
        Conflict: the campaign is not running; or the agent is in the middle of a call in another one.
        ValidationFailed: progressive dialing without an extension to ring (field="extension").
    """
    _ensure_can_work(actor, campaign)
    if campaign.status != CampaignStatus.RUNNING:
        raise Conflict(_("Кампания не запущена"))
    seat = _seat(actor)
    if seat.attempt_id is not None and seat.state in (SeatState.DIALING, SeatState.TALKING, SeatState.WRAPUP):
        raise Conflict(_("Сначала завершите текущий звонок и укажите его результат"))
    if seat.lead_id is not None and seat.lead is not None:
        _release(seat.lead)
    extension = (extension or actor.phone_extension or "").strip()[:32]
    if campaign.dialing_mode == DialingMode.PROGRESSIVE and not extension:
        raise ValidationFailed(_("Укажите внутренний номер телефона, на который придут вызовы"), field="extension")
    seat.campaign = campaign
    seat.extension = extension
    seat.save(update_fields=["campaign", "extension"])
    _set_seat(seat, SeatState.WAITING)
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=seat, summary=f"join {campaign.code}")
    if campaign.dialing_mode == DialingMode.PROGRESSIVE:
        _enqueue_progressive(actor.pk)
    return seat


@transaction.atomic
def leave_campaign(*, actor: User) -> Seat:
    """Stop taking leads; a lead shown but not dialled goes back to the list.

    Raises:
        Conflict: a call is in progress or awaits its disposition.
    """
    seat = _seat(actor)
    if seat.state in (SeatState.DIALING, SeatState.TALKING, SeatState.WRAPUP):
        raise Conflict(_("Сначала завершите текущий звонок и укажите его результат"))
    if seat.lead is not None:
        _release(seat.lead)
    _set_seat(seat, SeatState.IDLE)
    seat.campaign = None
    seat.save(update_fields=["campaign"])
    return seat


# --- picking ---------------------------------------------------------------------------------------------------
@dataclass
class PickResult:
    lead: Lead | None
    examined: int
    held_back: Counter[str]

    def summary(self) -> str:
        if self.lead is not None:
            return ""
        if not self.examined:
            return _("Некому звонить: все абоненты обработаны или ждут своего времени")
        parts = [f"{Rule(rule).label}: {n}" for rule, n in self.held_back.most_common(4)]
        return _("Сейчас звонить некому. Проверено %(n)d, не подошли — %(why)s") % {
            "n": self.examined,
            "why": "; ".join(parts),
        }


def _candidates(campaign: Campaign, agent: User, now: datetime, exclude: set[int]) -> list[Lead]:
    base = (
        _lead_query()
        .filter(campaign=campaign, call_list__is_active=True, attempts__lt=campaign.max_attempts)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .filter(Q(hold_until__isnull=True) | Q(hold_until__lte=now))
        .exclude(pk__in=exclude)
    )
    # Promised callbacks of this agent first, then callbacks anyone may take, then everyone else by priority.
    mine = list(
        base.filter(
            status=LeadStatus.CALLBACK,
            callbacks__status=CallbackStatus.PENDING,
            callbacks__agent=agent,
            callbacks__due_at__lte=now,
        ).order_by("callbacks__due_at", "pk")[:BATCH]
    )
    if mine:
        return mine
    due = base.filter(status=LeadStatus.CALLBACK, callbacks__status=CallbackStatus.PENDING, callbacks__due_at__lte=now)
    if campaign.callback_grace_minutes:
        grace_due = list(
            due.filter(callbacks__due_at__lte=now - timedelta(minutes=campaign.callback_grace_minutes)).order_by(
                "callbacks__due_at", "pk"
            )[:BATCH]
        )
        if grace_due:
            return grace_due
    return list(
        base.filter(status__in=[LeadStatus.NEW, LeadStatus.RETRY])
        .order_by("-priority", F("retry_at").asc(nulls_first=True), "pk")
        .select_for_update(skip_locked=True, of=("self",))[:BATCH]
    )


def _park(lead: Lead, verdict: Verdict) -> None:
    """Remember why a lead was passed over so the next picks do not check it again needlessly."""
    rules = set(verdict.rules)
    now = timezone.now()
    if Rule.DNC_GLOBAL in rules or Rule.DNC_CAMPAIGN in rules:
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.DNC, updated_at=now)
    elif Rule.OPTED_OUT in rules or Rule.NO_AD_CONSENT in rules:
        cause = Rule.OPTED_OUT if Rule.OPTED_OUT in rules else Rule.NO_AD_CONSENT
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.STOPPED, stopped_for=cause, updated_at=now)
    elif Rule.MAX_ATTEMPTS in rules:
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.EXHAUSTED, updated_at=now)
    else:
        until = verdict.held_until()
        if until is not None:
            Lead.objects.filter(pk=lead.pk).update(hold_until=until)


def _release_stale(campaign: Campaign, now: datetime) -> None:
    stale = Lead.objects.filter(
        campaign=campaign, status=LeadStatus.IN_PROGRESS, reserved_at__lt=now - STALE_RESERVATION
    ).exclude(attempt_set__state__in=list(ACTIVE_ATTEMPT_STATES))
    for lead in stale[:100]:
        _release(lead)


def pick_next_lead(*, agent: User, campaign: Campaign, now: datetime | None = None) -> PickResult:
    """Reserve for ``agent`` the first lead that passes every eligibility rule (inside the caller's transaction)."""
    now = now or timezone.now()
    _release_stale(campaign, now)
    examined = 0
    held: Counter[str] = Counter()
    seen: set[int] = set()
    for _batch in range(MAX_BATCHES):
        leads = _candidates(campaign, agent, now, seen)
        if not leads:
            break
        context = Context.load(leads, now=now)
        for lead in leads:
            seen.add(lead.pk)
            examined += 1
            verdict = check_lead(lead, agent=agent, context=context)
            if verdict.eligible:
                lead.status = LeadStatus.IN_PROGRESS
                lead.agent = agent
                lead.reserved_at = now
                lead.hold_until = None
                lead.updated_at = now
                lead.save(update_fields=["status", "agent", "reserved_at", "hold_until", "updated_at"])
                return PickResult(lead, examined, held)
            held.update(verdict.rules)
            _park(lead, verdict)
    return PickResult(None, examined, held)


@transaction.atomic
def next_lead(*, actor: User) -> PickResult:
    """Preview mode: reserve and show the next eligible lead to the agent.

    Raises:
        Conflict: the agent is not in a running campaign, or is in a call.
    """
    seat = _seat(actor)
    campaign = seat.campaign
    if campaign is None or campaign.status != CampaignStatus.RUNNING:
        raise Conflict(_("Вы не работаете ни в одной запущенной кампании"))
    _ensure_can_work(actor, campaign)
    if seat.state in (SeatState.DIALING, SeatState.TALKING, SeatState.WRAPUP):
        raise Conflict(_("Сначала завершите текущий звонок и укажите его результат"))
    if seat.state == SeatState.PREVIEW and seat.lead is not None and seat.lead.status == LeadStatus.IN_PROGRESS:
        lead = _lead_query().get(pk=seat.lead_id)
        return PickResult(lead, 0, Counter())
    result = pick_next_lead(agent=actor, campaign=campaign)
    if result.lead is None:
        _set_seat(seat, SeatState.WAITING, reason=result.summary())
    else:
        _set_seat(seat, SeatState.PREVIEW, lead=result.lead)
    return result


@transaction.atomic
def skip_lead(*, actor: User) -> Seat:
    """Preview mode: put the shown lead back without calling (it stays eligible for others)."""
    seat = _seat(actor)
    if seat.state != SeatState.PREVIEW or seat.lead is None:
        raise Conflict(_("Нет абонента на просмотре"))
    _release(seat.lead)
    _set_seat(seat, SeatState.WAITING)
    return seat


# --- placing the call ------------------------------------------------------------------------------------------
def _start_attempt(*, agent: User, seat: Seat, lead: Lead, mode: str) -> Attempt:
    now = timezone.now()
    attempt = Attempt.objects.create(
        lead=lead,
        campaign=lead.campaign,
        agent=agent,
        debtor_key=lead.debtor_key,
        mode=mode,
        state=AttemptState.DIALING,
        phone=lead.phone,
        started_at=now,
    )
    lead.attempts += 1
    lead.last_attempt_at = now
    lead.status = LeadStatus.IN_PROGRESS
    lead.agent = agent
    lead.updated_at = now
    lead.save(update_fields=["attempts", "last_attempt_at", "status", "agent", "updated_at"])
    _set_seat(seat, SeatState.DIALING, lead=lead, attempt=attempt)
    publish(
        AttemptStarted(
            actor_id=agent.pk, attempt_id=attempt.pk, lead_id=lead.pk, campaign_id=lead.campaign_id, agent_id=agent.pk
        )
    )
    if lead.campaign.places_calls:
        from hotline.campaigns.tasks import originate_attempt_task
        from hotline.celery import enqueue_on_commit

        enqueue_on_commit(originate_attempt_task, attempt.pk)
    return attempt


def dial_lead(*, actor: User, lead: Lead) -> Attempt:
    """Preview mode: call the lead on the agent's screen (every rule is checked again right now).

    Without a PBX (a telephony source or a gateway) the agent dials by hand and records the result. A lead a rule
    holds back now goes back to the list and the agent waits for the next one (that is kept; then the refusal).

    Raises:
        Conflict: the lead is not the one on the agent's screen, or a rule holds it back now (the message says which).
    """
    result = _dial_lead(actor=actor, lead=lead)
    if isinstance(result, Verdict):
        raise Conflict(
            _("Звонить нельзя: %(why)s") % {"why": "; ".join(f"{r.label} — {r.message}" for r in result.refusals)},
            code=f"refused:{result.refusals[0].rule}",
        )
    return result


@transaction.atomic
def _dial_lead(*, actor: User, lead: Lead) -> Attempt | Verdict:
    seat = _seat(actor)
    lead = _lead_query().select_for_update(of=("self",)).get(pk=lead.pk)
    if seat.lead_id != lead.pk or seat.state != SeatState.PREVIEW:
        raise Conflict(_("Этот абонент не у вас на просмотре"))
    verdict = check_lead(lead, agent=actor)
    if not verdict.eligible:
        _release(lead)
        _set_seat(seat, SeatState.WAITING, reason="; ".join(r.message for r in verdict.refusals))
        return verdict
    return _start_attempt(agent=actor, seat=seat, lead=lead, mode=DialingMode.PREVIEW)


@transaction.atomic
def dial_next_progressive(*, agent_id: int) -> Attempt | None:
    """Progressive mode: the agent is free, so dial the next eligible lead for them (None: nobody to call now)."""
    agent = User.objects.filter(pk=agent_id, is_active=True).first()
    if agent is None:
        return None
    seat = Seat.objects.select_for_update(of=("self",)).select_related("campaign").filter(agent=agent).first()
    if seat is None or seat.state != SeatState.WAITING or seat.campaign is None:
        return None
    campaign = seat.campaign
    if campaign.status != CampaignStatus.RUNNING or campaign.dialing_mode != DialingMode.PROGRESSIVE:
        return None
    if not permissions.can_work_campaign(agent, campaign):
        return None
    result = pick_next_lead(agent=agent, campaign=campaign)
    if result.lead is None:
        _set_seat(seat, SeatState.WAITING, reason=result.summary())
        return None
    return _start_attempt(agent=agent, seat=seat, lead=result.lead, mode=DialingMode.PROGRESSIVE)


def dial_waiting_seats(*, limit: int = 200) -> int:
    """Progressive campaigns: give every free agent their next eligible lead (leads whose window or 230-ФЗ period
    has just opened, callbacks that have come due); returns how many calls were placed. Each seat is its own
    transaction, so one agent's trouble never holds back another's call."""
    placed = 0
    waiting = Seat.objects.filter(
        state=SeatState.WAITING,
        campaign__status=CampaignStatus.RUNNING,
        campaign__dialing_mode=DialingMode.PROGRESSIVE,
    ).values_list("agent_id", flat=True)
    for agent_id in list(waiting[:limit]):
        if dial_next_progressive(agent_id=agent_id) is not None:
            placed += 1
    return placed


def _enqueue_progressive(agent_id: int) -> None:
    from hotline.campaigns.tasks import dial_next_progressive_task
    from hotline.celery import enqueue_on_commit

    enqueue_on_commit(dial_next_progressive_task, agent_id)


def originate_attempt(*, attempt_id: int) -> Attempt | None:
    """Ask the PBX to place an attempt's call (after the attempt is committed); a refusal ends it as failed.

    Through a telephony source the call's progress comes back as ``OriginationUpdated`` (``apply_origination``);
    through a gateway, to the gateway's hook (``record_call_event``).
    """
    attempt = (
        Attempt.objects.select_related("campaign__gateway", "campaign__pbx_source", "agent", "lead")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None or attempt.state != AttemptState.DIALING or attempt.call_ref:
        return attempt
    campaign = attempt.campaign
    originator = originator_for(campaign)
    if originator is None:
        return attempt
    seat = Seat.objects.filter(agent_id=attempt.agent_id).first()
    extension = (seat.extension if seat else "") or (attempt.agent.phone_extension if attempt.agent else "")
    gateway = campaign.gateway if campaign.pbx_source_id is None else None
    request = OriginateRequest(
        attempt=str(attempt.ref),
        number=attempt.phone,
        extension=extension,
        caller_id=gateway.caller_id if gateway else campaign.caller_id,
        timeout_s=gateway.ring_timeout_s if gateway else campaign.ring_timeout_s,
        campaign=campaign.code,
        report_url=gateway.report_url if gateway else "",
    )
    try:
        result = originator.originate(request)
    except OriginateFailed as exc:
        logger.warning("originate failed for attempt %s: %s", attempt.pk, exc.message)
        with transaction.atomic():
            fail_attempt(attempt_id=attempt.pk, error=exc.message)
        attempt.refresh_from_db()
        return attempt
    if result.call_id:
        Attempt.objects.filter(pk=attempt.pk, call_ref="").update(call_ref=result.call_id[:255])
    attempt.refresh_from_db()
    return attempt


def fail_attempt(*, attempt_id: int, error: str) -> Attempt | None:
    """The PBX did not place the call (down, refused, timed out): the attempt ends as failed with the reason.

    The call never happened, so it does not use up one of the lead's attempts; the lead is retried per the
    campaign's "call failed" result. A progressive agent is not dialled for at once (the periodic sweep retries),
    so a PBX that is down does not run through the whole list in seconds. Inside the caller's transaction.
    """
    attempt = Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id).first()
    if attempt is None or attempt.state == AttemptState.ENDED:
        return attempt
    message = (error or _("АТС не приняла вызов"))[:255]
    Attempt.objects.filter(pk=attempt.pk).update(error=message)
    Lead.objects.filter(pk=attempt.lead_id, attempts__gt=0).update(attempts=F("attempts") - 1)
    audit.record(actor=None, action=AuditLog.Action.UPDATE, obj=attempt, summary=f"originate failed: {message}")
    ended = _end_attempt(attempt_id=attempt.pk, outcome=CallOutcome.FAILED, at=timezone.now(), call_id="", redial=False)
    # The agent waiting for their next call sees why this one did not come.
    Seat.objects.filter(agent_id=attempt.agent_id, campaign_id=attempt.campaign_id, state=SeatState.WAITING).update(
        waiting_reason=(_("Вызов не удался: %(e)s") % {"e": message})[:255]
    )
    return ended


# --- the PBX's reports ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallEvent:
    attempt: str
    event: str
    outcome: str = ""
    call_id: str = ""
    at: datetime | None = None


def _end_attempt(*, attempt_id: int, outcome: str, at: datetime, call_id: str, redial: bool = True) -> Attempt | None:
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("campaign", "lead").filter(pk=attempt_id).first()
    )
    if attempt is None or attempt.state == AttemptState.ENDED:
        return attempt
    attempt.state = AttemptState.ENDED
    attempt.outcome = outcome
    attempt.ended_at = at
    if call_id and not attempt.call_ref:
        attempt.call_ref = call_id[:255]
    if outcome == CallOutcome.ANSWERED:
        attempt.connected = True
        attempt.answered_at = attempt.answered_at or at
    attempt.save(update_fields=["state", "outcome", "ended_at", "call_ref", "connected", "answered_at"])
    publish(AttemptEnded(attempt_id=attempt.pk, outcome=outcome))
    seat = Seat.objects.select_for_update().filter(attempt=attempt).first()
    if outcome == CallOutcome.ANSWERED:
        if seat is not None:
            _set_seat(seat, SeatState.WRAPUP, lead=attempt.lead, attempt=attempt)
        return attempt
    automatic = Disposition.objects.filter(campaign=attempt.campaign, auto_outcome=outcome, is_active=True).first()
    if automatic is not None:
        _apply_disposition(actor=None, attempt=attempt, disposition=automatic, note="", callback_at=None, redial=redial)
    elif seat is not None:
        # No automatic result for this outcome: the agent records one.
        _set_seat(seat, SeatState.WRAPUP, lead=attempt.lead, attempt=attempt)
    return attempt


@transaction.atomic
def record_call_event(*, gateway: Gateway, event: CallEvent) -> Attempt:
    """Apply the PBX's report on an attempt; repeated and late reports change nothing.

    Raises:
        NotFound: no attempt with this reference on this gateway.
        ValidationFailed: an unknown event or outcome.
    """
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .filter(ref=event.attempt, campaign__gateway=gateway)
        .first()
        if _is_uuid(event.attempt)
        else None
    )
    if attempt is None:
        raise NotFound(_("Попытка звонка не найдена"))
    if event.event not in ("ringing", "answered", "ended"):
        raise ValidationFailed(_("Неизвестное событие «%(e)s»") % {"e": event.event[:40]}, field="event")
    if event.outcome and event.outcome not in _OUTCOMES:
        raise ValidationFailed(_("Неизвестный исход «%(o)s»") % {"o": event.outcome[:40]}, field="outcome")
    return _progress(attempt, event)


_OUTCOMES = (CallOutcome.ANSWERED, CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.FAILED)


def _progress(attempt: Attempt, event: CallEvent) -> Attempt:
    """Move a locked attempt on by one report of its call (ringing, answered, ended with an outcome)."""
    at = event.at or timezone.now()
    if attempt.state == AttemptState.ENDED:
        answered = event.event == "answered" or event.outcome == CallOutcome.ANSWERED
        if answered and attempt.outcome == CallOutcome.FAILED and not attempt.connected:
            # Given up as failed (the PBX did not answer in time), yet the call went through: 230-ФЗ counts it.
            Attempt.objects.filter(pk=attempt.pk).update(connected=True, answered_at=attempt.answered_at or at)
            attempt.refresh_from_db()
        return attempt
    if event.call_id and not attempt.call_ref:
        attempt.call_ref = event.call_id[:255]
        attempt.save(update_fields=["call_ref"])
    if event.event == "ringing":
        if attempt.state == AttemptState.DIALING:
            attempt.state = AttemptState.RINGING
            attempt.save(update_fields=["state"])
        return attempt
    if event.event == "answered":
        attempt.state = AttemptState.TALKING
        attempt.connected = True
        attempt.answered_at = at
        attempt.save(update_fields=["state", "connected", "answered_at"])
        Seat.objects.filter(attempt=attempt).update(state=SeatState.TALKING, since=timezone.now())
        return attempt
    outcome = event.outcome or (CallOutcome.ANSWERED if attempt.connected else CallOutcome.NO_ANSWER)
    if attempt.connected:
        outcome = CallOutcome.ANSWERED  # answered earlier: however the PBX words the end, it was a conversation
    ended = _end_attempt(attempt_id=attempt.pk, outcome=outcome, at=at, call_id=event.call_id)
    assert ended is not None
    return ended


# telephony's OriginationUpdated.state → the report it makes of the attempt's call
_ORIGINATION_EVENTS = {"placed": "", "ringing": "ringing", "answered": "answered", "ended": "ended"}


def apply_origination(
    *, correlation_id: str, state: str, result: str = "", provider_call_id: str = "", error: str = "", at: str = ""
) -> Attempt | None:
    """A call placed through telephony moved on: apply it to the attempt whose reference is ``correlation_id``
    (None — not a campaign's call). Runs inside telephony's transaction, so the two never disagree."""
    if not _is_uuid(correlation_id):
        return None
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("campaign").filter(ref=correlation_id).first()
    )
    if attempt is None:
        return None
    if state == "failed":
        return fail_attempt(attempt_id=attempt.pk, error=error)
    kind = _ORIGINATION_EVENTS.get(state)
    if kind is None:
        return attempt
    moment = _parse_moment(at)
    if not kind:
        if provider_call_id and not attempt.call_ref:
            Attempt.objects.filter(pk=attempt.pk, call_ref="").update(call_ref=provider_call_id[:255])
        return attempt
    outcome = result if result in _OUTCOMES else ""
    return _progress(
        attempt, CallEvent(attempt=correlation_id, event=kind, outcome=outcome, call_id=provider_call_id, at=moment)
    )


def _parse_moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- dispositions ----------------------------------------------------------------------------------------------
def _apply_disposition(
    *,
    actor: User | None,
    attempt: Attempt,
    disposition: Disposition,
    note: str,
    callback_at: datetime | None,
    redial: bool = True,
) -> Lead:
    now = timezone.now()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=attempt.lead_id)
    campaign = lead.campaign
    if attempt.state != AttemptState.ENDED:
        attempt.state = AttemptState.ENDED
        attempt.ended_at = now
        attempt.outcome = attempt.outcome or (
            CallOutcome.ANSWERED if disposition.human_answered else CallOutcome.NO_ANSWER
        )
    attempt.disposition = disposition
    attempt.dispositioned_at = now
    attempt.note = note
    attempt.connected = attempt.connected or disposition.human_answered
    attempt.save(update_fields=["state", "ended_at", "outcome", "disposition", "dispositioned_at", "note", "connected"])
    # The callback this call kept is done; a new one replaces any other pending.
    Callback.objects.filter(lead=lead, status=CallbackStatus.PENDING, due_at__lte=now).update(
        status=CallbackStatus.DONE, closed_at=now
    )
    lead.last_disposition = disposition
    lead.agent = None
    lead.reserved_at = None
    lead.retry_at = None
    if disposition.is_dnc:
        block_in_transaction(
            actor=actor, phone=lead.phone, campaign=None, source=DncSource.CALLEE, reason=disposition.name
        )
        lead.status = LeadStatus.DNC
    elif disposition.is_callback:
        assert callback_at is not None
        Callback.objects.filter(lead=lead, status=CallbackStatus.PENDING).update(
            status=CallbackStatus.CANCELLED, closed_at=now
        )
        callback = Callback.objects.create(
            lead=lead, agent=attempt.agent, due_at=callback_at, attempt=attempt, note=note[:255]
        )
        lead.status = LeadStatus.CALLBACK
        publish(
            CallbackScheduled(
                actor_id=actor_id(actor),
                callback_id=callback.pk,
                lead_id=lead.pk,
                agent_id=attempt.agent_id,
                due_at=callback_at.isoformat(),
            )
        )
    elif disposition.unworkable:
        lead.status = LeadStatus.UNWORKABLE
    elif disposition.not_interested:
        lead.status = LeadStatus.REFUSED
    elif disposition.completes_lead or disposition.is_success:
        lead.status = LeadStatus.DONE
    elif lead.attempts >= campaign.max_attempts:
        lead.status = LeadStatus.EXHAUSTED
    else:
        lead.status = LeadStatus.RETRY
        lead.retry_at = now + timedelta(minutes=disposition.retry_minutes or campaign.default_retry_minutes)
    lead.updated_at = now
    lead.save(update_fields=["last_disposition", "agent", "reserved_at", "retry_at", "status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=lead,
        summary=f"{campaign.code}: {disposition.code} → {lead.status}",
        changes={"disposition": disposition.code, "status": lead.status},
    )
    publish(
        LeadDispositioned(
            actor_id=actor_id(actor),
            attempt_id=attempt.pk,
            lead_id=lead.pk,
            disposition=disposition.code,
            lead_status=lead.status,
        )
    )
    seat = Seat.objects.select_for_update(of=("self",)).select_related("campaign").filter(attempt=attempt).first()
    if seat is not None:
        _set_seat(seat, SeatState.WAITING)
        if redial and seat.campaign is not None and seat.campaign.dialing_mode == DialingMode.PROGRESSIVE:
            _enqueue_progressive(seat.agent_id)
    return lead


@transaction.atomic
def set_disposition(
    *,
    actor: User,
    attempt: Attempt,
    disposition_id: int,
    note: str = "",
    callback_at: datetime | None = None,
) -> Lead:
    """Record the result of a call; the lead moves on (retry, callback, done, do-not-call…).

    Raises:
        Forbidden: not the agent who made the call (nor a supervisor).
        Conflict: the attempt already has a result, or the call is still ringing.
        ValidationFailed: an unknown disposition; a callback without a time, in the past or over 30 days ahead.
    """
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=attempt.pk)
    if attempt.agent_id != actor.pk and not roles.is_supervisor(actor):
        raise Forbidden(_("Результат звонка указывает оператор, который звонил"))
    if attempt.disposition_id is not None:
        raise Conflict(_("У этого звонка результат уже указан"))
    disposition = Disposition.objects.filter(pk=disposition_id, campaign=attempt.campaign, is_active=True).first()
    if disposition is None:
        raise ValidationFailed(_("Выберите результат звонка"), field="disposition_id")
    ringing = attempt.state in (AttemptState.DIALING, AttemptState.RINGING)
    if ringing and attempt.campaign.places_calls and (attempt.mode == DialingMode.PROGRESSIVE or attempt.call_ref):
        raise Conflict(_("Вызов ещё идёт: дождитесь ответа или завершения"))
    note = clean_multiline(note, field="note", max_length=2000, label=_("Комментарий"))
    if disposition.is_callback:
        now = timezone.now()
        if callback_at is None:
            raise ValidationFailed(_("Укажите, когда перезвонить"), field="callback_at")
        if callback_at <= now:
            raise ValidationFailed(_("Время перезвона уже прошло"), field="callback_at")
        if callback_at > now + MAX_CALLBACK_AHEAD:
            raise ValidationFailed(_("Перезвон — не дальше чем через 30 дней"), field="callback_at")
    return _apply_disposition(actor=actor, attempt=attempt, disposition=disposition, note=note, callback_at=callback_at)


@transaction.atomic
def cancel_callback(*, actor: User, callback: Callback) -> Callback:
    """Drop a pending callback (the lead waits for its next regular attempt).

    Raises:
        Forbidden: not the agent it was promised by, nor a supervisor.
        Conflict: no longer pending.
    """
    callback = Callback.objects.select_for_update(of=("self",)).select_related("lead").get(pk=callback.pk)
    if callback.agent_id != actor.pk and not roles.is_supervisor(actor):
        raise Forbidden(_("Отменить перезвон может оператор, который его назначил, или руководитель"))
    if callback.status != CallbackStatus.PENDING:
        raise Conflict(_("Перезвон уже выполнен или отменён"))
    now = timezone.now()
    callback.status = CallbackStatus.CANCELLED
    callback.closed_at = now
    callback.save(update_fields=["status", "closed_at"])
    lead = callback.lead
    if lead.status == LeadStatus.CALLBACK:
        lead.status = LeadStatus.RETRY
        lead.updated_at = now
        lead.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=callback, summary="cancelled")
    return callback
