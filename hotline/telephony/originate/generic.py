"""Placing a call through any PBX or middleware with Hotline's own signed request.

``POST <the source's API address>``::

    Content-Type: application/json
    X-Hotline-Timestamp: 1767225600
    X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

    {"correlation_id": "6f1c…", "extension": "101", "number": "+79141234567", "caller_id": "+74951234567",
     "timeout_s": 30}

signed exactly like the generic webhook's events (``adapters.generic.sign``). Answer 2xx (optionally with
``{"call_id": "<the PBX's id>"}``) once the call is being placed; anything else is a refusal. Ring ``extension``
first, then ``number``, and report the call to ``/telephony/hooks/<source code>/`` with ``"correlation_id"`` on
its events (or the same ``call_id``): ringing, answered, ended — for an unanswered call, put why in
``disconnect_cause`` (``busy``, ``no answer``, ``failed``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from django.utils.translation import gettext as _

from hotline.telephony.adapters.generic import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hotline.telephony.models import PbxSource
from hotline.telephony.originate import OriginateCommand, PbxRefused, Placed, _http


def originate(source: PbxSource, command: OriginateCommand, timeout: float) -> Placed:
    if not source.api_url:
        raise PbxRefused(_("у АТС не задан адрес API для исходящих вызовов"))
    body = json.dumps(asdict(command), ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    _status, answer = _http.request(
        source.api_url,
        method="POST",
        data=body,
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(source.secret, stamp, body),
        },
        timeout=timeout,
    )
    call_id = answer.get("call_id") if isinstance(answer, dict) else None
    return Placed(provider_call_id=str(call_id)[:255] if call_id else "")
