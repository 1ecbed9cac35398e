from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "hotline.customers"
    label = "customers"
    verbose_name = "Клиенты"

    def ready(self) -> None:
        from hotline.customers import registry
        from hotline.customers.timeline import customers_timeline

        registry.register_timeline_provider("customers", customers_timeline)
