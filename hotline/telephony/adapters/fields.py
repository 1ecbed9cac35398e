"""Reading one field of a PBX's payload: typed, bounded, and named in the error when it is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from hotline.telephony.adapters.base import NUMBER_MAX, TEXT_MAX, Malformed, clip

MAX_SECONDS = 7 * 24 * 3600
# Unix seconds a PBX may plausibly stamp an event with (2000 … 2100).
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800


def text(data: Mapping[str, Any], key: str, *, prefix: str = "", limit: int = TEXT_MAX, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(_("нет поля «%(key)s»") % {"key": key}, field=prefix + key)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed(_("поле «%(key)s» должно быть строкой") % {"key": key}, field=prefix + key)
    result = clip(value, limit)
    if required and not result:
        raise Malformed(_("пустое поле «%(key)s»") % {"key": key}, field=prefix + key)
    return result


def number(data: Mapping[str, Any], key: str, *, prefix: str = "") -> str:
    return text(data, key, prefix=prefix, limit=NUMBER_MAX)


def integer(
    data: Mapping[str, Any], key: str, *, prefix: str = "", maximum: int = 2**62, default: int | None = None
) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise Malformed(_("поле «%(key)s» должно быть целым числом") % {"key": key}, field=prefix + key)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise Malformed(_("поле «%(key)s» должно быть целым числом") % {"key": key}, field=prefix + key)
    if not 0 <= value <= maximum:
        raise Malformed(_("поле «%(key)s»: от 0 до %(max)s") % {"key": key, "max": maximum}, field=prefix + key)
    return value


def seconds(data: Mapping[str, Any], key: str, *, prefix: str = "") -> int | None:
    return integer(data, key, prefix=prefix, maximum=MAX_SECONDS)


def flag(data: Mapping[str, Any], key: str, *, prefix: str = "") -> bool | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise Malformed(_("поле «%(key)s» должно быть true или false") % {"key": key}, field=prefix + key)


def url(data: Mapping[str, Any], key: str, *, prefix: str = "") -> str:
    value = text(data, key, prefix=prefix, limit=1000)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Malformed(_("поле «%(key)s»: нужна ссылка http(s)://") % {"key": key}, field=prefix + key)
    return value


def from_epoch(value: Any, *, field: str) -> datetime:
    try:
        stamp = float(value)
    except (TypeError, ValueError) as exc:
        raise Malformed(_("время: ожидались секунды Unix"), field=field) from exc
    if not _EPOCH_MIN <= stamp <= _EPOCH_MAX:
        raise Malformed(_("время вне разумных пределов"), field=field)
    return datetime.fromtimestamp(stamp, tz=UTC)


def moment(
    data: Mapping[str, Any], key: str, *, prefix: str = "", default: datetime, zone: tzinfo | None = None
) -> datetime:
    """ISO 8601 (with an offset, or in ``zone`` when given) or Unix seconds; ``default`` when absent."""
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise Malformed(_("поле «%(key)s»: ожидалось время") % {"key": key}, field=prefix + key)
    if isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
        return from_epoch(value, field=prefix + key)
    if not isinstance(value, str):
        raise Malformed(_("поле «%(key)s»: ожидалось время") % {"key": key}, field=prefix + key)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Malformed(_("поле «%(key)s»: время в формате ISO 8601") % {"key": key}, field=prefix + key) from exc
    if parsed.tzinfo is None:
        if zone is None:
            raise Malformed(
                _("поле «%(key)s»: укажите часовой пояс (например +03:00)") % {"key": key}, field=prefix + key
            )
        parsed = parsed.replace(tzinfo=zone)
    return parsed
