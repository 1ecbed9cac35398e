"""The agent's phone on every page: "my extension", and the caller's card that pops up when the phone rings.

The bar is loaded into the layout's top bar; it listens to the agent's own ``phone:<id>`` topic and, on a push,
fetches the card of that call (rendered here with the agent's rights). The card's forms act on the call: open a
request from it, tie it to a contact or ticket, create the caller's contact, transfer it with a reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, NotFound
from hotline.core.models import User
from hotline.customers import selectors as customer_selectors
from hotline.desk import selectors as desk_selectors
from hotline.desk.models import Category, Queue
from hotline.telephony import live, selectors
from hotline.telephony.forms import ExtensionForm, NewRequestForm, TransferForm
from hotline.telephony.models import Call
from hotline.telephony.services import extensions, linking, transfers
from hotline.telephony.views.common import actor, agent_required, int_or_none, is_htmx, toast
from hotline.web.forms import add_domain_error

STATES = {"ringing", "answered", "transferred", "ended"}


@require_GET
@agent_required
def bar(request: HttpRequest) -> HttpResponse:
    """The phone chip in the top bar, the screen-pop container, and any call ringing on this agent's phone now."""
    user = actor(request)
    active = selectors.active_calls_for(user)
    context: dict[str, Any] = {
        "topic": live.topic_for(user.pk),
        "extension_form": ExtensionForm(initial={"extension": user.phone_extension}),
    }
    if active and active[0].answered_at is None:
        # Still ringing (or rang while the agent was away): the whole card, they have to react.
        context.update(card_context(request, active[0], state="ringing"))
    elif active:
        # A call in progress: a small reminder that opens the card, so it does not cover every page visited.
        context.update({"ongoing": active[0], "ongoing_state": "answered"})
    # Compile the card's template now (the cached loader keeps it), so the first ring does not wait for it.
    get_template("telephony/partials/pop.html")
    return render(request, "telephony/partials/bar.html", context)


