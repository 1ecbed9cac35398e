"""Factories for telephony, and helpers that sign requests the way each PBX does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import factory

from hotline.telephony.choices import SourceKind
from hotline.telephony.models import Line, PbxSource


class PbxSourceFactory(factory.django.DjangoModelFactory[PbxSource]):
    class Meta:
        model = PbxSource
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"АТС {n}")
    slug = factory.Sequence(lambda n: f"pbx-{n}")
    kind = SourceKind.GENERIC
    secret = "s3cr3t-generic-key"


class LineFactory(factory.django.DjangoModelFactory[Line]):
    class Meta:
        model = Line
        django_get_or_create = ("number",)

    number = "+74951234567"
    name = "Горячая линия"


def generic_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Headers a sender of the generic webhook computes (written independently of the adapter)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Hotline-Timestamp": stamp, "X-Hotline-Signature": f"sha256={digest}"}


def zadarma_signature(secret: str, *parts: str) -> str:
    """As Zadarma's PHP does it: base64_encode(hash_hmac('sha1', $data, $secret)) — base64 of the hex digest."""
    hex_digest = hmac.new(secret.encode(), "".join(parts).encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def mango_form(api_key: str, salt: str, payload: dict[str, Any]) -> dict[str, str]:
    body = json.dumps(payload, ensure_ascii=False)
    return {"vpbx_api_key": api_key, "sign": hashlib.sha256((api_key + body + salt).encode()).hexdigest(), "json": body}
