"""The base every Kizuna model serializer derives from: model fields become the strict fields of
kizuna.api.fields (strings that refuse numbers, booleans that refuse 0/1, four-digit-year timestamps).

Through `serializer_field_mapping`, DRF's public hook, rather than by patching DRF's own fields, so
third-party serializers (and DRF's) keep their documented behaviour. Declared fields use the strict
classes directly; tests/api/test_serializers.py walks every serializer of the project to keep it so.
"""

from django.db import models
from rest_framework import serializers

from .fields import (
    StrictBooleanField, StrictCharField, StrictEmailField, StrictSlugField, StrictURLField, TimestampField,
)


class KizunaModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.BooleanField: StrictBooleanField,
        models.DateTimeField: TimestampField,
    }
