"""Admin for core's configuration: business calendars and Russia's production calendar.

Every save goes through ``hotline.core.calendar.services``. A form first runs the service in a savepoint that
is rolled back (so its refusals appear next to the field, and nothing is written while the inlines are still
unchecked), then the real call happens in ``save_model`` once the whole page is valid.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.calendar import api, services
from hotline.core.calendar.hours import DayHours, format_hours
from hotline.core.calendar.models import (
    WEEKDAY_KEYS,
    BusinessCalendar,
    CalendarException,
    DayKindChoices,
    ProductionCalendarDay,
)
from hotline.core.calendar.working import MonthNorm, WorkingCalendar
from hotline.core.calendar.zones import time_zone_choices
from hotline.core.errors import DomainError
from hotline.core.models import User

WEEKDAY_LABELS = (
    _("Понедельник"),
    _("Вторник"),
    _("Среда"),
    _("Четверг"),
    _("Пятница"),
    _("Суббота"),
    _("Воскресенье"),
)
MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
HOURS_HELP = _("Например «09:00-13:00, 14:00-18:00»; пусто — выходной; «22:00-06:00» — ночная смена до утра.")


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class _DryRun(Exception):
    """Rolls back a service call made only to validate the form."""


def _validate_with(form: forms.BaseForm, call: Callable[[], object]) -> None:
    """Run ``call`` in a savepoint that is always rolled back; a domain error becomes a form error."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, ValidationError(exc.message))


def _adopt(target: Any, saved: Any) -> None:
    """Make the admin's own object the row the service saved: the admin logs and redirects with that object."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def week_summary(week: tuple[DayHours, ...]) -> str:
    """«пн–пт 09:00-13:00, 14:00-18:00; сб 10:00-14:00»: runs of days with the same hours are joined."""
    short = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
    parts: list[str] = []
    start = 0
    for end in range(1, 8):
        if end < 7 and week[end] == week[start]:
            continue
        if week[start]:
            days = short[start] if end - 1 == start else f"{short[start]}–{short[end - 1]}"
            parts.append(f"{days} {format_hours(week[start])}")
        start = end
    return "; ".join(parts)


def _hours_value(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def norms_table(norms: list[MonthNorm]) -> SafeString:
    """Working days and hours per month, with the year's total: what the payroll and the SLA both rely on."""
    header = format_html_join("", "<th>{}</th>", ((m,) for m in MONTHS))
    days = format_html_join("", "<td>{}</td>", ((n.working_days,) for n in norms))
    hours = format_html_join("", "<td>{}</td>", ((_hours_value(n.working_hours),) for n in norms))
    total_days = sum(n.working_days for n in norms)
    total_hours = _hours_value(sum(n.working_minutes for n in norms) / 60)
    return format_html(
        '<table class="calendar-norms"><thead><tr><th></th>{}<th>{}</th></tr></thead><tbody>'
        "<tr><th>{}</th>{}<td><b>{}</b></td></tr><tr><th>{}</th>{}<td><b>{}</b></td></tr></tbody></table>",
        header,
        gettext("год"),
        gettext("рабочих дней"),
        days,
        total_days,
        gettext("часов"),
        hours,
        total_hours,
    )


# --- business calendars --------------------------------------------------------------------------------


def _hours_field(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text)


