"""``hotline calendar norms|days|ensure-default``: JSON a person or a script can rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from hotline.core.calendar import api, services
from hotline.core.models import BusinessCalendar
from hotline.core.tests.test_calendar_production import OFFICIAL_NORMS, OFFICIAL_TOTALS


def run(*args: str) -> tuple[dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    api.invalidate()


@pytest.mark.django_db
@pytest.mark.parametrize("year", sorted(OFFICIAL_NORMS))
def test_norms_print_the_official_figures(year: int) -> None:
    data, err = run("norms", str(year))
    assert data["year"] == year
    assert data["calendar"] == "Производственный календарь РФ"
    assert [(m["month"], m["working_days"], m["working_hours"]) for m in data["months"]] == [
        (n, days, hours) for n, (days, hours) in enumerate(OFFICIAL_NORMS[year], start=1)
    ]
    assert (data["total"]["working_days"], data["total"]["working_hours"]) == OFFICIAL_TOTALS[year]
    assert "official" not in data
    assert err == ""


@pytest.mark.django_db
def test_norms_of_a_named_calendar() -> None:
    services.create_calendar(actor=None, name="Круглосуточно", is_24_7=True, week={}, uses_production_calendar=False)
    services.create_calendar(actor=None, name="Смена", week=["08:00-12:30"] * 5 + [[], []])
    data, _ = run("norms", "2025", "--calendar", "Круглосуточно")
    assert data["calendar"] == "Круглосуточно"
    assert data["months"][1] == {"month": 2, "working_days": 28, "working_hours": 672}
    assert data["total"] == {"working_days": 365, "working_hours": 8760}
    data, _ = run("norms", "2025", "--calendar", "Смена")
    # 4.5-hour days on the production calendar: January 2025 has 17 working days, no short one.
    assert data["months"][0] == {"month": 1, "working_days": 17, "working_hours": 76.5}
    assert data["months"][2] == {"month": 3, "working_days": 21, "working_hours": 93.5}  # 7 March is short


@pytest.mark.django_db
def test_norms_see_the_administrators_corrections() -> None:
    services.set_production_day(actor=None, day=date(2025, 9, 1), kind="holiday")
    data, _ = run("norms", "2025")
    assert data["months"][8] == {"month": 9, "working_days": 21, "working_hours": 168}


@pytest.mark.django_db
def test_a_year_without_a_decree_is_marked_unofficial() -> None:
    data, err = run("norms", "2031")
    assert data["official"] is False
    assert "официального календаря на 2031 год нет" in err
    assert 240 <= data["total"]["working_days"] <= 252


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("norms", "1800"), "Год должен быть"),
        (("norms", "2025", "--calendar", "Нет такого"), "не найден"),
        (("days", "3000"), "Год должен быть"),
    ],
)
def test_bad_input_exits_with_code_2(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_unknown_calendar_lists_the_known_ones() -> None:
    services.ensure_default_calendar()
    with pytest.raises(CommandError, match="есть: Производственный календарь РФ"):
        run("norms", "2025", "--calendar", "Офис")


@pytest.mark.django_db
def test_days() -> None:
    data, _ = run("days", "2025")
    assert data["official"] is True
    by_date = {d["date"]: d for d in data["days"]}
    assert by_date["2025-11-01"]["kind"] == "short"
    assert by_date["2025-11-03"] == {"date": "2025-11-03", "kind": "holiday", "note": "Выходной (перенесён с 1 ноября)"}
    assert len(data["days"]) == 23


@pytest.mark.django_db
def test_ensure_default_is_idempotent() -> None:
    first, _ = run("ensure-default")
    second, _ = run("ensure-default")
    assert first["created"] is True
    assert second["created"] is False
    assert first["id"] == second["id"]
    assert BusinessCalendar.objects.count() == 1


def test_norms_work_on_a_database_never_migrated(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
    env.update(HOTLINE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hotline.settings.base")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("hotline")), "calendar", "norms", "2024"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == {"working_days": 248, "working_hours": 1979}
