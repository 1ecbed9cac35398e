from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "hotline.workforce"
    label = "workforce"
    verbose_name = "Персонал и смены"

    def ready(self) -> None:
        from hotline.workforce import subscribers

        subscribers.register()