class BusinessCalendarForm(forms.ModelForm[BusinessCalendar]):
    time_zone = forms.ChoiceField(label=_("часовой пояс"), choices=time_zone_choices, initial="Europe/Moscow")
    mon = _hours_field(WEEKDAY_LABELS[0], HOURS_HELP)
    tue = _hours_field(WEEKDAY_LABELS[1])
    wed = _hours_field(WEEKDAY_LABELS[2])
    thu = _hours_field(WEEKDAY_LABELS[3])
    fri = _hours_field(WEEKDAY_LABELS[4])
    sat = _hours_field(WEEKDAY_LABELS[5])
    sun = _hours_field(WEEKDAY_LABELS[6])

    actor: User | None = None

    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone", "is_default", "is_24_7", "uses_production_calendar")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in WEEKDAY_KEYS:
            if self.instance.pk:
                initial = format_hours(self.instance.hours_of(WEEKDAY_KEYS.index(key)))
            else:
                initial = "" if key in ("sat", "sun") else "09:00-13:00, 14:00-18:00"
            self.fields[key].initial = initial

    def week(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in WEEKDAY_KEYS}

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name", ""),
            "time_zone": data.get("time_zone", ""),
            "week": self.week(),
            "is_24_7": bool(data.get("is_24_7")),
            "uses_production_calendar": bool(data.get("uses_production_calendar")),
            "is_default": bool(data.get("is_default")),
        }

    def save_with_service(self, actor: User) -> BusinessCalendar:
        if self.instance.pk:
            return services.update_calendar(actor=actor, calendar=self.instance, **self.service_arguments())
        return services.create_calendar(actor=actor, **self.service_arguments())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and self.actor is not None:
            actor = self.actor
            if self.instance.pk:
                # The dry run must not touch the instance the page goes on to save.
                original = BusinessCalendar.objects.get(pk=self.instance.pk)
                _validate_with(
                    self,
                    lambda: services.update_calendar(actor=actor, calendar=original, **self.service_arguments()),
                )
            else:
                _validate_with(self, lambda: services.create_calendar(actor=actor, **self.service_arguments()))
        return data


