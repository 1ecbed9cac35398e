"""The configuration version row that per-process configuration caches check (``hotline.core.config_cache``)."""

import uuid

from django.db import migrations, models


def create_row(apps, schema_editor):
    ConfigurationVersion = apps.get_model("core", "ConfigurationVersion")
    ConfigurationVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_default_business_calendar"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConfigurationVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "версия настроек",
                "verbose_name_plural": "версии настроек",
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
