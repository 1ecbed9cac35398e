from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "hotline.campaigns"
    label = "campaigns"
    verbose_name = "Исходящие кампании"

    def ready(self) -> None:
        from hotline.campaigns import subscribers

        subscribers.register()
