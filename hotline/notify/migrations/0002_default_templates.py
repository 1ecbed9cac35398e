"""Editable rows for the shipped Russian and English notification templates."""

from django.db import migrations


def install(apps, schema_editor):
    from hotline.notify.defaults import DEFAULT_TEMPLATES

    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    existing = set(NotificationTemplate.objects.values_list("kind", "language"))
    NotificationTemplate.objects.bulk_create(
        NotificationTemplate(kind=kind, language=language, subject=t.subject, body=t.body)
        for language, templates in DEFAULT_TEMPLATES.items()
        for kind, t in templates.items()
        if (kind, language) not in existing
    )


def remove(apps, schema_editor):
    apps.get_model("notify", "NotificationTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
