"""What every telephony screen does the same way: who may enter, the actor, htmx answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from hotline.core import roles
from hotline.core.models import User

View = Callable[..., HttpResponse]


def _guard(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
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
supervisor_required = _guard(roles.is_supervisor)


def actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def toast(response: HttpResponse, text: str, kind: str = "success", **more: Any) -> HttpResponse:
    """Ask the page for a toast (and any other client event) through HX-Trigger."""
    # ASCII JSON (\u escapes): a header is Latin-1, and Django would MIME-encode Cyrillic text into
    # "=?utf-8?b?…?=", which htmx cannot parse, so the toast silently never showed.
    response["HX-Trigger"] = json.dumps({"toast": {"text": str(text), "kind": kind}, **more})
    return response


def int_or_none(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
