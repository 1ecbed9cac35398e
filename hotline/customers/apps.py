from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "hotline.customers"
    label = "customers"
    verbose_name = "Клиенты"
