"""Contact screens for agents: the directory with search, the card with the whole interaction
history, a new contact, and merging duplicates. Each reads through the customer selectors and
writes through the customer services."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.core import roles
from hotline.core.errors import DomainError, NotFound
from hotline.core.models import User
from hotline.customers import permissions, selectors, services
from hotline.customers.forms import ConsentForm, ContactForm, MergeForm
from hotline.web.forms import add_domain_error

PAGE_SIZE = 30


def _agent(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and roles.is_agent(user) else None


def _deny(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"/login/?next={request.get_full_path()}")
    return render(request, "403.html", status=403)


def contacts(request: HttpRequest) -> HttpResponse:
    user = _agent(request)
    if user is None:
        return _deny(request)
    q = request.GET.get("q", "").strip()
    qs = selectors.search_contacts(user, q).order_by(F("sort_key"), "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "customers/partials/rows.html" if request.headers.get("HX-Request") == "true" else "customers/list.html"
    return render(
        request, template, {"nav_section": "contacts", "page": page, "contacts": list(page.object_list), "q": q}
    )


def contact_card(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = _agent(request)
    if user is None:
        return _deny(request)
    contact = selectors.get_contact_for(user, contact_id)
    if contact.merged_into_id:
        messages.info(request, _("Эта карточка объединена с другой — показана основная"))
        return redirect("customers:contact", contact_id=contact.merged_into_id)
    services.record_contact_view(actor=user, contact=contact)
    return render(request, "customers/card.html", _card_context(user, contact))


def _card_context(user: User, contact: object, **extra: object) -> dict[str, object]:
    assert hasattr(contact, "pk")
    timeline = selectors.contact_timeline(user, contact, limit=100)  # type: ignore[arg-type]
    duplicates = services.find_duplicates(actor=user, contact=contact) if roles.is_agent(user) else []  # type: ignore[arg-type]
    advertising = selectors.latest_advertising_consents([contact.pk]).get(contact.pk)
    return {
        "nav_section": "contacts",
        "contact": contact,
        "advertising_consent": advertising if advertising is not None and advertising.is_granted else None,
        "timeline": timeline,
        "duplicates": duplicates,
        "can_merge": permissions.can_merge_contacts(user),
        "merge_form": MergeForm(),
        **extra,
    }


def contact_new(request: HttpRequest) -> HttpResponse:
    user = _agent(request)
    if user is None:
        return _deny(request)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.create_contact(
                actor=user,
                last_name=data["last_name"],
                first_name=data["first_name"],
                middle_name=data["middle_name"],
                phones=[data["phone"]] if data["phone"].strip() else [],
                emails=[data["email"]] if data["email"].strip() else [],
                position=data["position"],
                notes=data["notes"],
            )
        except DomainError as exc:
            field = (exc.field or "").split(".")[0]
            add_domain_error(
                form, exc.message, {"phones": "phone", "emails": "email", "full_name": "last_name"}.get(field, field)
            )
        else:
            messages.success(request, _("Контакт создан"))
            return redirect("customers:contact", contact_id=contact.pk)
    status = 422 if form.errors else 200
    return render(request, "customers/new.html", {"nav_section": "contacts", "form": form}, status=status)


@require_POST
def merge(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Merges a duplicate card into this one: its phones, e-mails, tickets and history move here."""
    user = _agent(request)
    if user is None:
        return _deny(request)
    survivor = selectors.get_contact_for(user, contact_id)
    form = MergeForm(request.POST)
    if form.is_valid():
        try:
            duplicate = selectors.get_contact_for(user, form.cleaned_data["duplicate_id"])
            services.merge_contacts(actor=user, survivor=survivor, duplicate=duplicate)
        except NotFound as exc:
            add_domain_error(form, exc.message, "duplicate_id")
        except DomainError as exc:
            add_domain_error(form, exc.message, "duplicate_id")
        else:
            messages.success(request, _("Карточки объединены: всё из дубликата перенесено сюда"))
            return redirect("customers:contact", contact_id=survivor.pk)
    return render(
        request,
        "customers/card.html",
        _card_context(user, survivor, merge_form=form, open_dialog="merge-dialog"),
        status=422,
    )


CONSENT_ACTIONS = {
    ("pd", "grant"): (services.record_consent, gettext_lazy("Согласие на обработку персональных данных записано")),
    ("pd", "withdraw"): (
        services.withdraw_consent,
        gettext_lazy("Отзыв согласия на обработку персональных данных записан"),
    ),
    ("ads", "grant"): (services.record_advertising_consent, gettext_lazy("Согласие на рекламу записано")),
    ("ads", "withdraw"): (services.withdraw_advertising_consent, gettext_lazy("Отзыв согласия на рекламу записан")),
}


@require_POST
def consent(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Records a consent given or withdrawn (personal data, 152-ФЗ; advertising, 38-ФЗ) with how it was obtained."""
    user = _agent(request)
    if user is None:
        return _deny(request)
    contact = selectors.get_contact_for(user, contact_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        action, done = CONSENT_ACTIONS[(form.cleaned_data["kind"], form.cleaned_data["action"])]
        try:
            action(actor=user, contact=contact, source=form.cleaned_data["source"])
        except DomainError as exc:
            add_domain_error(form, exc.message, "source")
        else:
            messages.success(request, str(done))
            return redirect("customers:contact", contact_id=contact.pk)
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("customers:contact", contact_id=contact.pk)
