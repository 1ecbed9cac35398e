from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "hotline.desk"
    label = "desk"
    verbose_name = "Заявки"

    def ready(self) -> None:
        from hotline.core import config_cache
        from hotline.desk import live, subscribers
        from hotline.desk.models import Category, PriorityRule, Queue, RoutingRule

        subscribers.register()
        live.register()
        # Opening a ticket reads these through per-process caches (routing, the priority matrix, SLA conditions).
        config_cache.watch(Queue, RoutingRule, PriorityRule, Category)
