"""What every desk screen does the same way: who may enter, how domain errors become messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.core import roles
from hotline.core.errors import DomainError
from hotline.core.models import User
from hotline.web.forms import add_domain_error

P = ParamSpec("P")


def _guard(check: Callable[[Any], bool]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
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


agent_required = _guard(roles.is_agent)
customer_required = _guard(roles.is_customer)
supervisor_required = _guard(roles.is_supervisor)


def actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_error(form: forms.BaseForm, exc: DomainError) -> None:
    add_domain_error(form, exc.message, exc.field)


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def render_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Renders a page whose form may carry errors: 422 then, so tests and htmx can tell."""
    has_errors = any(isinstance(v, forms.BaseForm) and v.is_bound and v.errors for v in context.values())
    return render(request, template, context, status=422 if has_errors else 200)
