"""The "new request" screen, built for a phone call: find the caller as you type, see their open
tickets before saving (no duplicate for a repeat caller), create a new contact inline, save."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.contact_points import try_parse_phone
from hotline.core.errors import DomainError, NotFound
from hotline.core.models import User
from hotline.customers import selectors as customer_selectors
from hotline.customers.models import Contact
from hotline.customers.services import contacts as contact_services
from hotline.desk import selectors
from hotline.desk.choices import OPEN_STATUSES
from hotline.desk.forms import NewContactForm, NewTicketForm
from hotline.desk.services import tickets as ticket_services
from hotline.desk.views import fields
from hotline.desk.views.common import actor, agent_required, form_error, render_form

LOOKUP_LIMIT = 8


def _caller_context(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    user = actor(request)
    open_tickets = list(
        selectors.list_tickets(user, contact_id=contact.pk).filter(status__in=[str(s) for s in OPEN_STATUSES])[:10]
    )
    recent_closed = list(
        selectors.list_tickets(user, contact_id=contact.pk)
        .exclude(status__in=[str(s) for s in OPEN_STATUSES])
        .order_by("-created_at")[:3]
    )
    return {"contact": contact, "open_tickets": open_tickets, "recent_closed": recent_closed}


def _contact_or_none(request: HttpRequest, contact_id: int | None) -> Contact | None:
    if not contact_id:
        return None
    try:
        return customer_selectors.get_contact_for(actor(request), contact_id)
    except NotFound:
        return None


@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = NewTicketForm(request.POST or None, request.FILES or None)
    contact = _contact_or_none(request, request.POST.get("contact_id") or request.GET.get("contact"))  # type: ignore[arg-type]
    cf_values = fields.posted_values(request.POST)
    cf_errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_services.open_ticket(
                actor=user,
                subject=data["subject"],
                description=data["description"],
                channel=data["channel"],
                contact=contact,
                organisation=contact.organisation if contact else None,
                category=data["category"],
                impact=data["impact"],
                urgency=data["urgency"],
                attachments=data["attachments"],
                custom_fields=cf_values or None,
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except DomainError as exc:
            about_field = fields.error_for(exc)
            if about_field:
                cf_errors[about_field[0]] = about_field[1]
                form.add_error(None, _("Проверьте дополнительные поля"))
            else:
                form_error(form, exc)
        else:
            messages.success(request, _("Заявка %(number)s создана") % {"number": ticket.number})
            return redirect("desk:ticket", ref=ticket.number)
    form.fields["category"].widget.attrs.update(
        {"hx-get": reverse("desk:custom_fields"), "hx-trigger": "change", "hx-target": "#custom-fields",
         "hx-swap": "outerHTML"}
    )  # fmt: skip
    category = fields.category_from(request, request.POST.get("category"))
    context: dict[str, Any] = {
        "nav_section": "new",
        "form": form,
        "cf_fields": fields.field_rows(category, cf_values, cf_errors),
        "contact_form": NewContactForm(),
        "initial_query": request.GET.get("q", ""),
    }
    if contact is not None:
        context.update(_caller_context(request, contact))
    return render_form(request, "desk/new_ticket.html", context)


@agent_required
def custom_fields(request: HttpRequest) -> HttpResponse:
    """The inputs of the chosen category's custom fields, swapped in when the category changes."""
    category = fields.category_from(request, request.GET.get("category"))
    return render(request, "desk/partials/custom_fields.html", {"cf_fields": fields.field_rows(category)})


@agent_required
def lookup(request: HttpRequest) -> HttpResponse:
    """As-you-type caller lookup: a phone in any format, a name or an e-mail."""
    user = actor(request)
    q = request.GET.get("q", "").strip()
    found: list[Contact] = []
    phone = try_parse_phone(q) if q else None
    if phone is not None:
        found = customer_selectors.lookup_by_phone(phone.e164)
    if len(q) >= 2:
        known = {c.pk for c in found}
        matches = customer_selectors.search_contacts(user, q).order_by(F("sort_key"), "id")[:LOOKUP_LIMIT]
        found += [c for c in matches if c.pk not in known]
    found = found[:LOOKUP_LIMIT]
    open_counts = _open_counts(user, [c.pk for c in found]) if found else {}
    return render(
        request,
        "desk/partials/lookup_results.html",
        {"q": q, "contacts": found, "open_counts": open_counts, "phone": phone},
    )


@agent_required
def caller(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The picked caller: their card and open tickets, shown before the request is saved."""
    try:
        contact = customer_selectors.get_contact_for(actor(request), contact_id)
    except NotFound:
        return render(request, "desk/partials/caller.html", {"missing": True}, status=404)
    return render(request, "desk/partials/caller.html", _caller_context(request, contact))


@require_POST
@agent_required
def create_caller(request: HttpRequest) -> HttpResponse:
    """Creates the caller inline, without leaving the call screen."""
    user = actor(request)
    form = NewContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = contact_services.create_contact(
                actor=user,
                full_name=data["full_name"],
                phones=[data["phone"]] if data["phone"].strip() else [],
                emails=[data["email"]] if data["email"].strip() else [],
            )
        except DomainError as exc:
            field = (exc.field or "").split(".")[0]
            field = {"phones": "phone", "emails": "email"}.get(field, field)
            form_error(form, type(exc)(exc.message, field=field))
        else:
            response = render(request, "desk/partials/caller.html", _caller_context(request, contact))
            response["HX-Trigger"] = "closeDialogs"
            return response
    response = render(request, "desk/partials/new_caller_form.html", {"contact_form": form}, status=422)
    # The errors belong in the dialog, not in the caller panel the form targets on success.
    response["HX-Retarget"] = "#new-caller-form"
    response["HX-Reswap"] = "innerHTML"
    return response


def _open_counts(user: User, contact_ids: list[int]) -> dict[int, int]:
    rows = (
        selectors.visible_tickets(user)
        .filter(contact_id__in=contact_ids, status__in=[str(s) for s in OPEN_STATUSES])
        .values("contact_id")
        .annotate(n=Count("id"))
    )
    return {r["contact_id"]: r["n"] for r in rows}
