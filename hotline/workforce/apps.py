from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "hotline.workforce"
    label = "workforce"
    verbose_name = "Персонал и смены"

    def ready(self) -> None:
        from hotline.core import config_cache
        from hotline.workforce import subscribers
        from hotline.workforce.models import Team

        subscribers.register()
        # Which queues assign only to agents on shift and available (``availability``) is cached per process.
        config_cache.watch(Team, Team.queues.through)
