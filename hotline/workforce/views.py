"""Workforce screens: my state and shifts (in my time zone), swaps; for supervisors the roster of a team, swap
approvals, agents' occupancy, teams and templates, and the staffing view (Erlang C against the roster)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError
from hotline.desk.views.common import actor, agent_required, form_error, render_form, supervisor_required
from hotline.workforce import selectors
from hotline.workforce.forms import FillForm, ShiftForm, SwapForm, TeamForm, TemplateForm
from hotline.workforce.models import AgentState, Shift, ShiftSwap, StateSource, Team
from hotline.workforce.services import roster, states


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


def _team(request: HttpRequest) -> Team | None:
    teams = list(Team.objects.order_by("name"))
    wanted = request.GET.get("team") or request.POST.get("team")
    chosen = next((t for t in teams if str(t.pk) == wanted), None)
    return chosen or (teams[0] if teams else None)


# --- the agent ---------------------------------------------------------------------------------------------------
@agent_required
def my(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    zone = selectors.zone_of(user)
    today = timezone.localtime(timezone.now(), zone).date()
    start = datetime.combine(today, time(), tzinfo=zone)
    times = selectors.agent_times([user], start, start + timedelta(days=1))[0]
    return render(
        request,
        "workforce/my.html",
        {
            "nav_section": "workforce",
            "status": states.current_state(user),
            "states": AgentState.choices,
            "shifts": list(selectors.my_shifts(user)),
            "zone": zone,
            "times": times,
            "swap_form": SwapForm(user=user),
            "my_swaps": list(
                ShiftSwap.objects.filter(requested_by=user)
                .select_related("shift", "counterpart", "counterpart_shift")
                .order_by("-created_at")[:10]
            ),
        },
    )


@require_POST
@agent_required
def set_state(request: HttpRequest) -> HttpResponse:
    try:
        states.set_agent_state(
            actor=actor(request), agent=actor(request), state=request.POST.get("state", ""), source=StateSource.UI
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/") and not back.startswith("//") else "workforce:my")


@require_POST
@agent_required
def swap_request(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = SwapForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("Выберите свою смену и коллегу"))
        return redirect("workforce:my")
    try:
        roster.request_swap(
            actor=user,
            shift=form.cleaned_data["shift"],
            counterpart=form.cleaned_data["counterpart"],
            counterpart_shift=form.cleaned_data["counterpart_shift"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Запрос отправлен руководителю"))
    return redirect("workforce:my")


@require_POST
@agent_required
def swap_cancel(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = ShiftSwap.objects.filter(pk=swap_id).first()
    if swap is None:
        raise Http404
    try:
        roster.cancel_swap(actor=actor(request), swap=swap)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("workforce:my")


# --- supervisors -------------------------------------------------------------------------------------------------
@supervisor_required
def roster_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    team = _team(request)
    if team is None:
        messages.info(request, _("Создайте команду, чтобы составить расписание"))
        return redirect("workforce:teams")
    # The roster is shown in the viewer's own time zone unless they ask for the team's.
    zone = selectors.team_zone(team) if request.GET.get("tz") == "team" else selectors.zone_of(user)
    today = timezone.localtime(timezone.now(), zone).date()
    week = _date(request.GET.get("week"), today)
    monday = week - timedelta(days=week.weekday())
    days, rows = selectors.roster_week(team, monday, zone)
    shift_form = ShiftForm(team=team, prefix="shift")
    fill_form = FillForm(team=team, prefix="fill", initial={"date_from": monday, "date_to": monday + timedelta(days=6)})
    return _roster_render(request, team, zone, monday, days, rows, shift_form, fill_form)


def _roster_render(
    request: HttpRequest,
    team: Team,
    zone: Any,
    monday: date,
    days: list[date],
    rows: Any,
    shift_form: ShiftForm,
    fill_form: FillForm,
) -> HttpResponse:
    return render_form(
        request,
        "workforce/roster.html",
        {
            "nav_section": "staffing",
            "team": team,
            "teams": list(Team.objects.order_by("name")),
            "zone": zone,
            "monday": monday,
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "days": days,
            "rows": rows,
            "shift_form": shift_form,
            "fill_form": fill_form,
            "tz_team": request.GET.get("tz") == "team",
        },
    )


def _roster_url(team: Team, when: date | None = None) -> str:
    suffix = f"&week={when.isoformat()}" if when else ""
    return f"{reverse('workforce:roster')}?team={team.pk}{suffix}"


@require_POST
@supervisor_required
def shift_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404
    user = actor(request)
    form = ShiftForm(request.POST, team=team, prefix="shift")
    if form.is_valid():
        data = form.cleaned_data
        try:
            shift = roster.create_shift(
                actor=user,
                team=team,
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                break_minutes=data["break_minutes"] or 0,
                note=data["note"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Смена добавлена"))
            return redirect(_roster_url(team, timezone.localtime(shift.starts_at, selectors.zone_of(user)).date()))
    zone = selectors.zone_of(user)
    monday = timezone.localtime(timezone.now(), zone).date()
    monday -= timedelta(days=monday.weekday())
    days, rows = selectors.roster_week(team, monday, zone)
    return _roster_render(request, team, zone, monday, days, rows, form, FillForm(team=team, prefix="fill"))


@require_POST
@supervisor_required
def shift_fill(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404
    form = FillForm(request.POST, team=team, prefix="fill")
    if not form.is_valid():
        messages.error(request, _("Выберите шаблон, сотрудников, даты и дни недели"))
        return redirect(_roster_url(team))
    try:
        result = roster.fill_from_template(
            actor=actor(request),
            team=team,
            template=form.cleaned_data["template"],
            users=list(form.cleaned_data["users"]),
            days=form.days(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_roster_url(team))
    messages.success(request, _("Добавлено смен: %(n)d") % {"n": len(result.created)})
    for line in result.skipped[:8]:
        messages.error(request, line)
    if len(result.skipped) > 8:
        messages.error(request, _("…и ещё пропущено: %(n)d") % {"n": len(result.skipped) - 8})
    return redirect(_roster_url(team, form.cleaned_data["date_from"]))


@require_POST
@supervisor_required
def shift_delete(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = Shift.objects.select_related("team").filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    team = shift.team
    week = timezone.localtime(shift.starts_at, selectors.zone_of(actor(request))).date()
    roster.delete_shift(actor=actor(request), shift=shift)
    messages.success(request, _("Смена удалена"))
    return redirect(_roster_url(team, week))


@supervisor_required
def swaps(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workforce/swaps.html",
        {
            "nav_section": "staffing",
            "swaps": list(selectors.pending_swaps()[:200]),
            "zone": selectors.zone_of(actor(request)),
        },
    )


@require_POST
@supervisor_required
def swap_decide(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = ShiftSwap.objects.filter(pk=swap_id).first()
    if swap is None:
        raise Http404
    try:
        roster.decide_swap(actor=actor(request), swap=swap, approve=request.POST.get("decision") == "approve")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Решение сохранено"))
    return redirect("workforce:swaps")


@supervisor_required
def agents(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    team = _team(request)
    zone = selectors.zone_of(user)
    today = timezone.localtime(timezone.now(), zone).date()
    day_from = _date(request.GET.get("from"), today)
    day_to = _date(request.GET.get("to"), day_from)
    start = datetime.combine(day_from, time(), tzinfo=zone)
    end = datetime.combine(max(day_to, day_from) + timedelta(days=1), time(), tzinfo=zone)
    members = list(team.members.filter(is_active=True)) if team else []
    return render(
        request,
        "workforce/agents.html",
        {
            "nav_section": "staffing",
            "team": team,
            "teams": list(Team.objects.order_by("name")),
            "rows": selectors.agents_overview(members, start, end),
            "day_from": day_from,
            "day_to": day_to,
            "states": AgentState.choices,
        },
    )


@supervisor_required
def staffing(request: HttpRequest) -> HttpResponse:
    team = _team(request)
    if team is None:
        messages.info(request, _("Создайте команду, чтобы увидеть прогноз и нехватку людей"))
        return redirect("workforce:teams")
    zone = selectors.team_zone(team)
    today = timezone.localtime(timezone.now(), zone).date()
    day = _date(request.GET.get("date"), today)
    try:
        view = selectors.staffing_view(team, day)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workforce:teams")
    return render(
        request,
        "workforce/staffing.html",
        {
            "nav_section": "staffing",
            "team": team,
            "teams": list(Team.objects.order_by("name")),
            "view": view,
            "day": day,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
        },
    )


@supervisor_required
def teams(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = roster.save_team(actor=actor(request), data=form.to_input())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Команда создана: добавьте шаблоны смен"))
            return redirect("workforce:team", team_id=team.pk)
    return render_form(
        request,
        "workforce/teams.html",
        {"nav_section": "staffing", "teams": list(selectors.list_teams()), "form": form},
    )


@supervisor_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404
    initial = {
        f: getattr(team, f)
        for f in (
            "name",
            "time_zone",
            "assign_only_available",
            "target_service_level",
            "answer_seconds",
            "shrinkage",
            "default_aht_seconds",
            "history_weeks",
        )
    }
    initial["members"] = list(team.members.values_list("pk", flat=True))
    initial["queues"] = list(team.queues.values_list("pk", flat=True))
    form = TeamForm(request.POST or None, initial=initial, prefix="team")
    template_form = TemplateForm(prefix="tpl")
    if request.method == "POST" and "tpl-name" in request.POST:
        form = TeamForm(initial=initial, prefix="team")
        template_form = TemplateForm(request.POST, prefix="tpl")
        if template_form.is_valid():
            try:
                roster.save_template(actor=actor(request), team=team, **template_form.cleaned_data)
            except DomainError as exc:
                form_error(template_form, exc)
            else:
                messages.success(request, _("Шаблон смены сохранён"))
                return redirect("workforce:team", team_id=team.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            roster.save_team(actor=actor(request), data=form.to_input(), team=team)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Команда сохранена"))
            return redirect("workforce:team", team_id=team.pk)
    return render_form(
        request,
        "workforce/team.html",
        {
            "nav_section": "staffing",
            "team": team,
            "form": form,
            "template_form": template_form,
            "templates": list(team.templates.all()),
        },
    )
