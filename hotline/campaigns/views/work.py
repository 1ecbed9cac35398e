"""The agent's campaign workspace: join a campaign, take leads (preview) or be dialled (progressive), see the
script and the card, record dispositions, callbacks and debtor messages.

The seat panel (``#seat``) refreshes itself every few seconds while a call is being placed or the agent waits;
a waiting progressive seat asks the dialer again on each refresh, so work arrives as soon as a lead is eligible.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.campaigns import permissions, selectors
from hotline.campaigns.choices import CampaignStatus, DialingMode, SeatState
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.forms import DispositionChoiceForm, MessageForm
from hotline.campaigns.models import Attempt, Callback, Lead, Seat
from hotline.campaigns.services import dialer
from hotline.campaigns.services.messages import record_debtor_message
from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.desk.views.common import actor, agent_required, is_htmx

_PLACEHOLDER = re.compile(r"\{([^{}]{1,64})\}")


def render_script(script: str, lead: Lead) -> str:
    """The campaign's script with the lead's values in place of {placeholders}; unknown ones stay as written."""
    values: dict[str, Any] = {
        "name": lead.name,
        "phone": lead.phone,
        "external_id": lead.external_id,
        "address": lead.address,
    }
    values.update({str(k): v for k, v in (lead.data or {}).items()})
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1).strip(), m.group(0))), script)


def _seat(user: User) -> Seat:
    seat = Seat.objects.select_related("campaign", "lead", "attempt", "attempt__disposition").filter(agent=user).first()
    return seat or Seat(agent=user)


def _seat_context(request: HttpRequest, user: User) -> dict[str, Any]:
    seat = _seat(user)
    lead = None
    if seat.lead_id is not None:
        lead = Lead.objects.select_related("campaign", "call_list", "contact", "last_disposition").get(pk=seat.lead_id)
    context: dict[str, Any] = {"seat": seat, "lead": lead, "now": timezone.now()}
    if lead is not None:
        context["script"] = render_script(lead.campaign.script, lead)
        context["previous"] = list(lead.attempt_set.select_related("agent", "disposition").order_by("-started_at")[:5])
        if seat.state == SeatState.PREVIEW:
            context["verdict"] = check_lead(lead, agent=user)
        if lead.campaign.is_debt:
            context["message_form"] = MessageForm()
    if seat.attempt_id is not None and seat.campaign_id is not None:
        context["disposition_form"] = DispositionChoiceForm(campaign_id=seat.campaign_id)
    context["polling"] = seat.state in (SeatState.DIALING, SeatState.TALKING) or (
        seat.state == SeatState.WAITING
        and seat.campaign is not None
        and seat.campaign.dialing_mode == DialingMode.PROGRESSIVE
    )
    return context


@agent_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    campaigns = list(selectors.list_campaigns(user).filter(status=CampaignStatus.RUNNING))
    return render(
        request,
        "campaigns/work.html",
        {
            "nav_section": "campaign_work",
            "campaigns": campaigns,
            "callbacks": list(selectors.my_callbacks(user)[:20]),
            **_seat_context(request, user),
        },
    )


@agent_required
def seat(request: HttpRequest) -> HttpResponse:
    """The seat panel alone (htmx polling). A waiting progressive seat asks the dialer for the next lead first."""
    user = actor(request)
    current = Seat.objects.select_related("campaign").filter(agent=user).first()
    if (
        current is not None
        and current.state == SeatState.WAITING
        and current.campaign is not None
        and current.campaign.dialing_mode == DialingMode.PROGRESSIVE
    ):
        dialer.dial_next_progressive(agent_id=user.pk)
    return render(request, "campaigns/partials/seat.html", _seat_context(request, user))


def _back(request: HttpRequest) -> HttpResponse:
    if is_htmx(request):
        return render(request, "campaigns/partials/seat.html", _seat_context(request, actor(request)))
    return redirect("campaigns:work")


@require_POST
@agent_required
def join(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    try:
        campaign = selectors.get_campaign_for(user, campaign_id)
        dialer.join_campaign(actor=user, campaign=campaign, extension=request.POST.get("extension", ""))
        if campaign.dialing_mode == DialingMode.PREVIEW:
            dialer.next_lead(actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:work")


@require_POST
@agent_required
def leave(request: HttpRequest) -> HttpResponse:
    try:
        dialer.leave_campaign(actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:work")


@require_POST
@agent_required
def next_lead(request: HttpRequest) -> HttpResponse:
    try:
        dialer.next_lead(actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
@agent_required
def skip(request: HttpRequest) -> HttpResponse:
    try:
        dialer.skip_lead(actor=actor(request))
        dialer.next_lead(actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
@agent_required
def dial(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = actor(request)
    try:
        lead = selectors.get_lead_for(user, lead_id)
        dialer.dial_lead(actor=user, lead=lead)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@require_POST
@agent_required
def disposition(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = actor(request)
    attempt = Attempt.objects.select_related("campaign").filter(pk=attempt_id).first()
    if attempt is None or (attempt.agent_id != user.pk and not permissions.can_manage_campaigns(user)):
        raise Http404
    form = DispositionChoiceForm(request.POST, campaign_id=attempt.campaign_id)
    if not form.is_valid():
        messages.error(request, _("Выберите результат звонка"))
        return _back(request)
    callback_at = form.cleaned_data["callback_at"]
    if callback_at is not None and timezone.is_naive(callback_at):
        callback_at = timezone.make_aware(callback_at)
    try:
        dialer.set_disposition(
            actor=user,
            attempt=attempt,
            disposition_id=form.cleaned_data["disposition"].pk,
            note=form.cleaned_data["note"],
            callback_at=callback_at,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    seat_row = Seat.objects.select_related("campaign").filter(agent=user).first()
    if seat_row is not None and seat_row.campaign is not None and seat_row.campaign.dialing_mode == DialingMode.PREVIEW:
        try:
            dialer.next_lead(actor=user)
        except DomainError as exc:
            messages.error(request, exc.message)
    return _back(request)


@require_POST
@agent_required
def message(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = actor(request)
    form = MessageForm(request.POST)
    try:
        lead = selectors.get_lead_for(user, lead_id)
        if not form.is_valid():
            messages.error(request, _("Выберите канал и напишите текст"))
        else:
            record_debtor_message(
                actor=user, lead=lead, channel=form.cleaned_data["channel"], text=form.cleaned_data["text"]
            )
            messages.success(request, _("Сообщение записано"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@agent_required
def callbacks(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    return render(
        request,
        "campaigns/callbacks.html",
        {"nav_section": "campaign_work", "callbacks": list(selectors.my_callbacks(user)[:200])},
    )


@require_POST
@agent_required
def cancel_callback(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = Callback.objects.filter(pk=callback_id).first()
    if callback is None:
        raise Http404
    try:
        dialer.cancel_callback(actor=actor(request), callback=callback)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Перезвон отменён"))
    return redirect("campaigns:callbacks")
