from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kizuna.api"
    label = "api"
    verbose_name = "API platform"

    def ready(self):
        from django.db.backends.signals import connection_created

        from kizuna.database import use_c_timestamp_loader

        from . import checks, schema  # noqa: F401  (system checks, OpenAPI extensions)

        connection_created.connect(use_c_timestamp_loader, dispatch_uid="kizuna.database.timestamps")
