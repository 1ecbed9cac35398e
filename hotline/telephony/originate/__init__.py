"""Asking a PBX to place a call: one client per PBX kind, no database.

Each client rings the agent's ``extension`` first and, once they pick up, dials the customer's ``number``; it
returns as soon as the PBX has taken the request (the call's progress comes back as ordinary call events) or
raises ``PbxRefused`` (the PBX said no), ``PbxUnreachable`` (no connection) or ``PbxTimeout`` (no answer in
time). ``services.originations.originate`` keeps the record and ties the events back to the request.

- ``ami``: the Manager Interface ``Originate`` action (``Async: true``), the request's id as ``ChannelId``;
- ``zadarma``: ``GET /v1/request/callback/`` signed ``Authorization: key:base64(hex(HMAC-SHA1))``;
- ``mango``: ``POST /vpbx/commands/callback`` with ``sign = sha256(key + json + salt)``;
- ``generic``: a POST of our own, HMAC-signed like the generic webhook (documented in ``generic``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hotline.telephony.choices import SourceKind
from hotline.telephony.models import PbxSource


@dataclass(frozen=True)
class OriginateCommand:
    correlation_id: str
    extension: str
    number: str  # E.164
    caller_id: str = ""
    timeout_s: int = 30  # how long the phones ring


@dataclass(frozen=True)
class Placed:
    """The PBX took the request; its id of the call when it says one."""

    provider_call_id: str = ""


class PbxRefused(Exception):
    """The PBX answered and said no (bad credentials, unknown extension, no money…)."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PbxUnreachable(PbxRefused):
    code = "unreachable"


class PbxTimeout(PbxRefused):
    code = "timeout"


Client = Callable[[PbxSource, OriginateCommand, float], Placed]


def client_for(kind: str) -> Client:
    from hotline.telephony.originate import ami, generic, mango, zadarma

    clients: dict[str, Client] = {
        SourceKind.ASTERISK: ami.originate,
        SourceKind.ZADARMA: zadarma.originate,
        SourceKind.MANGO: mango.originate,
        SourceKind.GENERIC: generic.originate,
    }
    return clients[kind]


def digits(number: str) -> str:
    """E.164 as PBXs want it in a dial string: digits only ("+79141234567" → "79141234567")."""
    return "".join(ch for ch in number if ch.isdigit())
