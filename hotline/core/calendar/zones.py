"""Time zones for the calendar form: Russia's zones first (Kaliningrad … Kamchatka), then the rest of the world."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Every IANA zone of the Russian Federation, west to east, with the city a person looks for.
RUSSIAN_TIME_ZONES: tuple[tuple[str, str], ...] = (
    ("Europe/Kaliningrad", "Калининград"),
    ("Europe/Moscow", "Москва"),
    ("Europe/Simferopol", "Симферополь"),
    ("Europe/Kirov", "Киров"),
    ("Europe/Volgograd", "Волгоград"),
    ("Europe/Astrakhan", "Астрахань"),
    ("Europe/Samara", "Самара"),
    ("Europe/Saratov", "Саратов"),
    ("Europe/Ulyanovsk", "Ульяновск"),
    ("Asia/Yekaterinburg", "Екатеринбург"),
    ("Asia/Omsk", "Омск"),
    ("Asia/Novosibirsk", "Новосибирск"),
    ("Asia/Barnaul", "Барнаул"),
    ("Asia/Tomsk", "Томск"),
    ("Asia/Novokuznetsk", "Новокузнецк"),
    ("Asia/Krasnoyarsk", "Красноярск"),
    ("Asia/Irkutsk", "Иркутск"),
    ("Asia/Chita", "Чита"),
    ("Asia/Yakutsk", "Якутск"),
    ("Asia/Khandyga", "Хандыга"),
    ("Asia/Vladivostok", "Владивосток"),
    ("Asia/Ust-Nera", "Усть-Нера"),
    ("Asia/Magadan", "Магадан"),
    ("Asia/Sakhalin", "Южно-Сахалинск"),
    ("Asia/Srednekolymsk", "Среднеколымск"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский"),
    ("Asia/Anadyr", "Анадырь"),
)


def moscow_offset(zone: str, at: datetime | None = None) -> int:
    """Hours ahead of Moscow (Kaliningrad is −1, Kamchatka +9), as the zone stands at ``at`` (now by default)."""
    moment = at or datetime.now(UTC)
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    moscow = moment.astimezone(ZoneInfo("Europe/Moscow")).utcoffset() or timedelta(0)
    return int((offset - moscow).total_seconds() // 3600)


def russian_zone_label(zone: str, city: str) -> str:
    hours = moscow_offset(zone)
    suffix = "МСК" if hours == 0 else f"МСК{hours:+d}"
    return f"{city} ({suffix}) — {zone}"


@functools.cache
def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices: Russia first, then every other zone this system knows, by name."""
    russian = {zone for zone, _ in RUSSIAN_TIME_ZONES}
    others = sorted(
        z for z in zoneinfo.available_timezones() if z not in russian and "/" in z and not z.startswith("Etc/")
    )
    return [
        ("Россия", [(zone, russian_zone_label(zone, city)) for zone, city in RUSSIAN_TIME_ZONES]),
        ("Другие страны", [(zone, zone.replace("_", " ")) for zone in [*others, "UTC"]]),
    ]
