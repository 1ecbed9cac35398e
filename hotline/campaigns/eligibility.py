"""Whether a lead may be dialled now, rule by rule, and why not.

``check_lead`` evaluates every rule and returns every refusal (the lead card shows them all); the dialer's picker
(``services.dialer.pick_next_lead``) takes only leads with none. The rules, in the order they are reported:

1. the campaign is running; 2. the lead's list is active; 3. the lead's status allows a call (new, retry,
callback); 4. attempts < the campaign's maximum; 5. the retry interval of the last disposition has passed;
6. a callback is due and, within the grace time, taken by the agent it was promised by; 7–8. the number is on no
do-not-call list (global, the campaign's); 9. the contact has not withdrawn consent; 9a. advertising campaigns
(win-back, promotions): the contact has given consent to advertising and not revoked it (38-ФЗ art. 18); 10. the
callee's local time is inside the calling window in every zone they may be in; 11–13. debt campaigns: fewer than
1/2/8 interactions with the debtor this day/week/month in the debtor's local time (230-ФЗ).

``Context`` preloads what a batch of leads needs (do-not-call entries, pending callbacks, the debtors' recent
interactions) so the picker checks fifty leads in a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hotline.campaigns.choices import (
    ACTIVE_ATTEMPT_STATES,
    DIALABLE_STATUSES,
    CallbackStatus,
    CampaignKind,
    CampaignStatus,
    LeadStatus,
    Rule,
)
from hotline.campaigns.models import Attempt, Callback, Campaign, DebtorMessage, DoNotCall, Lead
from hotline.campaigns.rules import limits as limit_rules
from hotline.campaigns.rules.windows import LEGAL_DEBT_HOURS, CallingHours, check_window
from hotline.campaigns.rules.zones import unpack
from hotline.core.calendar.api import get_production_calendar
from hotline.core.calendar.production import ProductionCalendar
from hotline.core.models import User
from hotline.customers.models import ConsentRecord
from hotline.customers.selectors import latest_advertising_consents

TIME_RULES = frozenset(
    {Rule.RETRY_INTERVAL, Rule.CALLBACK, Rule.CALLING_WINDOW, Rule.DEBT_DAY, Rule.DEBT_WEEK, Rule.DEBT_MONTH}
)
_LIMIT_RULES = {limit_rules.DAY: Rule.DEBT_DAY, limit_rules.WEEK: Rule.DEBT_WEEK, limit_rules.MONTH: Rule.DEBT_MONTH}
_PERIOD_WORDS = {limit_rules.DAY: "сутки", limit_rules.WEEK: "неделю", limit_rules.MONTH: "месяц"}


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str
    until: datetime | None = None  # when this rule stops holding the lead back, if time alone will do it

    @property
    def label(self) -> str:
        return str(Rule(self.rule).label)


@dataclass
class Verdict:
    lead_id: int
    zones: tuple[str, ...]
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.refusals

    @property
    def rules(self) -> list[str]:
        return [r.rule for r in self.refusals]

    def held_until(self) -> datetime | None:
        """When every refusal is about time: the moment the lead may become dialable; else None."""
        if not self.refusals or any(r.rule not in TIME_RULES or r.until is None for r in self.refusals):
            return None
        return max(r.until for r in self.refusals if r.until is not None)


def calling_hours(campaign: Campaign) -> CallingHours:
    """The campaign's local calling hours; a debt campaign's are cut to 230-ФЗ's whatever was saved."""
    dayoff = (
        (campaign.dayoff_start, campaign.dayoff_end)
        if campaign.dayoff_start is not None and campaign.dayoff_end is not None
        else None
    )
    hours = CallingHours(workday=(campaign.workday_start, campaign.workday_end), dayoff=dayoff)
    return hours.clipped_to(LEGAL_DEBT_HOURS) if campaign.kind == CampaignKind.DEBT else hours


def _fmt(moment: datetime, zone: str | None = None) -> str:
    local = timezone.localtime(moment, ZoneInfo(zone)) if zone else timezone.localtime(moment)
    return formats.date_format(local, "j E H:i")


