from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "hotline.desk"
    label = "desk"
    verbose_name = "Заявки"

    def ready(self) -> None:
        from hotline.desk import live, subscribers

        subscribers.register()
        live.register()