@require_POST
@agent_required
def extension(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            user = extensions.claim_extension(actor=user, extension=form.cleaned_data["extension"])
        except DomainError as exc:
            add_domain_error(form, exc.message, exc.field)
        else:
            text = (
                _("Звонки на доб. %(ext)s теперь показываются вам") % {"ext": user.phone_extension}
                if user.phone_extension
                else _("Внутренний номер снят")
            )
            context = {
                "extension_form": ExtensionForm(initial={"extension": user.phone_extension}),
                "saved": True,
                "saved_extension": user.phone_extension,
            }
            response = render(request, "telephony/partials/extension.html", context)
            return toast(response, text, closeDialogs=True)
    return render(request, "telephony/partials/extension.html", {"extension_form": form}, status=422)


def _call(request: HttpRequest, call_id: int) -> Call:
    return selectors.get_call_for(actor(request), call_id)


def card_context(request: HttpRequest, call: Call, *, state: str = "", **forms: Any) -> dict[str, Any]:
    user = actor(request)
    card = selectors.pop_card(user, call)
    line = call.line
    category = line.category if line is not None else None
    initial = {"contact": card.contact.pk if card.contact else "", "category": category.pk if category else ""}
    if state not in STATES:
        state = "ended" if not call.is_active else ("answered" if call.answered_at else "ringing")
    return {
        "call": call,
        "card": card,
        "state": state,
        "request_form": forms.get("request_form") or NewRequestForm(initial=initial),
        # The transfer form and the scripts load just after the card (``tools``): not on the ringing's critical path.
        "transfer_form": forms.get("transfer_form"),
        "full_form_url": reverse("desk:new_ticket")
        + (f"?contact={card.contact.pk}" if card.contact else f"?q={call.customer_e164 or call.customer_number}"),
        "contact_error": forms.get("contact_error", ""),
    }


def tools_context(request: HttpRequest, call: Call, transfer_form: TransferForm | None = None) -> dict[str, Any]:
    line = call.line
    return {
        "call": call,
        "transfer_form": transfer_form or TransferForm(exclude_user=actor(request).pk),
        "scripts": selectors.scripts_for(line=line, category=line.category if line else None, include_others=True),
    }


@require_GET
@agent_required
def tools(request: HttpRequest, call_id: int) -> HttpResponse:
    """The card's script picker and transfer form, fetched right after the card itself."""
    call = _call(request, call_id)
    return render(request, "telephony/partials/pop_tools.html", tools_context(request, call))


@require_GET
@agent_required
def pop(request: HttpRequest, call_id: int) -> HttpResponse:
    """The caller's card (the screen-pop), fetched when a push about the call arrives."""
    call = _call(request, call_id)
    return render(
        request, "telephony/partials/pop.html", card_context(request, call, state=request.GET.get("state", ""))
    )


def _card(request: HttpRequest, call: Call, status: int = 200, **forms: Any) -> HttpResponse:
    return render(request, "telephony/partials/pop.html", card_context(request, call, **forms), status=status)


@require_POST
@agent_required
def new_request(request: HttpRequest, call_id: int) -> HttpResponse:
    """ "New request from this call": opens the ticket, ties the call to it, and goes to the ticket."""
    user = actor(request)
    call = _call(request, call_id)
    form = NewRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        contact_id = int_or_none(data["contact"])
        category_id = int_or_none(data["category"])
        try:
            contact = customer_selectors.get_contact_for(user, contact_id) if contact_id else None
            category = Category.objects.filter(pk=category_id).first() if category_id else None
            ticket = linking.open_ticket_from_call(
                actor=user,
                call=call,
                subject=data["subject"],
                description=data["description"],
                contact=contact,
                new_contact_name=data["new_contact_name"],
                category=category,
                urgency=data["urgency"],
            )
        except DomainError as exc:
            add_domain_error(form, exc.message, {"category_id": "category"}.get(exc.field or "", exc.field))
        else:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("desk:ticket", args=[ticket.number]) + f"?call={call.pk}"
            return toast(response, _("Заявка %(number)s создана") % {"number": ticket.number})
    return _card(request, call, status=422, request_form=form)


def _back(request: HttpRequest, call: Call) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("telephony:call", args=[call.pk])
    return redirect(target)


def _done(request: HttpRequest, call: Call, text: str) -> HttpResponse:
    """The card again (htmx, from the screen-pop), or back to the page the form was on."""
    if is_htmx(request):
        return toast(_card(request, call), text)
    messages.success(request, text)
    return _back(request, call)


def _failed(request: HttpRequest, call: Call, exc: DomainError) -> HttpResponse:
    if is_htmx(request):
        return _card(request, call, status=422, contact_error=exc.message)
    messages.error(request, exc.message)
    return _back(request, call)


@require_POST
@agent_required
def link(request: HttpRequest, call_id: int) -> HttpResponse:
    """Tie the call to one of the contacts that share the number, or to a ticket (by number)."""
    user = actor(request)
    call = _call(request, call_id)
    try:
        contact_id = int_or_none(request.POST.get("contact"))
        contact = customer_selectors.get_contact_for(user, contact_id) if contact_id else None
        ref = (request.POST.get("ticket") or "").strip()
        ticket = desk_selectors.get_ticket_for(user, ref) if ref else None
        call = linking.link_call(actor=user, call=call, ticket=ticket, contact=contact)
    except DomainError as exc:
        return _failed(request, call, exc)
    return _done(request, call, _("Звонок привязан"))


@require_POST
@agent_required
def create_contact(request: HttpRequest, call_id: int) -> HttpResponse:
    """An unknown number: create the caller's contact from the card."""
    user = actor(request)
    call = _call(request, call_id)
    try:
        linking.create_contact_for_call(actor=user, call=call, full_name=request.POST.get("full_name", ""))
    except DomainError as exc:
        return _failed(request, call, exc)
    return _done(request, selectors.get_call_for(user, call.pk), _("Клиент создан"))


def parse_target(value: str) -> tuple[User | None, Queue | None]:
    """ "agent:5" or "queue:3" from the transfer picker.

    Raises:
        NotFound: no such active agent or queue.
    """
    kind, _sep, raw = (value or "").partition(":")
    pk = int_or_none(raw)
    if kind == "agent" and pk:
        agent = User.objects.filter(pk=pk, is_active=True).first()
        if agent is not None:
            return agent, None
    if kind == "queue" and pk:
        queue = Queue.objects.filter(pk=pk, is_active=True).first()
        if queue is not None:
            return None, queue
    raise NotFound(_("Выберите сотрудника или отдел"), field="target")


@require_POST
@agent_required
def transfer(request: HttpRequest, call_id: int) -> HttpResponse:
    user = actor(request)
    call = _call(request, call_id)
    form = TransferForm(request.POST, exclude_user=user.pk)
    if form.is_valid():
        try:
            to_agent, to_queue = parse_target(form.cleaned_data["target"])
            transfers.transfer_call(
                actor=user, call=call, reason=form.cleaned_data["reason"], to_agent=to_agent, to_queue=to_queue
            )
        except DomainError as exc:
            add_domain_error(form, exc.message, "target" if exc.field in ("to", "target") else exc.field)
        else:
            call = selectors.get_call_for(user, call.pk)
            return toast(_card(request, call), _("Звонок переведён, причина записана"))
    context = card_context(request, call) | tools_context(request, call, transfer_form=form)
    return render(request, "telephony/partials/pop.html", context, status=422)