@dataclass
class Context:
    """What checking a batch of leads needs, loaded once."""

    now: datetime
    production: ProductionCalendar
    dnc: dict[tuple[str, int | None], DoNotCall] = field(default_factory=dict)
    callbacks: dict[int, Callback] = field(default_factory=dict)
    interactions: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    messages: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    ad_consents: dict[int, ConsentRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, leads: Sequence[Lead], *, now: datetime | None = None) -> Context:
        ctx = cls(now=now or timezone.now(), production=get_production_calendar())
        if not leads:
            return ctx
        phones = {lead.phone for lead in leads}
        campaign_ids = {lead.campaign_id for lead in leads}
        for entry in DoNotCall.objects.filter(phone__in=phones).filter(
            Q(campaign__isnull=True) | Q(campaign_id__in=campaign_ids)
        ):
            ctx.dnc[(entry.phone, entry.campaign_id)] = entry
        for callback in Callback.objects.filter(
            lead_id__in=[lead.pk for lead in leads], status=CallbackStatus.PENDING
        ).select_related("agent"):
            ctx.callbacks[callback.lead_id] = callback
        advertised = {lead.contact_id for lead in leads if lead.campaign.is_advertising and lead.contact_id}
        if advertised:
            ctx.ad_consents = latest_advertising_consents(advertised)
        debtors = {lead.debtor_key for lead in leads if lead.campaign.kind == CampaignKind.DEBT}
        if debtors:
            since = ctx.now - limit_rules.LOOKBACK
            # A call counts when someone answered, and while it is still in progress (its outcome unknown).
            for key, at in (
                Attempt.objects.filter(debtor_key__in=debtors, campaign__kind=CampaignKind.DEBT, started_at__gte=since)
                .filter(Q(connected=True) | Q(state__in=list(ACTIVE_ATTEMPT_STATES)))
                .values_list("debtor_key", "started_at")
            ):
                ctx.interactions[key].append(at)
            for key, at in DebtorMessage.objects.filter(debtor_key__in=debtors, sent_at__gte=since).values_list(
                "debtor_key", "sent_at"
            ):
                ctx.messages[key].append(at)
        return ctx


