"""Working hours of one day as minute intervals, and their text form «09:00-13:00, 14:00-18:00».

Pure Python: no Django, so the arithmetic can be used and tested on its own.

An interval is ``(start, end)`` in minutes from the local midnight of the day it belongs to. ``start`` lies in
the day (0 ≤ start < 1440); ``end`` may pass midnight for an overnight shift (22:00-06:00 is ``(1320, 1800)``),
and an interval lasts at most 24 hours. In text an end at or before the start means "the next morning", and
``00:00-00:00`` (or ``00:00-24:00``) is the whole day.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

MINUTES_PER_DAY = 24 * 60

Interval = tuple[int, int]
DayHours = tuple[Interval, ...]

FULL_DAY: DayHours = ((0, MINUTES_PER_DAY),)
NO_HOURS: DayHours = ()

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DASHES = re.compile(r"\s*[-–—]\s*")


class HoursError(ValueError):
    """Working hours that cannot be understood or that contradict themselves (the message is for a person)."""


def _parse_time(text: str, *, allow_24: bool) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"«{text.strip()}» — не время; ожидается ЧЧ:ММ, например 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise HoursError(f"«{text.strip()}» — такого времени нет")
    return hours * 60 + minutes


def format_time(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_interval(start: int, end: int) -> Interval:
    """An interval from wall-clock minutes; an end at or before the start means the next day."""
    if not 0 <= start < MINUTES_PER_DAY:
        raise HoursError(f"начало {start} вне суток")
    if end <= start:
        end += MINUTES_PER_DAY
    if end - start > MINUTES_PER_DAY:
        raise HoursError("интервал длиннее суток")
    return (start, end)


def normalize(intervals: Iterable[Sequence[int]]) -> DayHours:
    """Sorted, validated intervals of one day; overlapping ones are an error so a typo is not silently merged."""
    result: list[Interval] = []
    for item in intervals:
        if len(item) != 2:
            raise HoursError("интервал — это пара (начало, конец)")
        start, end = int(item[0]), int(item[1])
        if not 0 <= start < MINUTES_PER_DAY or not start < end <= start + MINUTES_PER_DAY:
            raise HoursError(f"неверный интервал {format_interval((start, end))}")
        result.append((start, end))
    result.sort()
    for (_, end), (next_start, _) in itertools.pairwise(result):
        if next_start < end:
            raise HoursError("интервалы одного дня пересекаются")
    return tuple(result)


def parse_hours(text: str) -> DayHours:
    """«09:00-13:00, 14:00-18:00» → ((540, 780), (840, 1080)); an empty string is a day off.

    Raises:
        HoursError: the text is not a list of ЧЧ:ММ-ЧЧ:ММ intervals, or the intervals overlap.
    """
    text = text.strip()
    if not text:
        return NO_HOURS
    intervals: list[Interval] = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        pieces = _DASHES.split(part)
        if len(pieces) != 2:
            raise HoursError(f"«{part}» — ожидается интервал ЧЧ:ММ-ЧЧ:ММ, например 09:00-18:00")
        start = _parse_time(pieces[0], allow_24=False)
        end = _parse_time(pieces[1], allow_24=True)
        if start == end and start != 0:
            raise HoursError(f"«{part}» — пустой интервал; круглые сутки записываются как 00:00-24:00")
        intervals.append(make_interval(start, end))
    return normalize(intervals)


def format_interval(interval: Interval) -> str:
    start, end = interval
    end_text = "24:00" if end == MINUTES_PER_DAY else format_time(end)
    return f"{format_time(start)}-{end_text}"


def format_hours(hours: Iterable[Interval]) -> str:
    return ", ".join(format_interval(i) for i in hours)


def to_json(hours: DayHours) -> list[list[str]]:
    """The stored form: [["09:00", "13:00"], ...]; readable in a database dump and stable across versions."""
    return [format_interval(i).split("-") for i in hours]


def from_json(value: object) -> DayHours:
    """Reads the stored form back (also accepts minute pairs).

    Raises:
        HoursError: the stored value is malformed.
    """
    if value in (None, ""):
        return NO_HOURS
    if not isinstance(value, list | tuple):
        raise HoursError("часы работы должны быть списком интервалов")
    intervals: list[Interval] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise HoursError("интервал — это пара [начало, конец]")
        if all(isinstance(x, int) for x in item):
            intervals.append((int(item[0]), int(item[1])))
        else:
            start = _parse_time(str(item[0]), allow_24=False)
            end = _parse_time(str(item[1]), allow_24=True)
            intervals.append(make_interval(start, end))
    return normalize(intervals)


def total_minutes(hours: DayHours) -> int:
    return sum(end - start for start, end in hours)


def shorten(hours: DayHours, minutes: int) -> DayHours:
    """The same day ending ``minutes`` earlier (a pre-holiday day is one hour shorter, ТК РФ ст. 95)."""
    result = list(hours)
    left = minutes
    while result and left > 0:
        start, end = result[-1]
        if end - start > left:
            result[-1] = (start, end - left)
            left = 0
        else:
            left -= end - start
            result.pop()
    return tuple(result)
