"""Supervisors' campaign screens: list, create/edit, start/pause/finish, dispositions, list import with column
mapping and progress, segments, leads, do-not-call, statistics with the XLSX export."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.campaigns import permissions, selectors
from hotline.campaigns.choices import CampaignStatus, ImportStatus, LeadStatus
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.export import stats_workbook
from hotline.campaigns.forms import (
    CampaignForm,
    DispositionForm,
    DncForm,
    LeadFilterForm,
    MappingForm,
    SegmentForm,
    UploadForm,
)
from hotline.campaigns.models import Campaign, DoNotCall
from hotline.campaigns.services import campaigns as campaign_services
from hotline.campaigns.services import dnc as dnc_services
from hotline.campaigns.services import imports
from hotline.campaigns.services.campaigns import DispositionInput
from hotline.core import audit
from hotline.core.errors import DomainError
from hotline.core.models import AuditLog
from hotline.desk.views.common import actor, agent_required, form_error, is_htmx, render_form, supervisor_required

PAGE_SIZE = 50


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return selectors.get_campaign_for(actor(request), campaign_id)


@agent_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    rows = list(selectors.list_campaigns(user))
    return render(
        request,
        "campaigns/list.html",
        {"nav_section": "campaigns", "campaigns": rows, "can_manage": permissions.can_manage_campaigns(user)},
    )


@supervisor_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.create_campaign(actor=actor(request), data=form.to_input())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Кампания создана: загрузите список обзвона"))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render_form(request, "campaigns/form.html", {"nav_section": "campaigns", "form": form, "campaign": None})


@supervisor_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    initial = {
        **{f: getattr(campaign, f) for f in ("name", "code", "kind", "dialing_mode", "max_attempts", "description")},
        **{
            f: getattr(campaign, f)
            for f in ("default_retry_minutes", "workday_start", "workday_end", "dayoff_start", "dayoff_end")
        },
        "callback_grace_minutes": campaign.callback_grace_minutes,
        "script": campaign.script,
        "gateway": campaign.gateway_id,
        "pbx_source": campaign.pbx_source_id,
        "caller_id": campaign.caller_id,
        "ring_timeout_s": campaign.ring_timeout_s,
        "agents": list(campaign.agents.values_list("pk", flat=True)),
    }
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.update_campaign(actor=actor(request), campaign=campaign, data=form.to_input())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Настройки сохранены"))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render_form(request, "campaigns/form.html", {"nav_section": "campaigns", "form": form, "campaign": campaign})


@agent_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = _campaign(request, campaign_id)
    if not permissions.can_manage_campaigns(user):
        return redirect("campaigns:work")
    stats = selectors.campaign_stats(campaign)
    return render(
        request,
        "campaigns/detail.html",
        {
            "nav_section": "campaigns",
            "campaign": campaign,
            "lists": list(selectors.list_call_lists(campaign)),
            "imports": list(campaign.imports.select_related("call_list").order_by("-created_at")[:10]),
            "dispositions": list(campaign.dispositions.order_by("position", "pk")),
            "stats": stats,
            "transitions": _transitions(campaign),
            "seats": list(campaign.seats.select_related("agent", "lead").order_by("agent__last_name")),
            "failures": selectors.call_failures(campaign),
        },
    )


def _transitions(campaign: Campaign) -> list[tuple[str, str]]:
    labels = {
        CampaignStatus.RUNNING: _("Запустить") if campaign.status == CampaignStatus.DRAFT else _("Продолжить"),
        CampaignStatus.PAUSED: _("Пауза"),
        CampaignStatus.FINISHED: _("Завершить"),
    }
    from hotline.campaigns.choices import CAMPAIGN_TRANSITIONS

    return [(s, labels[CampaignStatus(s)]) for s in sorted(CAMPAIGN_TRANSITIONS[campaign.status]) if s in labels]


@require_POST
@supervisor_required
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    try:
        campaign_services.change_campaign_status(
            actor=actor(request), campaign=campaign, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Состояние кампании изменено"))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@supervisor_required
def dispositions(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = DispositionForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.save_disposition(actor=actor(request), campaign=campaign, data=_disposition_input(form))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Результат звонка добавлен"))
            return redirect("campaigns:dispositions", campaign_id=campaign.pk)
    return render_form(
        request,
        "campaigns/dispositions.html",
        {
            "nav_section": "campaigns",
            "campaign": campaign,
            "form": form,
            "dispositions": list(campaign.dispositions.order_by("position", "pk")),
        },
    )


def _disposition_input(form: DispositionForm) -> DispositionInput:
    data = form.cleaned_data
    return DispositionInput(
        code=data["code"],
        name=data["name"],
        flags=form.flags(),
        retry_minutes=data["retry_minutes"],
        auto_outcome=data["auto_outcome"] or "",
        position=data["position"] or 0,
        is_active=data["is_active"],
    )


@supervisor_required
def disposition_edit(request: HttpRequest, campaign_id: int, disposition_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    disposition = campaign.dispositions.filter(pk=disposition_id).first()
    if disposition is None:
        raise Http404
    initial = {
        f: getattr(disposition, f)
        for f in (
            "code",
            "name",
            "position",
            "retry_minutes",
            "auto_outcome",
            "is_active",
            *campaign_services.FLAG_FIELDS,
        )
    }
    form = DispositionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.save_disposition(
                actor=actor(request), campaign=campaign, data=_disposition_input(form), disposition=disposition
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Результат звонка сохранён"))
            return redirect("campaigns:dispositions", campaign_id=campaign.pk)
    return render_form(
        request,
        "campaigns/disposition_edit.html",
        {"nav_section": "campaigns", "campaign": campaign, "form": form, "disposition": disposition},
    )


# --- lists -------------------------------------------------------------------------------------------------------
@supervisor_required
def import_upload(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.upload_list(actor=actor(request), campaign=campaign, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("campaigns:import_job", job_id=job.pk)
    return render_form(
        request, "campaigns/import.html", {"nav_section": "campaigns", "campaign": campaign, "form": form}
    )


@supervisor_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The mapping form while the file waits; then the progress bar; then the report of rejected rows."""
    job = selectors.get_import_for(actor(request), job_id)
    form = None
    if job.status == ImportStatus.UPLOADED:
        form = MappingForm(
            request.POST or None,
            headers=job.headers,
            initial_mapping=job.mapping,
            initial={"list_name": job.original_name},
        )
        if request.method == "POST" and form.is_valid():
            try:
                imports.start_import(
                    actor=actor(request), job=job, mapping=form.mapping(), list_name=form.cleaned_data["list_name"]
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                return redirect("campaigns:import_job", job_id=job.pk)
    rejections = list(job.rejections.order_by("row_number", "pk")[:200])
    context = {
        "nav_section": "campaigns",
        "job": job,
        "campaign": job.campaign,
        "form": form,
        "rejections": rejections,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }
    if is_htmx(request) and form is None:
        return render(request, "campaigns/partials/import_progress.html", context)
    return render_form(request, "campaigns/import_job.html", context)


@supervisor_required
def import_rejections_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    """Every rejected row with its reason, as CSV (UTF-8 with BOM so Excel opens it in Russian)."""
    job = selectors.get_import_for(actor(request), job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    headers = job.headers or ["contact_id", "name", "phone"]
    writer.writerow([_("Строка"), _("Причина"), _("Пояснение"), *headers])
    for rejection in job.rejections.order_by("row_number", "pk").iterator():
        writer.writerow(
            [
                rejection.row_number,
                rejection.get_reason_display(),
                rejection.message,
                *[rejection.raw.get(h, "") for h in headers],
            ]
        )
    audit.record(actor=actor(request), action=AuditLog.Action.EXPORT, obj=job, summary="rejections.csv")
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.csv"'
    return response


@supervisor_required
def segment(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.build_segment_list(
                actor=actor(request),
                campaign=campaign,
                name=form.cleaned_data["name"],
                tag_ids=[t.pk for t in form.cleaned_data["tags"]],
                organisation_ids=[o.pk for o in form.cleaned_data["organisations"]],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("campaigns:import_job", job_id=job.pk)
    return render_form(
        request, "campaigns/segment.html", {"nav_section": "campaigns", "campaign": campaign, "form": form}
    )


@require_POST
@supervisor_required
def list_toggle(request: HttpRequest, campaign_id: int, list_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    call_list = campaign.lists.filter(pk=list_id).first()
    if call_list is None:
        raise Http404
    imports.set_list_active(actor=actor(request), call_list=call_list, active=not call_list.is_active)
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@supervisor_required
def leads(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = LeadFilterForm(request.GET or None)
    status = q = ""
    if form.is_valid():
        status, q = form.cleaned_data["status"], form.cleaned_data["q"]
    page = Paginator(selectors.list_leads(campaign, status=status, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/leads.html",
        {"nav_section": "campaigns", "campaign": campaign, "form": form, "page": page, "leads": list(page.object_list)},
    )


@agent_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead's card: what the list said, every attempt, and every rule that holds it back right now."""
    user = actor(request)
    lead = selectors.get_lead_for(user, lead_id)
    verdict = check_lead(lead, agent=user)
    audit.record_view(actor=user, obj=lead, summary=lead.phone)
    return render(
        request,
        "campaigns/lead.html",
        {
            "nav_section": "campaigns",
            "lead": lead,
            "campaign": lead.campaign,
            "verdict": verdict,
            "attempts": list(lead.attempt_set.select_related("agent", "disposition").order_by("-started_at")),
            "callbacks": list(lead.callbacks.select_related("agent").order_by("-due_at")),
            "can_manage": permissions.can_manage_campaigns(user),
            "lead_statuses": LeadStatus,
        },
    )


# --- do-not-call -------------------------------------------------------------------------------------------------
@supervisor_required
def dnc(request: HttpRequest) -> HttpResponse:
    return _dnc_page(request, campaign=None)


@supervisor_required
def campaign_dnc(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _dnc_page(request, campaign=_campaign(request, campaign_id))


def _dnc_page(request: HttpRequest, *, campaign: Campaign | None) -> HttpResponse:
    form = DncForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dnc_services.block_number(
                actor=actor(request),
                phone=form.cleaned_data["phone"],
                campaign=campaign,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Номер добавлен в список «не звонить»"))
            return redirect(request.get_full_path())
    q = request.GET.get("q", "").strip()
    entries = selectors.list_dnc(q)
    entries = entries.filter(campaign=campaign) if campaign is not None else entries
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_form(
        request,
        "campaigns/dnc.html",
        {
            "nav_section": "campaigns_dnc" if campaign is None else "campaigns",
            "campaign": campaign,
            "form": form,
            "page": page,
            "entries": list(page.object_list),
            "q": q,
        },
    )


@require_POST
@supervisor_required
def dnc_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = DoNotCall.objects.filter(pk=entry_id).first()
    back = request.POST.get("next") or ""
    try:
        dnc_services.unblock_number(actor=actor(request), entry_id=entry_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Номер %(p)s убран из списка «не звонить»") % {"p": entry.phone if entry else ""})
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("campaigns:dnc")


# --- statistics --------------------------------------------------------------------------------------------------
def _dates(request: HttpRequest) -> tuple[date | None, date | None]:
    def parse(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return parse("from"), parse("to")


@supervisor_required
def stats(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    date_from, date_to = _dates(request)
    return render(
        request,
        "campaigns/stats.html",
        {
            "nav_section": "campaigns",
            "campaign": campaign,
            "stats": selectors.campaign_stats(campaign, date_from=date_from, date_to=date_to),
            "date_from": date_from,
            "date_to": date_to,
        },
    )


@supervisor_required
def stats_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    date_from, date_to = _dates(request)
    data = stats_workbook(campaign, selectors.campaign_stats(campaign, date_from=date_from, date_to=date_to))
    audit.record(actor=actor(request), action=AuditLog.Action.EXPORT, obj=campaign, summary="stats.xlsx")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.code}-stats.xlsx"'
    return response
