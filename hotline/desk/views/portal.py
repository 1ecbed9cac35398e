"""The customer portal: sign up, submit a request, follow it, reply, rate the solution.

Customers see only their own tickets (the desk selectors scope them), never internal notes, and
are told on their list when a request's status changed since they last looked.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hotline.core.errors import DomainError
from hotline.customers.accounts import register_customer
from hotline.desk import permissions, selectors
from hotline.desk.choices import Channel, Status
from hotline.desk.forms import PortalReplyForm, PortalTicketForm, RatingForm, SignupForm
from hotline.desk.models import SatisfactionRating, Ticket
from hotline.desk.services import messages as message_services
from hotline.desk.services import rating as rating_services
from hotline.desk.services import tickets as ticket_services
from hotline.desk.views.common import actor, customer_required, form_error, render_form
from hotline.web import selectors as web_selectors
from hotline.web import services as web_services

PAGE_SIZE = 50


def _seen_key(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if permissions.contact_of(user) is None:
        return render(request, "portal/no_profile.html", {"nav_section": "requests"})
    show = request.GET.get("show", "open")
    qs = selectors.list_tickets(user)
    if show == "open":
        qs = qs.exclude(status__in=[Status.CLOSED, Status.CANCELLED])
    tickets = list(
        qs.annotate(
            last_status_at=Max("history__at", filter=Q(history__field="status") | Q(history__action="resolved"))
        )[:PAGE_SIZE]
    )
    seen = web_selectors.seen_at(user, [_seen_key(t.pk) for t in tickets])
    rated = set(SatisfactionRating.objects.filter(ticket__in=tickets).values_list("ticket_id", flat=True))
    rows = []
    for t in tickets:
        last_seen = seen.get(_seen_key(t.pk))
        changed = t.last_status_at is not None and (last_seen is None or t.last_status_at > last_seen)
        # A request the customer has never opened since filing it is not "changed" by its own opening.
        if last_seen is None and t.status == Status.NEW:
            changed = False
        rows.append(
            {"t": t, "changed": changed, "can_rate": t.status in (Status.RESOLVED, Status.CLOSED) and t.pk not in rated}
        )
    return render(
        request,
        "portal/home.html",
        {"nav_section": "requests", "rows": rows, "show": show, "changed_count": sum(r["changed"] for r in rows)},
    )


@customer_required
def new_request(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if permissions.contact_of(user) is None:
        return render(request, "portal/no_profile.html", {"nav_section": "new"})
    form = PortalTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_services.open_ticket(
                actor=user,
                subject=data["subject"],
                description=data["description"],
                channel=Channel.PORTAL,
                category=data["category"],
                attachments=data["attachments"],
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            web_services.mark_seen(user=user, keys=[_seen_key(ticket.pk)])
            messages.success(
                request,
                _("Обращение %(number)s принято. Мы сообщим, когда статус изменится.") % {"number": ticket.number},
            )
            return redirect("portal:detail", ref=ticket.number)
    return render_form(request, "portal/new.html", {"nav_section": "new", "form": form})


def _detail_context(request: HttpRequest, ticket: Ticket, **bound: Any) -> dict[str, Any]:
    user = actor(request)
    history = [
        h
        for h in selectors.ticket_history(user, ticket)
        if h.field == "status" or h.action in ("resolved", "reopened", "closed", "cancelled")
    ]
    timeline: list[dict[str, Any]] = [{"at": m.created_at, "m": m} for m in selectors.list_messages(user, ticket)]
    for h in history:
        label = Status(h.new_value).label if h.new_value in Status.values else ""
        if label:
            timeline.append({"at": h.at, "status": label, "code": h.new_value})
    timeline.sort(key=lambda i: i["at"])
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    context: dict[str, Any] = {
        "nav_section": "requests",
        "ticket": ticket,
        "timeline": timeline,
        "rating": rating,
        "can_reply": ticket.status not in (Status.CLOSED, Status.CANCELLED),
        "can_rate": rating is None
        and ticket.status in (Status.RESOLVED, Status.CLOSED)
        and permissions.is_ticket_requester(user, ticket),
        "reply_form": PortalReplyForm(),
        "rating_form": RatingForm(),
    }
    context.update(bound)
    return context


def _get(request: HttpRequest, ref: str) -> Ticket:
    return selectors.get_ticket_for(actor(request), ref)


@customer_required
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = _get(request, ref)
    if ticket.number != ref:
        return redirect("portal:detail", ref=ticket.number)
    web_services.mark_seen(user=actor(request), keys=[_seen_key(ticket.pk)])
    return render(request, "portal/detail.html", _detail_context(request, ticket))


@customer_required
def reply(request: HttpRequest, ref: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("portal:detail", ref=ref)
    user = actor(request)
    ticket = _get(request, ref)
    form = PortalReplyForm(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            data = form.cleaned_data
            message_services.add_reply(
                actor=user,
                ticket=ticket,
                body_text=data["body"],
                attachments=data["attachments"],
                channel=Channel.PORTAL,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            web_services.mark_seen(user=user, keys=[_seen_key(ticket.pk)])
            messages.success(request, _("Сообщение отправлено"))
            return redirect("portal:detail", ref=ticket.number)
    ticket = _get(request, ref)
    return render(request, "portal/detail.html", _detail_context(request, ticket, reply_form=form), status=422)


@customer_required
def rate(request: HttpRequest, ref: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("portal:detail", ref=ref)
    user = actor(request)
    ticket = _get(request, ref)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_services.rate_ticket(
                actor=user, ticket=ticket, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            web_services.mark_seen(user=user, keys=[_seen_key(ticket.pk)])
            messages.success(request, _("Спасибо за оценку!"))
            return redirect("portal:detail", ref=ticket.number)
    return render(request, "portal/detail.html", _detail_context(request, ticket, rating_form=form), status=422)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_customer(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                phone=data["phone"],
                language=get_language() or settings.LANGUAGE_CODE,
                consent_source=_("форма регистрации на портале"),
            )
        except DomainError as exc:
            field = (exc.field or "").split(".")[0]
            field = {"phones": "phone", "emails": "email"}.get(field, field)
            form_error(form, type(exc)(exc.message, field=field))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Добро пожаловать! Теперь можно отправить обращение."))
            return redirect("portal:new")
    return render_form(request, "portal/signup.html", {"form": form})
