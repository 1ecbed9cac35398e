"""Creates the default business calendar «Производственный календарь РФ (5/2, 9–18)» on every install.

Idempotent: does nothing when a default calendar exists (the same as ``services.ensure_default_calendar``,
which the demo and ``hotline calendar ensure-default`` call). Reversing leaves the row: queues may use it.
"""

from django.db import migrations

NAME = "Производственный календарь РФ (5/2, 9–18)"
OFFICE_DAY = [["09:00", "13:00"], ["14:00", "18:00"]]


def create_default_calendar(apps, schema_editor):
    BusinessCalendar = apps.get_model("core", "BusinessCalendar")
    if BusinessCalendar.objects.filter(is_default=True).exists():
        return
    week = {key: (OFFICE_DAY if key not in ("sat", "sun") else []) for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name=NAME,
        defaults={
            "time_zone": "Europe/Moscow",
            "uses_production_calendar": True,
            "is_24_7": False,
            "week_hours": week,
        },
    )
    calendar.is_default = True
    calendar.save(update_fields=["is_default"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_periodic_runs")]

    operations = [migrations.RunPython(create_default_calendar, migrations.RunPython.noop, elidable=True)]