def check_lead(lead: Lead, *, agent: User | None = None, context: Context | None = None) -> Verdict:
    """Every rule that holds ``lead`` back now (an empty list: it may be dialled by ``agent``).

    ``lead`` should come with ``campaign``, ``call_list`` and ``contact`` selected.
    """
    ctx = context or Context.load([lead])
    now = ctx.now
    campaign = lead.campaign
    zones = unpack(lead.zones)
    verdict = Verdict(lead_id=lead.pk, zones=zones)
    refuse = verdict.refusals.append

    if campaign.status != CampaignStatus.RUNNING:
        refuse(Refusal(Rule.CAMPAIGN_NOT_RUNNING, _("Кампания «%(s)s»") % {"s": CampaignStatus(campaign.status).label}))
    if not lead.call_list.is_active:
        refuse(Refusal(Rule.LIST_INACTIVE, _("Список «%(name)s» отключён") % {"name": lead.call_list.name}))
    if lead.status not in DIALABLE_STATUSES:
        if lead.status == LeadStatus.IN_PROGRESS and agent is not None and lead.agent_id == agent.pk:
            pass  # the agent's own reserved lead: they may dial it
        else:
            refuse(Refusal(Rule.STATUS, _("Статус «%(s)s»") % {"s": LeadStatus(lead.status).label}))
    if lead.attempts >= campaign.max_attempts:
        refuse(
            Refusal(
                Rule.MAX_ATTEMPTS,
                _("Сделано попыток: %(n)d из %(max)d") % {"n": lead.attempts, "max": campaign.max_attempts},
            )
        )
    if lead.retry_at is not None and lead.retry_at > now:
        reason = lead.last_disposition.name if lead.last_disposition_id and lead.last_disposition else ""
        refuse(
            Refusal(
                Rule.RETRY_INTERVAL,
                _("Повтор после «%(d)s» не раньше %(at)s") % {"d": reason or "—", "at": _fmt(lead.retry_at)},
                lead.retry_at,
            )
        )
    callback = ctx.callbacks.get(lead.pk)
    if callback is not None:
        if callback.due_at > now:
            refuse(
                Refusal(
                    Rule.CALLBACK, _("Перезвон назначен на %(at)s") % {"at": _fmt(callback.due_at)}, callback.due_at
                )
            )
        elif callback.agent_id is not None and (agent is None or agent.pk != callback.agent_id):
            grace = campaign.callback_grace_minutes
            opens = callback.due_at + timedelta(minutes=grace)
            if grace == 0 or opens > now:
                refuse(
                    Refusal(
                        Rule.CALLBACK,
                        _("Перезвон обещан оператору %(name)s")
                        % {"name": callback.agent.display_name if callback.agent else "—"},
                        opens if grace else None,
                    )
                )
    if (lead.phone, None) in ctx.dnc:
        refuse(Refusal(Rule.DNC_GLOBAL, _("Номер %(phone)s в общем списке «не звонить»") % {"phone": lead.phone}))
    if (lead.phone, campaign.pk) in ctx.dnc:
        refuse(Refusal(Rule.DNC_CAMPAIGN, _("Номер %(phone)s в списке «не звонить» кампании") % {"phone": lead.phone}))
    contact = lead.contact
    if contact is not None and contact.pd_consent_withdrawn_at is not None and not contact.has_consent:
        refuse(
            Refusal(Rule.OPTED_OUT, _("Клиент отозвал согласие %(at)s") % {"at": _fmt(contact.pd_consent_withdrawn_at)})
        )

    if campaign.is_advertising:
        ad_refusal = _advertising_refusal(lead, ctx)
        if ad_refusal is not None:
            refuse(ad_refusal)

    window = check_window(zones, calling_hours(campaign), now, ctx.production)
    if not window.inside:
        shown_zone = zones[0] if len(zones) == 1 else None
        local_now = _fmt(now, shown_zone) if shown_zone else _fmt(now)
        if len(zones) == 1:
            message = _("У абонента сейчас %(now)s (%(zone)s)") % {"now": local_now, "zone": zones[0]}
        else:
            message = _(
                "Часовой пояс абонента не известен точно (%(n)d возможных): звоним только в общее для всех окно"
            ) % {"n": len(zones)}
        if window.opens_at is not None:
            message += _("; можно с %(at)s по вашему времени") % {"at": _fmt(window.opens_at)}
        refuse(Refusal(Rule.CALLING_WINDOW, message, window.opens_at))

    if campaign.kind == CampaignKind.DEBT:
        past = ctx.interactions.get(lead.debtor_key, [])
        for refusal in limit_rules.check_limits(past, now=now, zones=zones, limits=limit_rules.CALL_LIMITS):
            refuse(
                Refusal(
                    _LIMIT_RULES[refusal.period],
                    _("С должником уже было %(n)d из %(limit)d разговоров за %(period)s; следующий — с %(at)s")
                    % {
                        "n": refusal.count,
                        "limit": refusal.limit,
                        "period": _PERIOD_WORDS[refusal.period],
                        "at": _fmt(refusal.until),
                    },
                    refusal.until,
                )
            )
    return verdict


def _advertising_refusal(lead: Lead, ctx: Context) -> Refusal | None:
    if lead.contact_id is None:
        return Refusal(
            Rule.NO_AD_CONSENT, _("Номер не связан с клиентом, давшим согласие на рекламу: рекламный звонок запрещён")
        )
    record = ctx.ad_consents.get(lead.contact_id)
    if record is None:
        return Refusal(Rule.NO_AD_CONSENT, _("Клиент не давал согласия на рекламу"))
    if not record.is_granted:
        return Refusal(Rule.NO_AD_CONSENT, _("Клиент отозвал согласие на рекламу %(at)s") % {"at": _fmt(record.at)})
    return None


def message_refusals(lead: Lead, *, context: Context | None = None) -> list[Refusal]:
    """For a debt campaign: the 230-ФЗ message limits (2 a day, 4 a week, 16 a month) already reached."""
    if lead.campaign.kind != CampaignKind.DEBT:
        return []
    ctx = context or Context.load([lead])
    past = ctx.messages.get(lead.debtor_key, [])
    return [
        Refusal(
            _LIMIT_RULES[r.period],
            _("Должнику уже отправлено %(n)d из %(limit)d сообщений за %(period)s; следующее — с %(at)s")
            % {"n": r.count, "limit": r.limit, "period": _PERIOD_WORDS[r.period], "at": _fmt(r.until)},
            r.until,
        )
        for r in limit_rules.check_limits(
            past, now=ctx.now, zones=unpack(lead.zones), limits=limit_rules.MESSAGE_LIMITS
        )
    ]
