from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from hotline.sla import subscribers, ui

        subscribers.register()
        ui.register()
