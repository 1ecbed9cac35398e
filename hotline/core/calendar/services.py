"""Every change to business calendars and to the production calendar (the admin, the demo and commands call these).

Each change checks that the actor is an administrator (``actor=None`` is the system itself: migrations, the
demo, commands), writes an audit row and an event in its transaction, and drops the cached working calendars
so the next SLA computation sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from hotline.core import audit, roles
from hotline.core.calendar import api
from hotline.core.calendar.events import BusinessCalendarChanged, ProductionCalendarChanged
from hotline.core.calendar.hours import DayHours, HoursError, format_hours, normalize, parse_hours, to_json
from hotline.core.calendar.models import (
    WEEKDAY_KEYS,
    BusinessCalendar,
    CalendarException,
    DayKindChoices,
    ProductionCalendarDay,
)
from hotline.core.calendar.production import ProductionDay, derived_days, shipped_days
from hotline.core.calendar.working import FIVE_DAY_WEEK, load_zone
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User

DEFAULT_CALENDAR_NAME = "Производственный календарь РФ (5/2, 9–18)"
MIN_YEAR, MAX_YEAR = 1992, 2100

HoursInput = str | Sequence[Sequence[int]] | DayHours
WeekInput = Mapping[int | str, HoursInput] | Sequence[HoursInput]


def _ensure_admin(actor: User | None) -> None:
    if actor is not None and not roles.is_admin(actor):
        raise Forbidden("Рабочие календари настраивает администратор")


def _hours(value: HoursInput | None, *, field: str) -> DayHours:
    """Hours from text («09:00-13:00, 14:00-18:00») or minute pairs.

    Raises:
        ValidationFailed: the hours cannot be read or overlap.
    """
    if value is None:
        return ()
    try:
        if isinstance(value, str):
            return parse_hours(value)
        return normalize(value)
    except (HoursError, TypeError, ValueError) as exc:
        raise ValidationFailed(str(exc), field=field) from exc


def _week(week: WeekInput) -> dict[str, Any]:
    """The stored weekly schedule from a list of 7 days (Monday first) or a mapping by index or "mon".."sun".

    Raises:
        ValidationFailed: not 7 days, an unknown weekday, or unreadable hours.
    """
    if isinstance(week, Mapping):
        by_key: dict[str, HoursInput] = {}
        for key, value in week.items():
            name = WEEKDAY_KEYS[key] if isinstance(key, int) and 0 <= key < 7 else str(key)
            if name not in WEEKDAY_KEYS:
                raise ValidationFailed(f"Неизвестный день недели: {key!r}", field="week")
            by_key[name] = value
        return {name: to_json(_hours(by_key.get(name), field=name)) for name in WEEKDAY_KEYS}
    days = list(week)
    if len(days) != 7:
        raise ValidationFailed("Часы работы нужны на 7 дней недели, с понедельника", field="week")
    return {name: to_json(_hours(value, field=name)) for name, value in zip(WEEKDAY_KEYS, days, strict=True)}


def _time_zone(name: str) -> str:
    name = (name or "").strip()
    try:
        load_zone(name)
    except ValueError as exc:
        raise ValidationFailed(f"Неизвестный часовой пояс «{name}»", field="time_zone") from exc
    return name


def _changed(calendar_id: int, change: str, actor: User | None) -> None:
    publish(BusinessCalendarChanged(calendar_id=calendar_id, change=change, actor_id=actor.pk if actor else None))
    api.invalidate_on_commit()


def _check_has_working_time(is_24_7: bool, week_hours: Mapping[str, Any]) -> None:
    if not is_24_7 and not any(week_hours.get(name) for name in WEEKDAY_KEYS):
        raise ValidationFailed(
            "Укажите часы работы хотя бы на один день недели или отметьте «круглосуточно»", field="week"
        )


@transaction.atomic
def create_calendar(
    *,
    actor: User | None,
    name: str,
    time_zone: str = "Europe/Moscow",
    week: WeekInput | None = None,
    is_24_7: bool = False,
    uses_production_calendar: bool = True,
    is_default: bool = False,
) -> BusinessCalendar:
    """Create a business calendar (5/2, 09:00-18:00 with lunch 13:00-14:00 when no week is given).

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: an empty or taken name, an unknown time zone, unreadable hours, no working time at all.
    """
    _ensure_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Укажите название календаря", field="name")
    if BusinessCalendar.objects.filter(name=name).exists():
        raise ValidationFailed(f"Календарь «{name}» уже есть", field="name")
    week_hours = _week(week if week is not None else FIVE_DAY_WEEK)
    _check_has_working_time(is_24_7, week_hours)
    if is_default:
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False, updated_at=timezone.now())
    calendar = BusinessCalendar.objects.create(
        name=name,
        time_zone=_time_zone(time_zone),
        week_hours=week_hours,
        is_24_7=is_24_7,
        uses_production_calendar=uses_production_calendar,
        is_default=is_default,
    )
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=calendar, summary=calendar.name)
    _changed(calendar.pk, "created", actor)
    return calendar


_UNSET: Any = object()


@transaction.atomic
def update_calendar(
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    name: str = _UNSET,
    time_zone: str = _UNSET,
    week: WeekInput = _UNSET,
    is_24_7: bool = _UNSET,
    uses_production_calendar: bool = _UNSET,
    is_default: bool = _UNSET,
) -> BusinessCalendar:
    """Change a calendar's settings; only the arguments given change. Making one default unmarks the other.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: as for ``create_calendar``; or unmarking the only default calendar.
    """
    _ensure_admin(actor)
    values: dict[str, Any] = {}
    if name is not _UNSET:
        name = (name or "").strip()
        if not name:
            raise ValidationFailed("Укажите название календаря", field="name")
        if BusinessCalendar.objects.filter(name=name).exclude(pk=calendar.pk).exists():
            raise ValidationFailed(f"Календарь «{name}» уже есть", field="name")
        values["name"] = name
    if time_zone is not _UNSET:
        values["time_zone"] = _time_zone(time_zone)
    if week is not _UNSET:
        values["week_hours"] = _week(week)
    if is_24_7 is not _UNSET:
        values["is_24_7"] = bool(is_24_7)
    if uses_production_calendar is not _UNSET:
        values["uses_production_calendar"] = bool(uses_production_calendar)
    if is_default is not _UNSET:
        if calendar.is_default and not is_default:
            raise ValidationFailed(
                "Календарь по умолчанию снимается, когда другой календарь отмечают «по умолчанию»", field="is_default"
            )
        values["is_default"] = bool(is_default)
    _check_has_working_time(
        values.get("is_24_7", calendar.is_24_7), values.get("week_hours", calendar.week_hours) or {}
    )
    changes = {
        field: [str(getattr(calendar, field)), str(value)]
        for field, value in values.items()
        if getattr(calendar, field) != value
    }
    if not changes:
        return calendar
    if values.get("is_default"):
        BusinessCalendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(
            is_default=False, updated_at=timezone.now()
        )
    for field, value in values.items():
        setattr(calendar, field, value)
    calendar.updated_at = timezone.now()
    calendar.save(update_fields=[*values, "updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=calendar, summary=calendar.name, changes=changes)
    _changed(calendar.pk, "updated", actor)
    return calendar


@transaction.atomic
def delete_calendar(*, actor: User | None, calendar: BusinessCalendar) -> None:
    """Delete a calendar that nothing uses.

    Raises:
        Forbidden: not an administrator.
        Conflict: it is the default calendar, or queues / SLA policies still point to it.
    """
    _ensure_admin(actor)
    if calendar.is_default:
        raise Conflict("Календарь по умолчанию нельзя удалить: сначала отметьте «по умолчанию» другой календарь")
    calendar_id, calendar_name = calendar.pk, calendar.name
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError as exc:
        users = sorted({str(obj) for obj in exc.protected_objects})[:5]
        raise Conflict(f"Календарь «{calendar_name}» используется: {', '.join(users)}") from exc
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        object_type="core.businesscalendar",
        object_id=calendar_id,
        summary=calendar_name,
    )
    _changed(calendar_id, "deleted", actor)


def _check_year(day: date) -> None:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(f"Год должен быть от {MIN_YEAR} до {MAX_YEAR}", field="date")


@transaction.atomic
def set_calendar_exception(
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    day: date,
    kind: str,
    hours: HoursInput | None = None,
    note: str = "",
) -> CalendarException:
    """Mark one date of a calendar as a day off, a working day or a short day (optionally with its own hours).

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: an unknown kind, hours on a day off, unreadable hours, a working day with no hours
            to work (the week has none and none are given).
    """
    _ensure_admin(actor)
    _check_year(day)
    if kind not in DayKindChoices.values:
        raise ValidationFailed(f"Вид дня: одно из {', '.join(DayKindChoices.values)}", field="kind")
    custom = _hours(hours, field="hours")
    if kind == DayKindChoices.HOLIDAY and custom:
        raise ValidationFailed("У нерабочего дня не бывает часов работы", field="hours")
    if kind != DayKindChoices.HOLIDAY and not custom and not calendar.is_24_7 and not any(calendar.week()):
        raise ValidationFailed("Укажите часы работы этого дня", field="hours")
    note = (note or "").strip()[:200]
    existing = CalendarException.objects.filter(calendar=calendar, date=day).first()
    before = f"{existing.kind} {format_hours(existing.custom_hours() or ())}".strip() if existing else ""
    exception, created = CalendarException.objects.update_or_create(
        calendar=calendar, date=day, defaults={"kind": kind, "hours": to_json(custom), "note": note}
    )
    BusinessCalendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=exception,
        summary=f"{calendar.name}: {day:%d.%m.%Y} {exception.get_kind_display()}",
        changes={} if created else {"day": [before, f"{kind} {format_hours(custom)}".strip()]},
    )
    _changed(calendar.pk, "exception_set", actor)
    return exception


@transaction.atomic
def remove_calendar_exception(*, actor: User | None, calendar: BusinessCalendar, day: date) -> bool:
    """Return a date of a calendar to its weekly schedule; False when it had no exception.

    Raises:
        Forbidden: not an administrator.
    """
    _ensure_admin(actor)
    exception = CalendarException.objects.filter(calendar=calendar, date=day).first()
    if exception is None:
        return False
    exception_id = exception.pk
    exception.delete()
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        object_type="core.calendarexception",
        object_id=exception_id,
        summary=f"{calendar.name}: {day:%d.%m.%Y}",
    )
    _changed(calendar.pk, "exception_removed", actor)
    return True


def _materialize_year(year: int) -> int:
    """Copy a year into the database before its first edit (shipped data, else derived), so an edit of one
    date never drops the rest of that year. Returns how many rows it wrote."""
    if ProductionCalendarDay.objects.filter(date__year=year).exists():
        return 0
    source: Sequence[ProductionDay] = shipped_days().get(year) or derived_days(year)
    rows = [ProductionCalendarDay(date=day.date, kind=day.kind.value, note=day.note[:200]) for day in source]
    ProductionCalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _production_changed(day: date, change: str, actor: User | None) -> None:
    publish(
        ProductionCalendarChanged(
            year=day.year, date=day.isoformat(), change=change, actor_id=actor.pk if actor else None
        )
    )
    api.invalidate_on_commit()


@transaction.atomic
def set_production_day(*, actor: User | None, day: date, kind: str, note: str = "") -> ProductionCalendarDay:
    """Enter or correct one date of Russia's production calendar (a new decree, a regional holiday).

    The first edit of a year copies that year in from the shipped data (or, for a year not shipped, from
    the public holidays the ``holidays`` package knows), so only the edited date changes.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: an unknown kind or a year outside 1992–2100.
    """
    _ensure_admin(actor)
    _check_year(day)
    if kind not in DayKindChoices.values:
        raise ValidationFailed(f"Вид дня: одно из {', '.join(DayKindChoices.values)}", field="kind")
    _materialize_year(day.year)
    note = (note or "").strip()[:200]
    existing = ProductionCalendarDay.objects.filter(date=day).first()
    try:
        with transaction.atomic():
            row, created = ProductionCalendarDay.objects.update_or_create(
                date=day, defaults={"kind": kind, "note": note, "updated_at": timezone.now()}
            )
    except IntegrityError as exc:  # two administrators saving the same date at once
        raise Conflict("Этот день только что изменили; обновите страницу") from exc
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=row,
        summary=f"Производственный календарь: {day:%d.%m.%Y} {row.get_kind_display()}",
        changes={} if existing is None else {"kind": [existing.kind, kind], "note": [existing.note, note]},
    )
    _production_changed(day, "set", actor)
    return row


@transaction.atomic
def remove_production_day(*, actor: User | None, day: date) -> bool:
    """Make a date of the production calendar an ordinary day of its week; False when it was one already.

    Raises:
        Forbidden: not an administrator.
    """
    _ensure_admin(actor)
    _check_year(day)
    _materialize_year(day.year)
    row = ProductionCalendarDay.objects.filter(date=day).first()
    if row is None:
        return False
    row_id, kind = row.pk, row.kind
    row.delete()
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        object_type="core.productioncalendarday",
        object_id=row_id,
        summary=f"Производственный календарь: {day:%d.%m.%Y} ({kind}) — обычный день",
    )
    _production_changed(day, "removed", actor)
    return True


@transaction.atomic
def ensure_default_calendar(*, actor: User | None = None) -> BusinessCalendar:
    """The default calendar, created once as «Производственный календарь РФ (5/2, 9–18)»; safe to call again.

    Raises:
        Forbidden: an actor who is not an administrator.
    """
    _ensure_admin(actor)
    current = BusinessCalendar.objects.filter(is_default=True).first()
    if current is not None:
        return current
    existing = BusinessCalendar.objects.select_for_update().filter(name=DEFAULT_CALENDAR_NAME).first()
    if existing is not None:
        return update_calendar(actor=actor, calendar=existing, is_default=True)
    try:
        with transaction.atomic():
            return create_calendar(actor=actor, name=DEFAULT_CALENDAR_NAME, is_default=True)
    except IntegrityError:
        # Another process created it between our check and insert: theirs is as good as ours.
        return BusinessCalendar.objects.get(is_default=True)


@transaction.atomic
def load_production_year(*, actor: User | None, year: int) -> int:
    """Copy a year of the production calendar into the database so an administrator can edit it there.

    A shipped year is copied as shipped; any other year starts from the public holidays (ТК РФ ст. 112) and
    the transfers the ``holidays`` package knows. Returns how many days were copied (0: already there).

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: a year outside 1992–2100.
    """
    _ensure_admin(actor)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"Год должен быть от {MIN_YEAR} до {MAX_YEAR}", field="year")
    copied = _materialize_year(year)
    if copied:
        audit.record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            object_type="core.productioncalendarday",
            object_id=str(year),
            summary=f"Производственный календарь {year}: загружено дней — {copied}",
        )
        _production_changed(date(year, 1, 1), "loaded", actor)
    return copied
