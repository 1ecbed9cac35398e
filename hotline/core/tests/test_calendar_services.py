"""Calendar services and ``get_calendar``: every write checked, audited, announced and seen by the next read."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pytest_django import DjangoAssertNumQueries

from hotline.core.calendar import api, services
from hotline.core.calendar.production import DayKind
from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, BusinessCalendar, CalendarException, OutboxEvent, ProductionCalendarDay, User
from hotline.core.tests.factories import AdminFactory, OperatorFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    api.invalidate()
    yield
    api.invalidate()


@pytest.fixture
def admin() -> User:
    return AdminFactory.create()


def events(name: str) -> list[dict[str, object]]:
    return list(OutboxEvent.objects.filter(name=name).order_by("created_at").values_list("payload", flat=True))


def test_ensure_default_calendar_is_idempotent() -> None:
    first = services.ensure_default_calendar()
    second = services.ensure_default_calendar()
    assert first.pk == second.pk
    assert BusinessCalendar.objects.count() == 1
    assert first.name == "Производственный календарь РФ (5/2, 9–18)"
    assert first.is_default
    assert first.uses_production_calendar
    assert first.time_zone == "Europe/Moscow"
    working = api.get_calendar(None)
    assert working.calendar_id == first.pk
    assert working.month_norm(2025, 1).working_minutes == 136 * 60  # the official January 2025 norm


def test_get_calendar_without_any_row_is_the_official_week() -> None:
    working = api.get_calendar()
    assert working.calendar_id is None
    assert working.add_business_minutes(datetime(2025, 4, 30, 16, tzinfo=MSK), 90) == datetime(
        2025, 5, 5, 9, 30, tzinfo=MSK
    )
    with pytest.raises(NotFound):
        api.get_calendar(987654)


def test_create_calendar_with_its_own_week(admin: User) -> None:
    calendar = services.create_calendar(
        actor=admin,
        name="Дежурная смена Камчатка",
        time_zone="Asia/Kamchatka",
        week={"mon": "20:00-08:00", "tue": "20:00-08:00", 2: [(1200, 1920)]},
        uses_production_calendar=False,
    )
    assert calendar.week_hours["mon"] == [["20:00", "08:00"]]
    assert calendar.week_hours["wed"] == [["20:00", "08:00"]]
    assert calendar.week_hours["sun"] == []
    working = api.get_calendar(calendar.pk)
    assert working.tz.key == "Asia/Kamchatka"
    kam = ZoneInfo("Asia/Kamchatka")
    assert working.add_business_minutes(datetime(2025, 7, 14, 19, tzinfo=kam), 60) == datetime(
        2025, 7, 14, 21, tzinfo=kam
    )
    log = AuditLog.objects.get(object_type="core.businesscalendar", object_id=str(calendar.pk))
    assert (log.action, log.actor) == (AuditLog.Action.CREATE, admin)
    assert events("core.BusinessCalendarChanged") == [
        {"actor_id": admin.pk, "calendar_id": calendar.pk, "change": "created"}
    ]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "  "}, "name", "название"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone", "часовой пояс"),
        ({"week": {"mon": "9-18"}}, "mon", "ЧЧ:ММ"),
        ({"week": {"fri": "09:00-13:00, 12:00-18:00"}}, "fri", "пересекаются"),
        ({"week": {"monday": "09:00-18:00"}}, "week", "день недели"),
        ({"week": ["09:00-18:00"] * 5}, "week", "7 дней"),
        ({"week": {}}, "week", "хотя бы на один день"),
    ],
)
def test_create_calendar_refuses_bad_input(admin: User, kwargs: dict[str, object], field: str, message: str) -> None:
    values: dict[str, object] = {"name": "Офис", **kwargs}
    with pytest.raises(ValidationFailed, match=message) as caught:
        services.create_calendar(actor=admin, **values)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert not BusinessCalendar.objects.exists()


def test_only_administrators_change_calendars() -> None:
    operator = OperatorFactory.create()
    with pytest.raises(Forbidden):
        services.create_calendar(actor=operator, name="Офис")
    calendar = services.ensure_default_calendar()
    with pytest.raises(Forbidden):
        services.set_calendar_exception(actor=operator, calendar=calendar, day=date(2025, 7, 1), kind="holiday")
    with pytest.raises(Forbidden):
        services.set_production_day(actor=operator, day=date(2028, 1, 10), kind="holiday")


def test_duplicate_name_is_refused(admin: User) -> None:
    services.create_calendar(actor=admin, name="Офис")
    with pytest.raises(ValidationFailed, match="уже есть"):
        services.create_calendar(actor=admin, name="Офис")


def test_one_default_at_a_time(admin: User) -> None:
    first = services.ensure_default_calendar(actor=admin)
    second = services.create_calendar(actor=admin, name="Круглосуточно", is_24_7=True, week={}, is_default=True)
    first.refresh_from_db()
    assert not first.is_default
    assert second.is_default
    assert api.get_calendar(None).calendar_id == second.pk
    with pytest.raises(ValidationFailed, match="по умолчанию"):
        services.update_calendar(actor=admin, calendar=second, is_default=False)
    services.update_calendar(actor=admin, calendar=first, is_default=True)
    assert not BusinessCalendar.objects.get(pk=second.pk).is_default
    assert BusinessCalendar.objects.filter(is_default=True).count() == 1


def test_update_is_seen_by_the_next_read_and_audited(admin: User) -> None:
    calendar = services.create_calendar(actor=admin, name="Офис")
    before = api.get_calendar(calendar.pk)
    assert api.get_calendar(calendar.pk) is before  # cached
    services.update_calendar(actor=admin, calendar=calendar, time_zone="Europe/Kaliningrad", week=["08:00-17:00"] * 7)
    after = api.get_calendar(calendar.pk)
    assert after is not before
    assert after.tz.key == "Europe/Kaliningrad"
    assert after.hours_on(date(2025, 7, 19)) == ((480, 1020),)
    log = AuditLog.objects.filter(object_id=str(calendar.pk), action=AuditLog.Action.UPDATE).get()
    assert log.changes["time_zone"] == ["Europe/Moscow", "Europe/Kaliningrad"]
    # Saving the same values again changes nothing and says nothing.
    services.update_calendar(actor=admin, calendar=calendar, time_zone="Europe/Kaliningrad")
    assert AuditLog.objects.filter(object_id=str(calendar.pk), action=AuditLog.Action.UPDATE).count() == 1


def test_calendar_exceptions(admin: User) -> None:
    calendar = services.create_calendar(actor=admin, name="Офис")
    services.set_calendar_exception(
        actor=admin, calendar=calendar, day=date(2025, 1, 3), kind="working", hours="10:00-14:00", note="Дежурство"
    )
    services.set_calendar_exception(actor=admin, calendar=calendar, day=date(2025, 7, 15), kind="holiday")
    working = api.get_calendar(calendar.pk)
    assert working.hours_on(date(2025, 1, 3)) == ((600, 840),)
    assert working.hours_on(date(2025, 7, 15)) == ()
    # Changing one replaces it; removing it returns the day to the week.
    services.set_calendar_exception(actor=admin, calendar=calendar, day=date(2025, 7, 15), kind="short")
    assert api.get_calendar(calendar.pk).hours_on(date(2025, 7, 15)) == ((540, 780), (840, 1020))
    assert CalendarException.objects.filter(calendar=calendar).count() == 2
    assert services.remove_calendar_exception(actor=admin, calendar=calendar, day=date(2025, 7, 15))
    assert not services.remove_calendar_exception(actor=admin, calendar=calendar, day=date(2025, 7, 15))
    assert api.get_calendar(calendar.pk).hours_on(date(2025, 7, 15)) == ((540, 780), (840, 1080))
    changes = [e["change"] for e in events("core.BusinessCalendarChanged")]
    assert changes == ["created", "exception_set", "exception_set", "exception_set", "exception_removed"]


def test_calendar_exception_errors(admin: User) -> None:
    calendar = services.create_calendar(actor=admin, name="Офис")
    with pytest.raises(ValidationFailed, match="не бывает часов"):
        services.set_calendar_exception(
            actor=admin, calendar=calendar, day=date(2025, 1, 3), kind="holiday", hours="10:00-12:00"
        )
    with pytest.raises(ValidationFailed, match="Вид дня"):
        services.set_calendar_exception(actor=admin, calendar=calendar, day=date(2025, 1, 3), kind="vacation")
    with pytest.raises(ValidationFailed, match="Год"):
        services.set_calendar_exception(actor=admin, calendar=calendar, day=date(1900, 1, 3), kind="holiday")


def test_delete_calendar(admin: User) -> None:
    default = services.ensure_default_calendar(actor=admin)
    with pytest.raises(Conflict):
        services.delete_calendar(actor=admin, calendar=default)
    other = services.create_calendar(actor=admin, name="Офис")
    services.set_calendar_exception(actor=admin, calendar=other, day=date(2025, 7, 15), kind="holiday")
    other_id = other.pk
    api.get_calendar(other_id)
    services.delete_calendar(actor=admin, calendar=other)
    assert not BusinessCalendar.objects.filter(name="Офис").exists()
    with pytest.raises(NotFound):
        api.get_calendar(other_id)


def test_production_day_edit_copies_the_year_in_first(admin: User) -> None:
    assert not ProductionCalendarDay.objects.exists()
    # A regional holiday in 2025 (say, Tatarstan's Republic Day on 30 August, a Saturday that year → 1 Sep).
    services.set_production_day(actor=admin, day=date(2025, 9, 1), kind="holiday", note="День Республики Татарстан")
    assert ProductionCalendarDay.objects.filter(date__year=2025).count() == 24  # the 23 shipped days + the new one
    working = api.get_calendar(None)
    assert working.hours_on(date(2025, 9, 1)) == ()
    assert working.hours_on(date(2025, 1, 6)) == ()  # the shipped New Year holidays are still there
    norms = api.production_norms(2025)
    assert (norms[8].working_days, norms[8].working_minutes // 60) == (21, 168)
    # Removing a shipped day makes it ordinary.
    assert services.remove_production_day(actor=admin, day=date(2025, 12, 31))
    assert api.get_calendar(None).hours_on(date(2025, 12, 31)) == ((540, 780), (840, 1080))
    assert [e["change"] for e in events("core.ProductionCalendarChanged")] == ["set", "removed"]
    assert AuditLog.objects.filter(object_type="core.productioncalendarday").count() == 2


def test_production_year_after_the_data_starts_from_public_holidays(admin: User) -> None:
    # 2030 is not shipped: the first edit copies the public holidays in, then applies the decree's transfer.
    services.set_production_day(actor=admin, day=date(2030, 5, 4), kind="working", note="Рабочая суббота")
    kinds = dict(ProductionCalendarDay.objects.filter(date__year=2030).values_list("date", "kind"))
    assert kinds[date(2030, 1, 1)] == DayKind.HOLIDAY
    assert kinds[date(2030, 5, 4)] == DayKind.WORKING
    assert api.get_calendar(None).hours_on(date(2030, 5, 4)) == ((540, 780), (840, 1080))
    with pytest.raises(ValidationFailed):
        services.set_production_day(actor=admin, day=date(2030, 5, 4), kind="weekend")


def test_get_calendar_is_cached_per_process(admin: User, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    calendar = services.create_calendar(actor=admin, name="Офис")
    api.get_calendar(calendar.pk)
    with django_assert_num_queries(0):
        for _ in range(10):
            api.get_calendar(calendar.pk).add_business_minutes(datetime(2025, 7, 15, 10, tzinfo=MSK), 480)


def test_the_data_migration_creates_the_default_calendar_once() -> None:
    from django.apps import apps as current_apps

    migration = importlib.import_module("hotline.core.migrations.0004_default_business_calendar")
    migration.create_default_calendar(current_apps, None)
    migration.create_default_calendar(current_apps, None)
    calendar = BusinessCalendar.objects.get()
    assert calendar.name == services.DEFAULT_CALENDAR_NAME
    assert calendar.is_default
    assert api.get_calendar(None).year_norms(2024)[10].working_minutes == 167 * 60
    assert services.ensure_default_calendar().pk == calendar.pk
