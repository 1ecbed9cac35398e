"""``/campaigns/dialer/<gateway id>/events/``: the PBX reports an originated call's progress here.

The body is JSON signed with the gateway's secret (``X-Hotline-Signature: sha256=<hmac hex>``); a refused request
gets 400/403/404 with ``{"code", "message", "field"}`` and a reason in the log, never a 500.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hotline.campaigns.models import Gateway
from hotline.campaigns.originate import SIGNATURE_HEADER, verify
from hotline.campaigns.services.dialer import CallEvent, record_call_event
from hotline.core.errors import DomainError

logger = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


def _refuse(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    logger.warning("dialer event refused: %s %s", code, message)
    return JsonResponse({"code": code, "message": message, "field": field}, status=status)


@csrf_exempt
def dialer_events(request: HttpRequest, gateway_id: int) -> HttpResponse:
    if request.method != "POST":
        return _refuse(405, "method_not_allowed", "только POST")
    gateway = Gateway.objects.filter(pk=gateway_id, is_active=True).first()
    if gateway is None:
        return _refuse(404, "unknown_gateway", "нет такого включённого шлюза")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _refuse(413, "too_large", "тело запроса слишком большое")
    body = request.body
    if not verify(gateway.secret, body, request.headers.get(SIGNATURE_HEADER, "")):
        return _refuse(403, "bad_signature", "подпись не сходится")
    try:
        data = json.loads(body)
    except ValueError:
        return _refuse(400, "malformed", "тело — не JSON")
    if not isinstance(data, dict):
        return _refuse(400, "malformed", "ожидается объект JSON")
    at = None
    if data.get("at"):
        try:
            at = datetime.fromisoformat(str(data["at"]))
        except ValueError:
            return _refuse(400, "malformed", "время события не в ISO 8601", "at")
        if at.tzinfo is None:
            return _refuse(400, "malformed", "время события без часового пояса", "at")
    event = CallEvent(
        attempt=str(data.get("attempt", ""))[:64],
        event=str(data.get("event", ""))[:20],
        outcome=str(data.get("outcome", "") or "")[:20],
        call_id=str(data.get("call_id", "") or "")[:255],
        at=at,
    )
    try:
        attempt = record_call_event(gateway=gateway, event=event)
    except DomainError as exc:
        return _refuse(exc.http_status, exc.code, exc.message, exc.field)
    return JsonResponse({"attempt": str(attempt.ref), "state": attempt.state, "outcome": attempt.outcome})