class CalendarExceptionForm(forms.ModelForm[CalendarException]):
    hours_text = forms.CharField(
        label=_("свои часы"),
        required=False,
        help_text=_("Пусто — обычные часы этого дня недели (для сокращённого дня — на час меньше)."),
    )

    class Meta:
        model = CalendarException
        fields = ("date", "kind", "hours_text", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["hours_text"].initial = format_hours(self.instance.custom_hours() or ())


class CalendarExceptionFormSet(forms.BaseInlineFormSet[CalendarException, BusinessCalendar, Any]):
    def clean(self) -> None:
        super().clean()
        seen: set[date] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            day = data.get("date")
            if not day or data.get("DELETE"):
                continue
            if day in seen:
                form.add_error("date", ValidationError(gettext("Эта дата уже есть выше")))
            seen.add(day)
            kind, hours = data.get("kind", ""), data.get("hours_text", "")
            _validate_with(form, partial(_check_exception, self.instance, day, kind, hours))


def _check_exception(calendar: BusinessCalendar, day: date, kind: str, hours: str) -> None:
    """The service's own checks; a calendar being added is stood in for by a throwaway one (rolled back)."""
    if not calendar.pk:
        calendar = services.create_calendar(actor=None, name=f"проверка {uuid.uuid4()}", is_24_7=True, week={})
    services.set_calendar_exception(actor=None, calendar=calendar, day=day, kind=kind, hours=hours)


class CalendarExceptionInline(admin.TabularInline[CalendarException, BusinessCalendar]):
    model = CalendarException
    form = CalendarExceptionForm
    formset = CalendarExceptionFormSet
    extra = 1
    fields = ("date", "kind", "hours_text", "note")
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    form = BusinessCalendarForm
    list_display = ("name", "time_zone", "is_default", "is_24_7", "uses_production_calendar", "week_summary", "norm")
    list_filter = ("is_default", "is_24_7", "uses_production_calendar")
    search_fields = ("name",)
    readonly_fields = ("norms_this_year", "norms_next_year")
    inlines = [CalendarExceptionInline]
    actions = None  # deletion one by one: the default calendar and calendars in use must not vanish in bulk

    def get_fieldsets(self, request: HttpRequest, obj: BusinessCalendar | None = None) -> Any:
        sets: list[Any] = [
            (None, {"fields": ("name", "time_zone", "is_default", "is_24_7", "uses_production_calendar")}),
            (_("Часы работы по дням недели"), {"fields": WEEKDAY_KEYS}),
        ]
        if obj is not None:
            sets.append((_("Норма рабочего времени"), {"fields": ("norms_this_year", "norms_next_year")}))
        return sets

    def get_form(
        self, request: HttpRequest, obj: BusinessCalendar | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("BusinessCalendarActorForm", (form,), {"actor": _actor(request)})

    def save_model(self, request: HttpRequest, obj: BusinessCalendar, form: Any, change: bool) -> None:
        _adopt(obj, form.save_with_service(_actor(request)))
        form.instance = obj

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = _actor(request)
        calendar = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or not data.get("date"):
                continue
            original = inline_form.instance.date if inline_form.instance.pk else None
            if data.get("DELETE"):
                services.remove_calendar_exception(actor=actor, calendar=calendar, day=original or data["date"])
                continue
            if original and original != data["date"]:
                services.remove_calendar_exception(actor=actor, calendar=calendar, day=original)
            services.set_calendar_exception(
                actor=actor,
                calendar=calendar,
                day=data["date"],
                kind=data["kind"],
                hours=data.get("hours_text") or "",
                note=data.get("note") or "",
            )

    def has_delete_permission(self, request: HttpRequest, obj: BusinessCalendar | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_default)

    def delete_model(self, request: HttpRequest, obj: BusinessCalendar) -> None:
        services.delete_calendar(actor=_actor(request), calendar=obj)

    @admin.display(description=_("часы работы"))
    def week_summary(self, obj: BusinessCalendar) -> str:
        if obj.is_24_7:
            return gettext("круглосуточно")
        return week_summary(obj.week()) or gettext("нет")

    def get_queryset(self, request: HttpRequest) -> QuerySet[BusinessCalendar]:
        return super().get_queryset(request).prefetch_related("exceptions")

    def _working(self, obj: BusinessCalendar) -> WorkingCalendar | None:
        return api.working_calendar_for(obj) if obj.pk else None

    @admin.display(description=_("норма этого года"))
    def norm(self, obj: BusinessCalendar) -> str:
        working = self._working(obj)
        if working is None:
            return "—"
        norms = working.year_norms(timezone.localdate().year)
        hours = _hours_value(sum(n.working_minutes for n in norms) / 60)
        return gettext("%(days)s дн., %(hours)s ч") % {"days": sum(n.working_days for n in norms), "hours": hours}

    def _norms(self, obj: BusinessCalendar, year: int) -> SafeString | str:
        working = self._working(obj) if obj.pk else None
        if working is None:
            return "—"
        table = norms_table(working.year_norms(year))
        production = working.production
        if production is not None and not production.is_official(year):
            return format_html(
                "{}<p class='help'>{}</p>",
                table,
                gettext("Официального календаря на %(year)s год ещё нет: праздники взяты из ТК РФ, без переносов.")
                % {"year": year},
            )
        return table

    @admin.display(description=_("в этом году"))
    def norms_this_year(self, obj: BusinessCalendar) -> SafeString | str:
        return self._norms(obj, timezone.localdate().year)

    @admin.display(description=_("в следующем году"))
    def norms_next_year(self, obj: BusinessCalendar) -> SafeString | str:
        return self._norms(obj, timezone.localdate().year + 1)


# --- the production calendar ------------------------------------------------------------------------


class YearFilter(admin.SimpleListFilter):
    title = _("год")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = ProductionCalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ProductionCalendarDay]
    ) -> QuerySet[ProductionCalendarDay]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class ProductionCalendarDayForm(forms.ModelForm[ProductionCalendarDay]):
    class Meta:
        model = ProductionCalendarDay
        fields = ("date", "kind", "note")
        help_texts = {
            "date": _(
                "Первая правка года переносит в базу весь год (из поставки Hotline или по праздникам ТК РФ), "
                "дальше год берётся только отсюда."
            )
        }

    actor: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and self.actor is not None:
            actor = self.actor
            _validate_with(
                self,
                lambda: services.set_production_day(
                    actor=actor, day=data["date"], kind=data["kind"], note=data.get("note", "")
                ),
            )
        return data

    def validate_unique(self) -> None:
        """The service updates an existing date instead of refusing it (a year is copied in on first edit)."""


