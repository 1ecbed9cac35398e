"""``hotline calendar``: working-time norms and the production calendar, as JSON.

    hotline calendar norms 2025
    {"year": 2025, "calendar": "Производственный календарь РФ", "months": [{"month": 1, "working_days": 17,
     "working_hours": 136}, ...], "total": {"working_days": 247, "working_hours": 1972}}

- ``norms YEAR`` — the norm of a 40-hour five-day week on Russia's production calendar, per month: the official
  figures. Works on an empty (even unmigrated) database, from the data shipped with Hotline.
- ``norms YEAR --calendar NAME`` — the working days and scheduled hours of that business calendar.
- ``days YEAR`` — the production calendar's special days (holidays, transferred working days, short days).
- ``ensure-default`` — create the default calendar «Производственный календарь РФ (5/2, 9–18)» if there is none.

A year without an official calendar (not shipped, not entered by an administrator) is derived from public
holidays; the output says ``"official": false`` and a warning goes to stderr. Bad input exits with code 2.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils.translation import gettext

from hotline.core.calendar import api, services
from hotline.core.calendar.models import BusinessCalendar, ProductionCalendarDay
from hotline.core.calendar.working import MonthNorm, WorkingCalendar, russian_production_calendar

EXIT_BAD_INPUT = 2


def _hours(minutes: int) -> int | float:
    return minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 2)


def _database_ready() -> bool:
    """Whether the calendar tables exist: the norms must answer on a fresh install before ``migrate`` too."""
    try:
        tables = connection.introspection.table_names()
    except DatabaseError:  # no database server at all is one more "not ready"
        return False
    return ProductionCalendarDay._meta.db_table in tables and BusinessCalendar._meta.db_table in tables


class Command(BaseCommand):
    # A plain string: argparse formats the description itself and cannot take a lazy translation.
    help = "Рабочие календари: нормы рабочего времени и производственный календарь РФ (JSON)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        norms = actions.add_parser(
            "norms",
            help=gettext("норма рабочего времени по месяцам года"),
            description=gettext(
                "Печатает JSON: по каждому месяцу рабочие дни и часы при 40-часовой неделе "
                "(по производственному календарю РФ или по указанному календарю)."
            ),
        )
        norms.add_argument("year", type=int, help=gettext("год, например 2025"))
        norms.add_argument("--calendar", default=None, help=gettext("название рабочего календаря"))
        days = actions.add_parser("days", help=gettext("особые дни производственного календаря за год"))
        days.add_argument("year", type=int, help=gettext("год, например 2025"))
        actions.add_parser("ensure-default", help=gettext("создать календарь по умолчанию, если его нет"))

    def _fail(self, message: str) -> CommandError:
        return CommandError(message, returncode=EXIT_BAD_INPUT)

    def _check_year(self, year: int) -> None:
        if not services.MIN_YEAR <= year <= services.MAX_YEAR:
            raise self._fail(
                gettext("Год должен быть от %(min)s до %(max)s") % {"min": services.MIN_YEAR, "max": services.MAX_YEAR}
            )

    def _write(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "ensure-default":
            self._ensure_default()
        elif action == "days":
            self._days(options["year"])
        else:
            self._norms(options["year"], options["calendar"])

    def _working_calendar(self, name: str | None, ready: bool) -> WorkingCalendar:
        if name is None:
            production = api.get_production_calendar() if ready else api.load_production_calendar(use_database=False)
            return russian_production_calendar(production)
        row = BusinessCalendar.objects.filter(name=name.strip()).first() if ready else None
        if row is None:
            known = list(BusinessCalendar.objects.values_list("name", flat=True)) if ready else []
            hint = gettext("есть: %(names)s") % {"names": ", ".join(known)} if known else gettext("календарей ещё нет")
            raise self._fail(gettext("Календарь «%(name)s» не найден (%(hint)s)") % {"name": name, "hint": hint})
        return api.get_calendar(row.pk)

    def _norms(self, year: int, name: str | None) -> None:
        self._check_year(year)
        ready = _database_ready()
        calendar = self._working_calendar(name, ready)
        months: list[MonthNorm] = calendar.year_norms(year)
        official = calendar.production.is_official(year) if calendar.production is not None else True
        data: dict[str, Any] = {
            "year": year,
            "calendar": calendar.name,
            "months": [
                {"month": m.month, "working_days": m.working_days, "working_hours": _hours(m.working_minutes)}
                for m in months
            ],
            "total": {
                "working_days": sum(m.working_days for m in months),
                "working_hours": _hours(sum(m.working_minutes for m in months)),
            },
        }
        if not official:
            data["official"] = False
            self.stderr.write(
                gettext(
                    "Внимание: официального календаря на %(year)s год нет ни в поставке, ни в базе; нормы рассчитаны "
                    "по праздникам ТК РФ без переносов Правительства."
                )
                % {"year": year}
            )
        self._write(data)

    def _days(self, year: int) -> None:
        self._check_year(year)
        ready = _database_ready()
        production = api.get_production_calendar() if ready else api.load_production_calendar(use_database=False)
        self._write(
            {
                "year": year,
                "official": production.is_official(year),
                "days": [
                    {"date": d.date.isoformat(), "kind": d.kind.value, "note": d.note} for d in production.days_of(year)
                ],
            }
        )

    def _ensure_default(self) -> None:
        if not _database_ready():
            raise self._fail(gettext("База данных не подготовлена: выполните «hotline migrate»"))
        existed = BusinessCalendar.objects.filter(is_default=True).exists()
        calendar = services.ensure_default_calendar(actor=None)
        self._write({"id": calendar.pk, "name": calendar.name, "created": not existed})
