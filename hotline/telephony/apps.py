from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "hotline.telephony"
    label = "telephony"
    verbose_name = "Телефония"

    def ready(self) -> None:
        from hotline.telephony import live, subscribers, timeline

        live.register()
        subscribers.register()
        timeline.register()