@admin.register(ProductionCalendarDay)
class ProductionCalendarDayAdmin(admin.ModelAdmin[ProductionCalendarDay]):
    form = ProductionCalendarDayForm
    list_display = ("date", "weekday", "kind", "note")
    list_filter = (YearFilter, "kind")
    search_fields = ("note",)
    date_hierarchy = "date"
    actions = None

    def get_form(
        self, request: HttpRequest, obj: ProductionCalendarDay | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("ProductionCalendarDayActorForm", (form,), {"actor": _actor(request)})

    def save_model(self, request: HttpRequest, obj: ProductionCalendarDay, form: Any, change: bool) -> None:
        actor = _actor(request)
        if change and "date" in form.changed_data:
            original = ProductionCalendarDay.objects.get(pk=obj.pk)
            services.remove_production_day(actor=actor, day=original.date)
        saved = services.set_production_day(
            actor=actor, day=form.cleaned_data["date"], kind=form.cleaned_data["kind"], note=form.cleaned_data["note"]
        )
        _adopt(obj, saved)
        form.instance = obj

    def delete_model(self, request: HttpRequest, obj: ProductionCalendarDay) -> None:
        services.remove_production_day(actor=_actor(request), day=obj.date)

    @admin.display(description=_("день недели"))
    def weekday(self, obj: ProductionCalendarDay) -> str:
        return str(WEEKDAY_LABELS[obj.date.weekday()])

    def get_urls(self) -> list[URLPattern]:
        year_view = self.admin_site.admin_view(self.year_view)
        return [path("year/<int:year>/", year_view, name="core_productioncalendarday_year"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        year = timezone.localdate().year
        extra = {
            "this_year": year,
            "year_page_url": reverse("admin:core_productioncalendarday_year", args=[year]),
            "shipped_years": ", ".join(
                str(y) for y in sorted(api.load_production_calendar(use_database=False).official_years)
            ),
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def year_view(self, request: HttpRequest, year: int) -> HttpResponse:
        """A year at a glance: the official monthly norms and every special day, with a button to edit it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not services.MIN_YEAR <= year <= services.MAX_YEAR:
            messages.error(
                request,
                gettext("Год должен быть от %(min)s до %(max)s") % {"min": services.MIN_YEAR, "max": services.MAX_YEAR},
            )
            return HttpResponseRedirect(reverse("admin:core_productioncalendarday_changelist"))
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            try:
                copied = services.load_production_year(actor=_actor(request), year=year)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, gettext("В базу перенесено дней: %(n)s. Правьте год здесь.") % {"n": copied})
            return HttpResponseRedirect(reverse("admin:core_productioncalendarday_changelist") + f"?year={year}")
        production = api.get_production_calendar()
        edited = ProductionCalendarDay.objects.filter(date__year=year).exists()
        if edited:
            source = gettext("Год %(year)s ведётся в базе (правки администратора).")
        elif production.is_official(year):
            source = gettext("Год %(year)s — данные, поставляемые с Hotline (постановление Правительства).")
        else:
            source = gettext(
                "Официального календаря на %(year)s год нет: праздники по ТК РФ, переносы — только известные пакету "
                "holidays. Загрузите год в базу и внесите переносы по постановлению Правительства."
            )
        kind_labels = {value: str(label) for value, label in DayKindChoices.choices}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "year": year,
            "title": gettext("Производственный календарь РФ, %(year)s") % {"year": year},
            "source": source % {"year": year},
            "norms": norms_table(api.production_norms(year)),
            "days": [
                {"date": d.date, "kind_label": kind_labels[d.kind.value], "note": d.note}
                for d in production.days_of(year)
            ],
            "can_load": not edited and self.has_add_permission(request),
            "years": [
                {"year": y, "url": reverse("admin:core_productioncalendarday_year", args=[y])}
                for y in range(year - 2, year + 3)
                if y != year
            ],
        }
        return TemplateResponse(request, "admin/core/productioncalendarday/year.html", context)
