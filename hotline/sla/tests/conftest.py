"""SLA fixtures: the desk's line setup plus a 24/7 calendar and a 5/2 office calendar (Moscow)."""

from __future__ import annotations

import pytest

from hotline.core.calendar.api import invalidate
from hotline.core.models import BusinessCalendar
from hotline.desk.tests.conftest import (  # noqa: F401 - fixtures reused from the desk
    admin_user,
    category,
    contact,
    customer,
    line1,
    line2,
    line3,
    operator,
    organisation,
    specialist,
    supervisor,
)


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    # Calendars are cached per process; each test builds its own rows.
    invalidate()


@pytest.fixture
def round_the_clock(db: None) -> BusinessCalendar:
    """24/7 with no holidays: business time is wall-clock time, so the arithmetic in tests stays obvious."""
    return BusinessCalendar.objects.create(name="Круглосуточно", is_24_7=True, uses_production_calendar=False)


@pytest.fixture
def office(db: None) -> BusinessCalendar:
    """Mon–Fri 09:00–13:00, 14:00–18:00 Moscow time on Russia's production calendar (the default calendar)."""
    return BusinessCalendar.objects.create(name="Офис 5/2", is_default=True)
