"""Pages of the notify app: the bell in the header, notification preferences, and the two links in mail
that need no sign-in — unsubscribe and rate — authorised by their signed token alone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from hotline.core import roles
from hotline.core.errors import Conflict, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk import permissions
from hotline.desk import selectors as desk_selectors
from hotline.desk.choices import Status
from hotline.desk.models import SatisfactionRating, Ticket
from hotline.desk.services.rating import COMMENT_MAX, rate_ticket
from hotline.notify import links, selectors
from hotline.notify.kinds import Channel
from hotline.notify.models import EmailDelivery
from hotline.notify.services import inapp, preferences, sending

BELL_SIZE = 10


def _signed_in(check: Callable[[Any], bool]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


agent_required = _signed_in(roles.is_agent)
person_required = _signed_in(lambda user: roles.is_agent(user) or roles.is_customer(user))


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _bell(request: HttpRequest, user: User) -> HttpResponse:
    page = selectors.list_notifications(user, limit=BELL_SIZE)
    return render(
        request,
        "notify/_bell_panel.html",
        {"unread": selectors.unread_count(user), "notifications": page.items},
    )


@agent_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell's contents: the unread count and the latest notifications (htmx partial)."""
    return _bell(request, _actor(request))


@agent_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    user = _actor(request)
    notice = selectors.get_notification_for(user, pk)
    inapp.mark_read(actor=user, notification_ids=[notice.pk])
    target = notice.url if url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None) and notice.url else "/"
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


@agent_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    inapp.mark_all_read(actor=user)
    return _bell(request, user)


@person_required
@require_http_methods(["GET", "POST"])
def preference_page(request: HttpRequest) -> HttpResponse:
    """Which notifications the signed-in person gets, on which channel."""
    user = _actor(request)
    saved = False
    if request.method == "POST":
        changes = [
            preferences.PreferenceChange(row.kind, row.channel, f"{row.kind}:{row.channel}" in request.POST)
            for row in selectors.preferences_for(user)
            if not row.locked
        ]
        preferences.set_preferences(actor=user, user=user, changes=changes)
        saved = True
    rows = selectors.preferences_for(user)
    kinds: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = kinds.setdefault(row.kind, {"kind": row.kind, "label": row.label, "locked": row.locked, "channels": {}})
        entry["channels"][row.channel] = row.enabled
    return render(
        request,
        "notify/preferences.html",
        {
            "base_template": "web/app.html" if roles.is_agent(user) else "web/portal_base.html",
            "kinds": list(kinds.values()),
            "channels": [Channel.IN_APP, Channel.EMAIL] if roles.is_agent(user) else [Channel.EMAIL],
            "saved": saved,
        },
    )


def _contact_from(token: str, reader: Callable[[str], Any]) -> Any:
    try:
        return reader(token)
    except NotFound:
        return None


@csrf_exempt  # mail clients' one-click unsubscribe (RFC 8058) POSTs without a session; the signed token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    contact_id = _contact_from(token, links.read_unsubscribe_token)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id is not None else None
    if contact is None:
        return render(request, "notify/link_invalid.html", status=404)
    if request.method == "POST":
        if request.POST.get("action") == "resubscribe":
            preferences.resubscribe_contact(actor=None, contact=contact, source="ссылка в письме")
        else:
            preferences.unsubscribe_contact(actor=None, contact=contact, source="ссылка в письме")
    return render(
        request,
        "notify/unsubscribe.html",
        {"contact": contact, "unsubscribed": selectors.is_unsubscribed(contact), "done": request.method == "POST"},
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """Rate a resolved ticket from the link in the mail. Opening the link records nothing: mail scanners open links."""
    ids = _contact_from(token, links.read_rating_token)
    ticket = Ticket.objects.filter(pk=ids[0], contact_id=ids[1]).first() if ids is not None else None
    if ticket is None:
        return render(request, "notify/link_invalid.html", status=404)
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    error = ""
    score_raw = request.POST.get("score") if request.method == "POST" else request.GET.get("score")
    score = int(score_raw) if score_raw and score_raw.isdigit() else None
    comment = request.POST.get("comment", "")
    if request.method == "POST" and rating is None:
        try:
            rating = rate_ticket(actor=None, ticket=ticket, score=score or 0, comment=comment)
        except (ValidationFailed, Conflict) as exc:
            error = exc.message
    status = 422 if error else 200
    return render(
        request,
        "notify/rate.html",
        {
            "ticket": ticket,
            "rating": rating,
            "score": score,
            "scores": [5, 4, 3, 2, 1],
            "comment": comment,
            "comment_max": COMMENT_MAX,
            "error": error,
            "open": ticket.status not in (Status.RESOLVED, Status.CLOSED),
        },
        status=status,
    )


def _mail_log(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    user = _actor(request)
    return render(
        request,
        "notify/_ticket_mail.html",
        {
            "ticket": ticket,
            "deliveries": selectors.ticket_mail_log(user, ticket),
            "can_retry": permissions.can_work_on_ticket(user, ticket),
        },
    )


@agent_required
def ticket_mail(request: HttpRequest, ref: str) -> HttpResponse:
    """The mail sent about a ticket and whether it went (htmx partial for the ticket page)."""
    return _mail_log(request, desk_selectors.get_ticket_for(_actor(request), ref))


@agent_required
@require_POST
def retry_mail(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed mail about a ticket again now; the ticket's agents may ask for it."""
    user = _actor(request)
    row = EmailDelivery.objects.filter(pk=pk, ticket__isnull=False).first()
    if row is None or row.ticket is None:
        raise NotFound("Письмо не найдено")
    ticket = desk_selectors.get_ticket_for(user, row.ticket.pk)
    if not permissions.can_work_on_ticket(user, ticket):
        raise PermissionDenied
    sending.retry_email(actor=user, row=row)
    sending.send_emails([row.pk])
    return _mail_log(request, ticket)
