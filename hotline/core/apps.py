from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"
    verbose_name = "Hotline core"

    def ready(self) -> None:
        # Registered here rather than in admin.py, which holds the calendar admin.
        from hotline.core import admin_accounts  # noqa: F401
