"""The shell's own pages: the entry point that sends each role home, sign-in, password reset,
language switch and personal preferences."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from hotline.core.errors import ValidationFailed
from hotline.core.models import User
from hotline.core.roles import is_agent, is_customer
from hotline.web import services
from hotline.web.forms import StyledFormMixin, add_domain_error


def home(request: HttpRequest) -> HttpResponse:
    """Sends each person to where their work is: agents to the desk, customers to the portal."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    if is_agent(request.user):
        return redirect("desk:home")
    if is_customer(request.user):
        return redirect("portal:home")
    return render(request, "web/no_role.html", status=403)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class LoginForm(StyledFormMixin, AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Логин или e-mail")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        # Customers sign up with their e-mail; let them sign in with it as well as with a login.
        username = (self.cleaned_data.get("username") or "").strip()
        if "@" in username:
            match = User.objects.filter(email__iexact=username, is_active=True).order_by("id").first()
            if match is not None:
                self.cleaned_data["username"] = match.get_username()
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["portal_signup_url"] = reverse("portal:signup")
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        # The account's language follows the person to any browser they sign in from.
        language = getattr(form.get_user(), "language", "")
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
        return response


class PasswordResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm[User]):
    pass


password_reset = auth_views.PasswordResetView.as_view(
    template_name="web/password_reset.html",
    email_template_name="web/password_reset_email.txt",
    subject_template_name="web/password_reset_subject.txt",
    form_class=PasswordResetForm,
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password_reset_confirm.html",
    form_class=SetPasswordForm,
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(template_name="web/password_reset_complete.html")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The RU/EN switch: remembered in a cookie and, for a signed-in person, on their account."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next")))
    if language not in {code for code, _name in settings.LANGUAGES}:
        return response
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        services.update_preferences(actor=request.user, language=language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _time_zone_choices() -> list[tuple[str, str]]:
    # Russia's zones first (the usual answer), then every other zone.
    russian = [
        "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
        "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
        "Asia/Magadan", "Asia/Kamchatka",
    ]  # fmt: skip
    rest = sorted(zoneinfo.available_timezones() - set(russian) - {"localtime"})
    return [(z, z.replace("_", " ")) for z in russian + rest]


class PreferencesForm(StyledFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Язык интерфейса"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Часовой пояс"), choices=_time_zone_choices)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    base_template = "web/app.html" if is_agent(user) else "web/portal_base.html"
    form = PreferencesForm(request.POST or None, initial={"language": user.language, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_preferences(
                actor=user, language=form.cleaned_data["language"], time_zone=form.cleaned_data["time_zone"]
            )
        except ValidationFailed as exc:
            add_domain_error(form, exc.message, exc.field)
        else:
            response = redirect("web:preferences")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
            return response
    status = 422 if form.errors else 200
    return render(request, "web/preferences.html", {"form": form, "base_template": base_template}, status=status)
