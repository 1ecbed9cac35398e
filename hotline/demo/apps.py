from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hotline.demo"
    label = "demo"
    verbose_name = "Демо-данные"
