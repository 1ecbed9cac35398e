"""Zadarma's callback: ``GET <api>/v1/request/callback/?from=<extension>&to=<number>``.

Zadarma rings ``from`` (the agent's PBX extension) and then connects ``to``. Every API request is signed:
``Authorization: <key>:<sign>``, ``sign = base64(hex(HMAC-SHA1(secret, method + params + md5(params))))`` where
``method`` is the path (``/v1/request/callback/``) and ``params`` the query sorted by name and URL-encoded. The
answer is ``{"status": "success", …}`` or ``{"status": "error", "message": …}``. It names no call id: the call's
notifications (NOTIFY_OUT_START/END from ``from`` to ``to``) are matched to the request by extension and number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from hotline.telephony.models import PbxSource
from hotline.telephony.originate import OriginateCommand, PbxRefused, Placed, _http, digits

DEFAULT_API = "https://api.zadarma.com"
METHOD = "/v1/request/callback/"


def query(params: Mapping[str, str]) -> str:
    return urlencode(sorted(params.items()))


def sign(secret: str, method: str, params: Mapping[str, str]) -> str:
    encoded = query(params)
    message = method + encoded + hashlib.md5(encoded.encode()).hexdigest()  # noqa: S324 - Zadarma's scheme
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def originate(source: PbxSource, command: OriginateCommand, timeout: float) -> Placed:
    if not source.api_key or not source.secret:
        raise PbxRefused(_("у АТС Zadarma не заданы ключ и секрет API"))
    params = {"from": command.extension, "to": digits(command.number), "format": "json"}
    url = (source.api_url or DEFAULT_API).rstrip("/") + METHOD + "?" + query(params)
    headers = {"Authorization": f"{source.api_key}:{sign(source.secret, METHOD, params)}"}
    _status, answer = _http.request(url, headers=headers, timeout=timeout)
    if not isinstance(answer, dict) or answer.get("status") != "success":
        message = answer.get("message") if isinstance(answer, dict) else None
        raise PbxRefused(_("Zadarma отказала: %(m)s") % {"m": str(message or answer)[:200]})
    return Placed()
