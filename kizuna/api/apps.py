from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kizuna.api"
    label = "api"
    verbose_name = "API platform"

    def ready(self):
        from . import checks, schema  # noqa: F401  (system checks, OpenAPI extensions)
        _strict_strings()


def _strict_strings():
    """Every string field of every serializer refuses numbers and booleans (the schema says `string`;
    DRF would quietly turn `0` into `"0"`). Found by Schemathesis' negative_data_rejection check."""
    from rest_framework import serializers

    if getattr(serializers.CharField, "_kizuna_strict", False):
        return
    original = serializers.CharField.to_internal_value

    def to_internal_value(self, data):
        if isinstance(data, bool | int | float):
            self.fail("invalid")
        return original(self, data)

    serializers.CharField.to_internal_value = to_internal_value
    serializers.CharField._kizuna_strict = True

    boolean = serializers.BooleanField.to_internal_value

    def boolean_to_internal_value(self, data):
        if not isinstance(data, bool):  # JSON true/false only, not 0/1/"yes"
            self.fail("invalid", input=data)
        return boolean(self, data)

    serializers.BooleanField.to_internal_value = boolean_to_internal_value
