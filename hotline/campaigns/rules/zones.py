"""Which time zones a callee may be in: from an explicit zone, the number's region, or the address.

Pure Python (phonenumbers, no Django). The answer is a *set* of zones and the calling window is the intersection
of their local windows, so every doubt only narrows the window and never allows a call that is illegal where the
callee really is:

* an explicit zone (the list's column, the contact's card) is taken as it is;
* otherwise the number's zone (a landline's area code pins it; Russian mobile numbers do not) and the zones named
  by the address are both kept (a Moscow landline and a Vladivostok address give both zones);
* nothing known → every zone of Russia: the *safe window*, 09:00–13:00 Moscow time on a weekday for debt calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

from hotline.core.calendar.zones import RUSSIAN_TIME_ZONES

RUSSIAN_ZONES: tuple[str, ...] = tuple(zone for zone, _ in RUSSIAN_TIME_ZONES)

# libphonenumber files Kaliningrad (+7 401) under Bucharest, which shares its winter offset but keeps summer time;
# Kaliningrad does not.
_PHONE_ZONE_FIXES = {"Europe/Bucharest": "Europe/Kaliningrad"}

# Regions and their centres as written in Russian addresses → zone. Matched on word starts, case-insensitively;
# a street named after another city («Московский проспект») only adds a zone, which narrows the window.
_ADDRESS_ZONES: tuple[tuple[str, str], ...] = (
    (r"калининград", "Europe/Kaliningrad"),
    (
        r"москв|московск|санкт-петербург|петербург|ленинградск|белгород|брянск|владимирск|г\.?\s*владимир\b|воронеж"
        r"|ивановск|г\.?\s*иваново|калужск|калуга|костром|курск|липецк|орловск|г\.?\s*орёл|г\.?\s*орел|рязан|смоленск"
        r"|тамбов|тверск|г\.?\s*тверь|тульск|г\.?\s*тула|ярослав|архангельск|вологод|карели|петрозаводск|коми|сыктывкар"
        r"|мурманск|новгород|псков|ненецк|краснодар|кубан|ростов|адыге|майкоп|крым|симферопол|севастопол|дагестан"
        r"|махачкал|ингушет|кабардин|нальчик|карачаев|черкесск|осети|владикавказ|чечен|грозн|ставрополь|калмык|элист"
        r"|мордов|саранск|марий|йошкар|чуваш|чебоксар|татарстан|казан|пенз|нижегород|нижний новгород",
        "Europe/Moscow",
    ),
    (r"киров", "Europe/Kirov"),
    (r"волгоград", "Europe/Volgograd"),
    (r"астрахан", "Europe/Astrakhan"),
    (r"самар|удмурт|ижевск|тольятти", "Europe/Samara"),
    (r"саратов", "Europe/Saratov"),
    (r"ульяновск", "Europe/Ulyanovsk"),
    (
        r"екатеринбург|свердловск|челябинск|курган|тюмен|перм|башкорт|г\.?\s*уфа\b|оренбург|ханты|югр|ямал|салехард"
        r"|сургут|магнитогорск",
        "Asia/Yekaterinburg",
    ),
    (r"омск", "Asia/Omsk"),
    (r"новосибирск", "Asia/Novosibirsk"),
    (r"алтай|барнаул", "Asia/Barnaul"),
    (r"томск", "Asia/Tomsk"),
    (r"кемеров|кузбасс|новокузнецк", "Asia/Novokuznetsk"),
    (r"красноярск|хакас|абакан|тыва|тува|кызыл|норильск", "Asia/Krasnoyarsk"),
    (r"иркутск|бурят|улан-удэ|братск", "Asia/Irkutsk"),
    (r"забайкал|чита|г\.?\s*чита", "Asia/Chita"),
    (r"якут|саха\b|амурск|благовещенск", "Asia/Yakutsk"),
    (r"примор|владивосток|находк|уссурийск|хабаровск|еврейск|биробиджан|комсомольск-на-амуре", "Asia/Vladivostok"),
    (r"магадан", "Asia/Magadan"),
    (r"сахалин|южно-сахалинск", "Asia/Sakhalin"),
    (r"камчат", "Asia/Kamchatka"),
    (r"чукот|анадыр", "Asia/Anadyr"),
)
_ADDRESS_PATTERNS = tuple(
    (re.compile(r"(?<![а-яё])(?:" + pattern + ")", re.IGNORECASE), zone) for pattern, zone in _ADDRESS_ZONES
)


class ZoneSource:
    EXPLICIT = "explicit"
    NUMBER = "number"
    ADDRESS = "address"
    NUMBER_AND_ADDRESS = "number_address"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ZoneResolution:
    zones: tuple[str, ...]
    source: str

    @property
    def is_safe_window(self) -> bool:
        return self.source == ZoneSource.UNKNOWN


def is_valid_zone(name: str) -> bool:
    if not name or ("/" not in name and name != "UTC"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zones_for_number(e164: str) -> tuple[str, ...]:
    """The zones the number's region lies in; empty when the number does not tell (a Russian mobile)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    zones = [z for z in phone_timezone.time_zones_for_number(number) if z != phone_timezone.UNKNOWN_TIMEZONE]
    if number.country_code == 7:
        zones = [_PHONE_ZONE_FIXES.get(z, z) for z in zones]
        if len(zones) != 1:
            # A +7 mobile range is filed under "all of Russia (and Kazakhstan)": it tells nothing.
            return ()
    return tuple(sorted(set(zones)))


def zones_for_address(address: str) -> tuple[str, ...]:
    """The zones of the Russian regions or cities an address names (empty when it names none we know)."""
    if not address:
        return ()
    text = address.replace("ё", "е").replace("Ё", "Е")
    found = {zone for pattern, zone in _ADDRESS_PATTERNS if pattern.search(text) or pattern.search(address)}
    return tuple(sorted(found))


def resolve_zones(*, explicit: str = "", number: str = "", address: str = "") -> ZoneResolution:
    """The zones the callee may be in (see the module docstring for the order)."""
    if explicit and is_valid_zone(explicit):
        return ZoneResolution((explicit,), ZoneSource.EXPLICIT)
    by_number = zones_for_number(number) if number else ()
    by_address = zones_for_address(address)
    if by_number and by_address:
        return ZoneResolution(tuple(sorted(set(by_number) | set(by_address))), ZoneSource.NUMBER_AND_ADDRESS)
    if by_number:
        return ZoneResolution(by_number, ZoneSource.NUMBER)
    if by_address:
        return ZoneResolution(by_address, ZoneSource.ADDRESS)
    return ZoneResolution(RUSSIAN_ZONES, ZoneSource.UNKNOWN)


def pack(zones: tuple[str, ...]) -> str:
    return ",".join(zones)


def unpack(text: str) -> tuple[str, ...]:
    zones = tuple(z for z in (text or "").split(",") if z)
    return zones or RUSSIAN_ZONES
