from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "SLA"
