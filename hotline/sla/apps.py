from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from hotline.core import config_cache
        from hotline.customers.models import Organisation, Tag
        from hotline.sla import subscribers, ui
        from hotline.sla.models import SlaPolicy

        subscribers.register()
        ui.register()
        # SLA policies and their conditions are matched from a per-process cache (``sla.matching``).
        config_cache.watch(
            SlaPolicy,
            SlaPolicy.queues.through,
            SlaPolicy.categories.through,
            SlaPolicy.organisations.through,
            SlaPolicy.customer_tags.through,
        )
        # Queues and categories are watched by the desk; deleting these removes conditions without a signal.
        config_cache.watch(Organisation, Tag, deletes_only=True)
