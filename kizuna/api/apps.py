from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kizuna.api"
    label = "api"
    verbose_name = "API platform"

    def ready(self):
        from . import checks, schema  # noqa: F401  (system checks, OpenAPI extensions)
