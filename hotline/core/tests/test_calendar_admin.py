"""The calendar admin: writes through the services, refusals on the form, the monthly norm on the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hotline.core.admin import week_summary
from hotline.core.calendar import api, services
from hotline.core.calendar.hours import parse_hours
from hotline.core.models import AuditLog, BusinessCalendar, CalendarException, OutboxEvent, ProductionCalendarDay
from hotline.core.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    api.invalidate()
    yield
    api.invalidate()


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(AdminFactory.create(is_superuser=True))
    return client


def calendar_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Поддержка Владивосток",
        "time_zone": "Asia/Vladivostok",
        "uses_production_calendar": "on",
        "mon": "09:00-13:00, 14:00-18:00",
        "tue": "09:00-13:00, 14:00-18:00",
        "wed": "09:00-13:00, 14:00-18:00",
        "thu": "09:00-13:00, 14:00-18:00",
        "fri": "09:00-13:00, 14:00-18:00",
        "sat": "",
        "sun": "",
        "exceptions-TOTAL_FORMS": "1",
        "exceptions-INITIAL_FORMS": "0",
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
        "exceptions-0-date": "",
        "exceptions-0-kind": "holiday",
        "exceptions-0-hours_text": "",
        "exceptions-0-note": "",
    }
    data.update(overrides)
    return data


def test_add_calendar_with_an_exception(admin_client: Client) -> None:
    response = admin_client.get("/admin/core/businesscalendar/add/")
    assert response.status_code == 200
    assert "Петропавловск-Камчатский (МСК+9)" in response.content.decode()
    response = admin_client.post(
        "/admin/core/businesscalendar/add/",
        calendar_form(
            **{
                "exceptions-0-date": "2025-01-03",
                "exceptions-0-kind": "working",
                "exceptions-0-hours_text": "10:00-14:00",
                "exceptions-0-note": "Дежурство",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = BusinessCalendar.objects.get(name="Поддержка Владивосток")
    assert calendar.time_zone == "Asia/Vladivostok"
    assert calendar.week_hours["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    exception = CalendarException.objects.get(calendar=calendar)
    assert (exception.date, exception.kind, exception.hours) == (date(2025, 1, 3), "working", [["10:00", "14:00"]])
    assert AuditLog.objects.filter(object_type="core.businesscalendar", action="create").count() == 1
    assert AuditLog.objects.filter(object_type="core.calendarexception", action="create").count() == 1
    # The dry runs that validated the form left nothing behind.
    assert BusinessCalendar.objects.count() == 1
    assert OutboxEvent.objects.filter(name="core.BusinessCalendarChanged").count() == 2
    assert api.get_calendar(calendar.pk).hours_on(date(2025, 1, 3)) == ((600, 840),)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mon": "9-18"}, "ЧЧ:ММ"),
        ({"tue": "09:00-13:00, 12:00-18:00"}, "пересекаются"),
        ({"time_zone": "Europe/Atlantis"}, "Europe/Atlantis"),
        (dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ""), "хотя бы на один день"),
        ({"exceptions-0-date": "2025-01-03", "exceptions-0-hours_text": "10:00-12:00"}, "не бывает часов"),
        (
            {"exceptions-0-date": "2025-01-03", "exceptions-0-kind": "short", "exceptions-0-hours_text": "10-12"},
            "ЧЧ:ММ",
        ),
    ],
)
def test_refusals_show_on_the_form(admin_client: Client, overrides: dict[str, str], message: str) -> None:
    response = admin_client.post("/admin/core/businesscalendar/add/", calendar_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()
    assert not AuditLog.objects.exists()


@time_machine.travel("2025-06-10 12:00 +0300", tick=False)
def test_change_page_shows_the_monthly_norm(admin_client: Client) -> None:
    calendar = services.ensure_default_calendar()
    services.set_calendar_exception(actor=None, calendar=calendar, day=date(2025, 7, 15), kind="holiday")
    response = admin_client.get(f"/admin/core/businesscalendar/{calendar.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "calendar-norms" in page
    # 2025 is 247 days / 1972 h officially; the company's own day off on 15 July takes 1 day and 8 h away.
    assert "<td><b>246</b></td>" in page
    assert "<td><b>1964</b></td>" in page
    assert "<td><b>1972</b></td>" in page  # 2026, the next year, untouched
    assert 'value="09:00-13:00, 14:00-18:00"' in page


def test_edit_calendar_and_its_exceptions(admin_client: Client) -> None:
    calendar = services.create_calendar(actor=None, name="Офис")
    services.set_calendar_exception(actor=None, calendar=calendar, day=date(2025, 7, 15), kind="holiday")
    exception = CalendarException.objects.get()
    data = calendar_form(
        name="Офис",
        time_zone="Europe/Samara",
        sat="10:00-14:00",
        **{
            "exceptions-TOTAL_FORMS": "2",
            "exceptions-INITIAL_FORMS": "1",
            "exceptions-0-id": str(exception.pk),
            "exceptions-0-calendar": str(calendar.pk),
            "exceptions-0-date": "2025-07-15",
            "exceptions-0-kind": "holiday",
            "exceptions-0-DELETE": "on",
            "exceptions-1-date": "2025-07-16",
            "exceptions-1-kind": "short",
        },
    )
    response = admin_client.post(f"/admin/core/businesscalendar/{calendar.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar.refresh_from_db()
    assert calendar.time_zone == "Europe/Samara"
    assert calendar.week_hours["sat"] == [["10:00", "14:00"]]
    assert list(CalendarException.objects.values_list("date", "kind")) == [(date(2025, 7, 16), "short")]
    working = api.get_calendar(calendar.pk)
    assert working.hours_on(date(2025, 7, 16)) == ((540, 780), (840, 1020))


def test_changelist_queries_do_not_grow_with_calendars(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(8):
        calendar = services.create_calendar(actor=None, name=f"Календарь {n}")
        services.set_calendar_exception(actor=None, calendar=calendar, day=date(2025, 7, 15), kind="holiday")
    api.get_production_calendar()
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/core/businesscalendar/")
    assert response.status_code == 200
    assert "Календарь 7" in response.content.decode()
    assert "пн–пт 09:00-13:00, 14:00-18:00" in response.content.decode()


def test_week_summary() -> None:
    office = parse_hours("09:00-18:00")
    assert week_summary((office,) * 5 + ((), ())) == "пн–пт 09:00-18:00"
    assert week_summary((office, office, (), office, office, parse_hours("10:00-14:00"), ())) == (
        "пн–вт 09:00-18:00; чт–пт 09:00-18:00; сб 10:00-14:00"
    )
    assert week_summary(((),) * 7) == ""


def test_default_calendar_cannot_be_deleted_but_others_can(admin_client: Client) -> None:
    default = services.ensure_default_calendar()
    assert admin_client.get(f"/admin/core/businesscalendar/{default.pk}/delete/").status_code == 403
    other = services.create_calendar(actor=None, name="Офис")
    response = admin_client.post(f"/admin/core/businesscalendar/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not BusinessCalendar.objects.filter(pk=other.pk).exists()
    assert AuditLog.objects.filter(object_type="core.businesscalendar", action="delete").exists()


def test_production_year_page_and_loading_it_for_editing(admin_client: Client) -> None:
    response = admin_client.get("/admin/core/productioncalendarday/year/2025/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td><b>1972</b></td>" in page
    assert "Выходной (перенесён с 1 ноября)" in page
    assert "Загрузить год в базу для правки" in page
    response = admin_client.post("/admin/core/productioncalendarday/year/2025/")
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2025")
    assert ProductionCalendarDay.objects.filter(date__year=2025).count() == 23
    assert admin_client.get(response["Location"]).status_code == 200
    # Loading twice copies nothing more.
    admin_client.post("/admin/core/productioncalendarday/year/2025/")
    assert ProductionCalendarDay.objects.count() == 23
    page = admin_client.get("/admin/core/productioncalendarday/year/2025/").content.decode()
    assert "Загрузить год в базу для правки" not in page
    assert admin_client.get("/admin/core/productioncalendarday/year/1800/").status_code == 302


def test_production_day_added_in_admin(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/core/productioncalendarday/add/", {"date": "2028-01-10", "kind": "holiday", "note": "Перенос"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    # The first edit of 2028 brought the year's public holidays in with it.
    assert ProductionCalendarDay.objects.filter(date=date(2028, 1, 1), kind="holiday").exists()
    assert ProductionCalendarDay.objects.get(date=date(2028, 1, 10)).note == "Перенос"
    assert api.get_calendar(None).hours_on(date(2028, 1, 10)) == ()
    row = ProductionCalendarDay.objects.get(date=date(2028, 1, 10))
    response = admin_client.post(
        f"/admin/core/productioncalendarday/{row.pk}/change/", {"date": "2028-01-10", "kind": "short", "note": ""}
    )
    assert response.status_code == 302
    assert ProductionCalendarDay.objects.get(date=date(2028, 1, 10)).kind == "short"
    response = admin_client.post(f"/admin/core/productioncalendarday/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ProductionCalendarDay.objects.filter(date=date(2028, 1, 10)).exists()
    page = admin_client.get("/admin/core/productioncalendarday/").content.decode()
    assert "2023, 2024, 2025, 2026, 2027" in page  # the shipped years, named on the list page
    assert "/admin/core/productioncalendarday/year/" in page


def test_staff_without_rights_cannot_edit() -> None:
    client = Client()
    client.force_login(AdminFactory.create(is_superuser=False, is_staff=True))
    assert client.get("/admin/core/productioncalendarday/year/2025/").status_code == 403
    assert client.post("/admin/core/productioncalendarday/year/2025/").status_code == 403
    assert not ProductionCalendarDay.objects.exists()
