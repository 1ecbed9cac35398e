"""The text form of working hours an administrator types: «09:00-13:00, 14:00-18:00»."""

from __future__ import annotations

import pytest

from hotline.core.calendar.hours import (
    FULL_DAY,
    HoursError,
    format_hours,
    from_json,
    parse_hours,
    shorten,
    to_json,
)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("09:00-18:00", ((540, 1080),)),
        ("14:00-18:00, 09:00-13:00", ((540, 780), (840, 1080))),  # sorted
        ("9:00 – 13:00; 14:00—18:00", ((540, 780), (840, 1080))),  # dashes and separators people type
        ("22:00-06:00", ((1320, 1800),)),  # overnight
        ("20:00-00:00", ((1200, 1440),)),  # until midnight
        ("00:00-24:00", FULL_DAY),
        ("00:00-00:00", FULL_DAY),
        ("", ()),
        ("  ", ()),
    ],
)
def test_parse(text: str, hours: tuple[tuple[int, int], ...]) -> None:
    assert parse_hours(text) == hours
    assert parse_hours(format_hours(hours)) == hours
    assert from_json(to_json(hours)) == hours


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-18", "ЧЧ:ММ"),
        ("09:00", "интервал"),
        ("25:00-26:00", "такого времени нет"),
        ("09:70-10:00", "такого времени нет"),
        ("24:00-01:00", "такого времени нет"),
        ("10:00-10:00", "пустой интервал"),
        ("09:00-13:00, 12:00-18:00", "пересекаются"),
        ("09:00-13:00-15:00", "интервал"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(HoursError, match=message):
        parse_hours(text)


def test_stored_form_is_readable_and_checked() -> None:
    assert to_json(((540, 780), (1320, 1800))) == [["09:00", "13:00"], ["22:00", "06:00"]]
    assert from_json([[540, 780]]) == ((540, 780),)
    for bad in ("09:00-18:00", [["09:00"]], [[600, 500]], [["10:00", "09:00"], ["08:00", "12:00"]]):
        with pytest.raises(HoursError):
            from_json(bad)


def test_shorten_takes_the_hour_from_the_end() -> None:
    assert shorten(parse_hours("09:00-13:00, 14:00-18:00"), 60) == parse_hours("09:00-13:00, 14:00-17:00")
    assert shorten(parse_hours("09:00-13:00, 14:00-14:30"), 60) == parse_hours("09:00-12:30")
    assert shorten(parse_hours("22:00-06:00"), 60) == parse_hours("22:00-05:00")
    assert shorten((), 60) == ()
