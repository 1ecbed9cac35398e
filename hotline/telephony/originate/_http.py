"""One HTTP request to a PBX's API, its failures sorted into unreachable, timed out and refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from hotline.telephony.originate import PbxRefused, PbxTimeout, PbxUnreachable

MAX_ANSWER = 65536


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PbxRefused(_("адрес API АТС должен начинаться с http:// или https://"))
    return url


def request(
    url: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str], timeout: float
) -> tuple[int, Any]:
    """(status, parsed JSON or None). Raises: PbxUnreachable, PbxTimeout, PbxRefused (an HTTP error status)."""
    http_request = urllib.request.Request(check_url(url), data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310 - checked above
            status, body = response.status, response.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        message = _("АТС ответила %(code)s: %(detail)s") % {"code": exc.code, "detail": detail or exc.reason}
        raise PbxRefused(message) from exc
    except TimeoutError as exc:
        raise PbxTimeout(_("АТС не ответила за %(s)s с") % {"s": round(timeout)}) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise PbxTimeout(_("АТС не ответила за %(s)s с") % {"s": round(timeout)}) from exc
        raise PbxUnreachable(_("АТС недоступна: %(e)s") % {"e": exc.reason}) from exc
    except OSError as exc:
        raise PbxUnreachable(_("АТС недоступна: %(e)s") % {"e": exc}) from exc
    try:
        return status, json.loads(body) if body.strip() else None
    except ValueError:
        return status, None
