"""Placing a call: through telephony's PBX sources, or through the HTTP originate gateway.

``originator_for(campaign)`` picks how: a campaign with a ``pbx_source`` calls through the PBX the hotline is
connected to (``telephony.services.originations.originate`` — Asterisk AMI, Zadarma, Mango, the generic webhook);
the call's progress then comes back as telephony's ``OriginationUpdated``, which ``subscribers`` apply to the
attempt (the attempt's ``ref`` is the correlation id). A campaign with a ``gateway`` instead uses the gateway's own
protocol below.

Gateway: the dialer asks an originator to connect the agent's extension with the callee's number; the PBX then reports
the call's progress (ringing, answered, ended with an outcome) to the gateway's ``report_url``, which
``services.dialer.record_call_event`` applies. Requests both ways are JSON signed with HMAC-SHA256 of the raw
body in ``X-Hotline-Signature: sha256=<hex>``.

Originate request (``POST originate_url``)::

    {"attempt": "<uuid>", "number": "+79141234567", "extension": "101", "caller_id": "+74951234567",
     "timeout_s": 30, "campaign": "debt-2026-03", "report_url": "https://…/campaigns/dialer/1/events/"}

answered with 2xx and ``{"call_id": "<PBX's id>"}``. Reports (``POST report_url``)::

    {"attempt": "<uuid>", "call_id": "…", "event": "ringing" | "answered" | "ended",
     "outcome": "answered" | "no_answer" | "busy" | "failed", "at": "2026-03-02T10:00:05+03:00"}

Tests may replace how gateways become originators with ``set_originator_factory``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from hotline.core.errors import DomainError
from hotline.telephony.services.originations import originate as telephony_originate

if TYPE_CHECKING:
    from hotline.campaigns.models import Campaign, Gateway
    from hotline.telephony.models import PbxSource

SIGNATURE_HEADER = "X-Hotline-Signature"


@dataclass(frozen=True)
class OriginateRequest:
    attempt: str
    number: str
    extension: str
    caller_id: str
    timeout_s: int
    campaign: str
    report_url: str


@dataclass(frozen=True)
class OriginateResult:
    call_id: str


class OriginateFailed(Exception):
    """The PBX refused or could not be reached: the attempt ends as failed, the reason is kept."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Originator(Protocol):
    def originate(self, request: OriginateRequest) -> OriginateResult: ...


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, body), (signature or "").strip())


class HttpOriginator:
    """Originates through a PBX's (or a script's) HTTP endpoint speaking the protocol above."""

    def __init__(self, *, url: str, secret: str, timeout_s: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the originate URL must be http(s)")
        self.url = url
        self.secret = secret
        self.timeout_s = timeout_s

    def originate(self, request: OriginateRequest) -> OriginateResult:
        body = json.dumps(asdict(request), ensure_ascii=False).encode()
        http_request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)},
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout_s) as response:  # noqa: S310
                payload = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            raise OriginateFailed(f"АТС ответила {exc.code}: {detail or exc.reason}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise OriginateFailed(f"АТС недоступна: {getattr(exc, 'reason', exc)}") from exc
        try:
            data = json.loads(payload or b"{}")
        except ValueError as exc:
            raise OriginateFailed("АТС ответила не JSON") from exc
        call_id = str(data.get("call_id", "")) if isinstance(data, dict) else ""
        return OriginateResult(call_id=call_id[:255])


class PbxOriginator:
    """Originates through one of telephony's PBX sources; the attempt's reference is the correlation id."""

    def __init__(self, source: PbxSource) -> None:
        self.source = source

    def originate(self, request: OriginateRequest) -> OriginateResult:
        try:
            origination = telephony_originate(
                source=self.source,
                extension=request.extension,
                number=request.number,
                caller_id=request.caller_id,
                correlation_id=request.attempt,
                timeout_s=request.timeout_s,
            )
        except DomainError as exc:
            raise OriginateFailed(exc.message) from exc
        return OriginateResult(call_id=origination.provider_call_id)


def _http_originator(gateway: Gateway) -> Originator:
    return HttpOriginator(url=gateway.originate_url, secret=gateway.secret)


_factory: Callable[[Gateway], Originator] = _http_originator


def originator_for(campaign: Campaign) -> Originator | None:
    """How this campaign's calls are placed; None — the agent dials by hand."""
    if campaign.pbx_source is not None:
        return PbxOriginator(campaign.pbx_source)
    if campaign.gateway is not None:
        return _factory(campaign.gateway)
    return None


def set_originator_factory(factory: Callable[[Gateway], Originator] | None) -> None:
    """Replace how gateways become originators (telephony's adapters; tests); None restores HTTP."""
    global _factory
    _factory = factory or _http_originator
