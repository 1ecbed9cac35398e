"""Business calendars stored in the database; re-exported by ``hotline.core.models``.

The rows hold configuration only; ``hotline.core.calendar.api.get_calendar`` turns them into the pure
``WorkingCalendar`` that does the arithmetic, and ``services`` makes every change.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.calendar.hours import NO_HOURS, DayHours, HoursError, from_json, to_json
from hotline.core.calendar.production import DayKind
from hotline.core.calendar.working import FIVE_DAY_WEEK

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DayKindChoices(models.TextChoices):
    HOLIDAY = DayKind.HOLIDAY.value, _("нерабочий день")
    WORKING = DayKind.WORKING.value, _("рабочий день")
    SHORT = DayKind.SHORT.value, _("сокращённый день (на час короче)")


def default_week_hours() -> dict[str, Any]:
    return {key: to_json(hours) for key, hours in zip(WEEKDAY_KEYS, FIVE_DAY_WEEK, strict=True)}


class BusinessCalendar(models.Model):
    """When an organisation (or a queue, an SLA policy) works: a time zone and hours per weekday."""

    name = models.CharField(_("название"), max_length=150, unique=True)
    time_zone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")
    is_default = models.BooleanField(
        _("по умолчанию"), default=False, help_text=_("Календарь очередей и SLA, для которых свой не выбран.")
    )
    is_24_7 = models.BooleanField(
        _("круглосуточно"), default=False, help_text=_("Работа 24 часа в сутки 7 дней в неделю; часы по дням не нужны.")
    )
    uses_production_calendar = models.BooleanField(
        _("производственный календарь РФ"),
        default=True,
        help_text=_("Праздники, переносы выходных и сокращённые предпраздничные дни по постановлениям Правительства."),
    )
    # {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ..., "sun": []}; an end at or before the start is overnight.
    week_hours: models.JSONField[Any] = models.JSONField(_("часы работы по дням недели"), default=default_week_hours)
    created_at = models.DateTimeField(_("создан"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("изменён"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("рабочий календарь")
        verbose_name_plural = _("рабочие календари")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="calendar_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def hours_of(self, weekday: int) -> DayHours:
        """Hours of a weekday (Monday is 0); a malformed stored value reads as a day off rather than crashing."""
        raw = (self.week_hours or {}).get(WEEKDAY_KEYS[weekday])
        try:
            return from_json(raw)
        except HoursError:
            return NO_HOURS

    def week(self) -> tuple[DayHours, ...]:
        return tuple(self.hours_of(weekday) for weekday in range(7))


class CalendarException(models.Model):
    """One date of one calendar that departs from its week: a day off, a working day or a short day."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("календарь")
    )
    date = models.DateField(_("дата"))
    kind = models.CharField(_("вид дня"), max_length=16, choices=DayKindChoices.choices)
    # [["10:00", "16:00"]]; empty means "the usual hours of that weekday" (minus an hour for a short day).
    hours: models.JSONField[Any] = models.JSONField(_("свои часы работы"), default=list, blank=True)
    note = models.CharField(_("примечание"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("особый день календаря")
        verbose_name_plural = _("особые дни календаря")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_once")]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}"

    def custom_hours(self) -> DayHours | None:
        if not self.hours:
            return None
        try:
            return from_json(self.hours)
        except HoursError:
            return None


class ProductionCalendarDay(models.Model):
    """A date of Russia's production calendar entered or corrected by an administrator.

    A year with any row here is taken wholly from these rows; other years come from the shipped data.
    The first edit of a year copies that year in (``services.set_production_day``), so nothing is lost.
    """

    date = models.DateField(_("дата"), unique=True)
    kind = models.CharField(_("вид дня"), max_length=16, choices=DayKindChoices.choices)
    note = models.CharField(_("примечание"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("изменён"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("день производственного календаря")
        verbose_name_plural = _("производственный календарь РФ")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}"
