"""Refuses text with the NUL character (U+0000) before any view sees it.

PostgreSQL cannot store it in a text column, so such a value would otherwise end in a database error (a 500)
wherever free text is written — a reason, a comment, a search. Django's forms already refuse it; this covers the
API's JSON bodies and query strings, and form posts read without a form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding U+0000 in a decoded JSON value; None if there is none."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_field(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def refusal() -> str:
    """What the person is told (the API's multipart reader says the same)."""
    return _("Текст не может содержать нулевой символ (U+0000)")


def _in_pairs(pairs: Iterable[tuple[str, list[str]]]) -> str | None:
    for key, values in pairs:
        if NUL in key or any(NUL in v for v in values):
            return key
    return None


def _offending_field(request: HttpRequest) -> str | None:
    """Only what can be looked at without consuming the request: the query string, and bodies of JSON or of an
    url-encoded form (a multipart body stays unread for the view, which may stream it or sign it; the API's
    multipart reader checks its fields itself)."""
    if "%00" in request.META.get("QUERY_STRING", ""):
        found = _in_pairs(request.GET.lists())
        if found is not None:
            return found
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    kind = request.content_type or ""
    if kind == "application/x-www-form-urlencoded":
        return _in_pairs(request.POST.lists()) if b"%00" in request.body else None
    if kind != "application/json" and not kind.endswith("+json"):
        return None
    body = request.body
    # JSON carries the character escaped; only a body that has the escape is decoded here.
    if b"\\u0000" not in body:
        return None
    try:
        return nul_field(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON: the view says so itself


class RejectNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _offending_field(request)
        if field is None:
            return self.get_response(request)
        message = refusal()
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "validation_failed", "message": message, "field": field}, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
