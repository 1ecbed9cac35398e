"""PBX webhooks: ``/telephony/hooks/<source slug>/`` (and Mango's ``…/<slug>/events/call`` and the like).

Each request is verified by its source's scheme before anything is read from it; a refused one gets 400 (malformed)
or 403 (unsigned, wrong signature) with the reason as JSON, and is kept in «Отклонённые запросы АТС».
An accepted event is stored before the answer, so the PBX may forget it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hotline.telephony.adapters import generic, mango, zadarma
from hotline.telephony.adapters.base import CallEventData, Rejected
from hotline.telephony.choices import SourceKind
from hotline.telephony.models import PbxSource
from hotline.telephony.services.ingest import ingest, log_rejection
from hotline.telephony.services.originations import originate_failed


def _refuse(
    request: HttpRequest, source: PbxSource | None, status: int, code: str, message: str, field: str | None = None
) -> JsonResponse:
    log_rejection(
        source=source,
        path=request.path,
        status=status,
        code=code,
        reason=message,
        remote_addr=request.META.get("REMOTE_ADDR"),
        body=request.body if status != 413 else b"",
    )
    return JsonResponse({"code": code, "message": message, "field": field}, status=status)


def _form(request: HttpRequest) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in request.POST}


@csrf_exempt
def webhook(request: HttpRequest, slug: str, subpath: str = "") -> HttpResponse:
    source = PbxSource.objects.filter(slug=slug, is_active=True).exclude(kind=SourceKind.ASTERISK).first()
    if source is None:
        return _refuse(request, None, 404, "unknown_source", _("нет такой включённой АТС с вебхуком"))
    if request.method == "GET" and source.kind == SourceKind.ZADARMA and "zd_echo" in request.GET:
        # Zadarma checks the address before it starts sending: it expects its value back.
        return HttpResponse(request.GET["zd_echo"][:200], content_type="text/plain; charset=utf-8")
    if request.method != "POST":
        return JsonResponse({"code": "method_not_allowed", "message": _("только POST"), "field": None}, status=405)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.HOTLINE_TELEPHONY_MAX_BODY_BYTES:
        return _refuse(request, source, 413, "too_large", _("тело запроса слишком большое"))
    # Read (and keep) the raw body first: signatures are over it, and the rejection log quotes it.
    body = request.body
    now = timezone.now()
    raw: Any
    command: tuple[str, int] | None = None
    try:
        if source.kind == SourceKind.GENERIC:
            generic.verify(secret=source.secret, headers=request.headers, body=body, now=now)
            events: list[CallEventData] = generic.parse(body, received_at=now)
            raw = json.loads(body)
        elif source.kind == SourceKind.ZADARMA:
            data = _form(request)
            zadarma.verify(secret=source.secret, headers=request.headers, data=data)
            events = zadarma.parse(data, time_zone=source.time_zone, received_at=now)
            raw = data
        else:
            data = _form(request)
            mango.verify(api_key=source.api_key, salt=source.secret, data=data)
            events = mango.parse(subpath, data, received_at=now)
            raw = {"path": subpath, "json": data.get("json", "")}
            command = mango.command_result(subpath, data)
    except Rejected as exc:
        return _refuse(request, source, exc.status, exc.code, exc.message, exc.field)
    if source.kind == SourceKind.MANGO and command is not None:
        command_id, code = command
        if code != mango.COMMAND_OK:
            originate_failed(source=source, correlation_id=command_id, reason=_("Mango: код %(code)s") % {"code": code})
        return JsonResponse({"accepted": 0, "duplicates": 0, "ignored": code == mango.COMMAND_OK}, status=200)
    result = ingest(source=source, events=events, raw=raw)
    status = 202 if source.kind == SourceKind.GENERIC else 200
    return JsonResponse(result.as_json() | {"ignored": not events}, status=status)
