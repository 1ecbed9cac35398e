from typing import Any

from django.apps import AppConfig


def _own_notifications(user: Any, argument: str) -> bool:
    return argument.isdigit() and int(argument) == user.pk


class NotifyConfig(AppConfig):
    name = "hotline.notify"
    label = "notify"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        from hotline.notify import subscribers
        from hotline.web.live import register_topic

        subscribers.register()
        # The bell listens to "notifications:<own id>" and reloads when a notice arrives.
        register_topic("notifications", _own_notifications)
