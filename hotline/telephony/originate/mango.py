"""Mango Office's callback command: ``POST <api>/vpbx/commands/callback``.

A form of ``vpbx_api_key``, ``json`` and ``sign = sha256(vpbx_api_key + json + salt)`` (hex), where ``json`` is
``{"command_id": <our id>, "from": {"extension": <agent>}, "to_number": <digits>, "line_number": <caller id>}``.
Mango rings the extension, then the number; the answer ``{"result": 1000}`` means the command was taken. Events
of the call carry the ``command_id``; if the command fails later, ``…/events/result`` brings its result code.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from hotline.telephony.adapters.mango import COMMAND_OK, sign
from hotline.telephony.models import PbxSource
from hotline.telephony.originate import OriginateCommand, PbxRefused, Placed, _http, digits

DEFAULT_API = "https://app.mango-office.ru"
PATH = "/vpbx/commands/callback"


def payload(command: OriginateCommand) -> dict[str, Any]:
    body: dict[str, Any] = {
        "command_id": command.correlation_id,
        "from": {"extension": command.extension},
        "to_number": digits(command.number),
    }
    if command.caller_id:
        body["line_number"] = digits(command.caller_id)
    return body


def originate(source: PbxSource, command: OriginateCommand, timeout: float) -> Placed:
    if not source.api_key or not source.secret:
        raise PbxRefused(_("у АТС Mango не заданы ключ и подпись API"))
    text = json.dumps(payload(command), ensure_ascii=False, separators=(",", ":"))
    form = {"vpbx_api_key": source.api_key, "sign": sign(source.api_key, text, source.secret), "json": text}
    url = (source.api_url or DEFAULT_API).rstrip("/") + PATH
    _status, answer = _http.request(
        url,
        method="POST",
        data=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )
    code = answer.get("result") if isinstance(answer, dict) else None
    if code != COMMAND_OK:
        raise PbxRefused(_("Mango отказала: код %(code)s") % {"code": code if code is not None else answer})
    return Placed()
