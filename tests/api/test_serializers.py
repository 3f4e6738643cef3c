"""Every serializer of the project, walked field by field: strings are strict, booleans are JSON
booleans, timestamps render with a four-digit year (kizuna.api.fields). No DRF field is patched."""

import importlib
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework import serializers

from kizuna.api.fields import StrictBooleanField, StrictString, TimestampField, timestamp

ROOT = Path(settings.BASE_DIR)
SKIP = {"migrations", "management", "tests"}


def project_modules():
    for app in ("kizuna", "repos", "issues", "pulls", "agents", "pipelines"):
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if SKIP & set(info.name.split(".")) or info.name.endswith(("asgi", "wsgi")):
                continue
            yield importlib.import_module(info.name)


def project_serializers():
    names = {module.__name__ for module in project_modules()}
    seen, todo = [], [serializers.BaseSerializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ in names:
            seen.append(cls)
    return sorted(set(seen), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def walk(fields, where):
    for name, field in fields.items():
        yield f"{where}.{name}", field
        child = getattr(field, "child", None)
        if child is not None:
            yield from walk({"[]": child}, f"{where}.{name}")
        if isinstance(field, serializers.BaseSerializer) and hasattr(field, "fields"):
            yield from walk(field.fields, f"{where}.{name}")


SERIALIZERS = project_serializers()


def test_the_walk_finds_the_serializers():
    names = {cls.__name__ for cls in SERIALIZERS}
    assert {"IssueWriteSerializer", "AgentCreateSerializer", "WebhookSerializer", "TokenSerializer"} <= names


@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_field_is_strict(cls):
    if cls.__name__ == "KizunaModelSerializer":
        pytest.skip("the abstract base")
    instance = cls()
    wrong = []
    for path, field in walk(instance.fields, cls.__name__):
        writable = not field.read_only
        if writable and isinstance(field, serializers.CharField) and not isinstance(field, StrictString):
            wrong.append(f"{path}: {type(field).__name__} (use StrictCharField)")
        if writable and isinstance(field, serializers.BooleanField) and not isinstance(field, StrictBooleanField):
            wrong.append(f"{path}: {type(field).__name__} (use StrictBooleanField)")
        if isinstance(field, serializers.DateTimeField) and not isinstance(field, TimestampField):
            wrong.append(f"{path}: {type(field).__name__} (use TimestampField)")
        if writable and isinstance(field, StrictString):
            for bad in (0, 1.5, True, None if not field.allow_null else 0):
                with pytest.raises(serializers.ValidationError):
                    field.run_validation(bad)
        if writable and isinstance(field, StrictBooleanField):
            for bad in (0, 1, "true", "yes"):
                with pytest.raises(serializers.ValidationError):
                    field.run_validation(bad)
    assert wrong == []


def test_drf_fields_are_not_patched():
    assert serializers.CharField().run_validation(0) == "0"
    assert serializers.BooleanField().run_validation(1) is True


def test_a_string_is_measured_as_sent():
    from kizuna.api.fields import StrictCharField

    with pytest.raises(serializers.ValidationError):
        StrictCharField(max_length=5, trim_whitespace=True).run_validation(" " * 10 + "t")
    assert StrictCharField(max_length=5, trim_whitespace=True).run_validation("  t  ") == "t"
    assert StrictCharField(max_length=5).run_validation(" t ") == " t "


@pytest.mark.parametrize("value, text", [
    (datetime(931, 12, 29, 8, 33, 50, tzinfo=UTC), "0931-12-29T08:33:50Z"),
    (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
    (datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC), "2026-11-28T10:00:00Z"),
])
def test_timestamps_keep_four_digit_years(value, text):
    assert timestamp(value) == text
    assert TimestampField().to_representation(value) == text
