"""Reads for campaign pages and endpoints: access-scoped fetches, lists, and the statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.campaigns import permissions
from hotline.campaigns.choices import CallbackStatus, LeadStatus
from hotline.campaigns.models import Attempt, Callback, CallList, Campaign, DoNotCall, ImportJob, Lead
from hotline.core import roles
from hotline.core.errors import NotFound
from hotline.core.models import User


def visible_campaigns(actor: Any) -> QuerySet[Campaign]:
    """Supervisors see every campaign; agents those they are listed on (or that list nobody)."""
    if not roles.is_agent(actor):
        return Campaign.objects.none()
    qs = Campaign.objects.all()
    if roles.is_supervisor(actor):
        return qs
    return qs.annotate(n_agents=Count("agents")).filter(Q(n_agents=0) | Q(agents=actor)).distinct()


def get_campaign_for(actor: Any, campaign_id: int) -> Campaign:
    """Raises: NotFound — missing or not visible (one answer for both)."""
    campaign = visible_campaigns(actor).select_related("gateway", "pbx_source").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Кампания не найдена"))
    return campaign


def get_lead_for(actor: Any, lead_id: int) -> Lead:
    """Raises: NotFound."""
    lead = (
        Lead.objects.select_related("campaign", "call_list", "contact", "last_disposition", "agent")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None or not permissions.can_work_campaign(actor, lead.campaign):
        raise NotFound(_("Абонент не найден"))
    return lead


def get_import_for(actor: Any, job_id: int) -> ImportJob:
    """Raises: NotFound (imports are the supervisors')."""
    job = ImportJob.objects.select_related("campaign", "call_list").filter(pk=job_id).first()
    if job is None or not permissions.can_manage_campaigns(actor):
        raise NotFound(_("Загрузка не найдена"))
    return job


def list_campaigns(actor: Any) -> QuerySet[Campaign]:
    return (
        visible_campaigns(actor)
        .annotate(
            lead_count=Count("leads", distinct=True),
            open_count=Count(
                "leads",
                filter=Q(
                    leads__status__in=[LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK, LeadStatus.IN_PROGRESS]
                ),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-id")
    )


@dataclass
class CallFailures:
    """Calls the PBX did not place in the last day: how many, and the latest with their reasons."""

    count: int
    latest: list[Attempt]


def call_failures(campaign: Campaign, *, hours: int = 24, limit: int = 10) -> CallFailures:
    since = timezone.now() - timedelta(hours=hours)
    failed = Attempt.objects.filter(campaign=campaign, started_at__gte=since).exclude(error="")
    return CallFailures(
        count=failed.count(),
        latest=list(failed.select_related("agent", "lead").order_by("-started_at", "-pk")[:limit]),
    )


def list_call_lists(campaign: Campaign) -> QuerySet[CallList]:
    return campaign.lists.annotate(lead_count=Count("leads")).order_by("-created_at", "-id")


def list_leads(campaign: Campaign, *, status: str = "", q: str = "") -> QuerySet[Lead]:
    qs = Lead.objects.filter(campaign=campaign).select_related("last_disposition", "call_list", "agent")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(phone__contains=q.strip()) | Q(name__icontains=q.strip()) | Q(external_id=q.strip()))
    return qs.order_by("-priority", "pk")


def list_dnc(q: str = "") -> QuerySet[DoNotCall]:
    qs = DoNotCall.objects.select_related("campaign", "created_by")
    if q:
        qs = qs.filter(phone__contains="".join(ch for ch in q if ch.isdigit() or ch == "+"))
    return qs.order_by("-created_at", "-id")


def my_callbacks(agent: User) -> QuerySet[Callback]:
    return (
        Callback.objects.filter(agent=agent, status=CallbackStatus.PENDING)
        .select_related("lead", "lead__campaign")
        .order_by("due_at", "pk")
    )


# --- statistics ------------------------------------------------------------------------------------------------
@dataclass
class Figures:
    attempts: int = 0
    connected: int = 0
    contacts: int = 0
    successes: int = 0
    leads: set[int] = field(default_factory=set)

    @property
    def lead_count(self) -> int:
        return len(self.leads)

    @property
    def contact_rate(self) -> float:
        """Share of attempts that reached the person the campaign wanted."""
        return self.contacts / self.attempts if self.attempts else 0.0

    @property
    def conversion(self) -> float:
        """Share of contacts that ended in success."""
        return self.successes / self.contacts if self.contacts else 0.0

    @property
    def attempts_per_lead(self) -> float:
        return self.attempts / self.lead_count if self.lead_count else 0.0

    def add(self, lead_id: int, connected: bool, contact: bool, success: bool) -> None:
        self.attempts += 1
        self.connected += connected
        self.contacts += contact
        self.successes += success
        self.leads.add(lead_id)


@dataclass
class CampaignStats:
    total: Figures
    by_agent: list[tuple[str, Figures]]
    by_day: list[tuple[date, Figures]]
    by_disposition: list[tuple[str, int]]
    lead_statuses: list[tuple[str, int]]
    leads_total: int


def campaign_stats(campaign: Campaign, *, date_from: date | None = None, date_to: date | None = None) -> CampaignStats:
    """Attempts, contact rate, conversion and attempts per lead — overall, by agent and by day (local dates).

    Three queries whatever the size: the attempts grouped in the database, the lead statuses, the dispositions.
    """
    attempts = Attempt.objects.filter(campaign=campaign)
    if date_from is not None:
        attempts = attempts.filter(started_at__date__gte=date_from)
    if date_to is not None:
        attempts = attempts.filter(started_at__date__lte=date_to)
    rows = (
        attempts.annotate(day=TruncDate("started_at"))
        .values(
            "day",
            "agent_id",
            "agent__first_name",
            "agent__last_name",
            "agent__username",
            "lead_id",
            "connected",
            "disposition__is_contact",
            "disposition__is_success",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = Figures()
    by_agent: dict[int | None, tuple[str, Figures]] = {}
    by_day: dict[date, Figures] = defaultdict(Figures)
    for row in rows:
        name = " ".join(p for p in (row["agent__first_name"], row["agent__last_name"]) if p) or row["agent__username"]
        agent_key = row["agent_id"]
        if agent_key not in by_agent:
            by_agent[agent_key] = (name or _("Без оператора"), Figures())
        for _i in range(row["n"]):
            flags = (bool(row["connected"]), bool(row["disposition__is_contact"]), bool(row["disposition__is_success"]))
            total.add(row["lead_id"], *flags)
            by_agent[agent_key][1].add(row["lead_id"], *flags)
            by_day[row["day"]].add(row["lead_id"], *flags)
    dispositions = list(
        attempts.filter(disposition__isnull=False)
        .values_list("disposition__name")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    statuses = dict(Lead.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk")).order_by())
    return CampaignStats(
        total=total,
        by_agent=sorted(by_agent.values(), key=lambda item: (-item[1].attempts, item[0])),
        by_day=sorted(by_day.items()),
        by_disposition=[(str(name), n) for name, n in dispositions],
        lead_statuses=[(str(LeadStatus(s).label), statuses[s]) for s in LeadStatus.values if s in statuses],
        leads_total=sum(statuses.values()),
    )
