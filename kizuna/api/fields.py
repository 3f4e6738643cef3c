"""Representation helpers shared by every app's serializers."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers


def request_root(request) -> str:
    """`scheme://host[:port]` as this request reached the server, without KIZUNA_PUBLIC_URL.

    The same root `absolute_url` builds from: the host is Django's validated Host header
    (ALLOWED_HOSTS), the scheme what the WSGI/ASGI server decided (gunicorn's and uvicorn's
    `--forwarded-allow-ips` make `X-Forwarded-Proto` from the proxy count, docs/deploy.md).
    """
    return request.build_absolute_uri("/").rstrip("/")


def absolute_url(request, path: str) -> str:
    """An absolute URL for `path` (which starts with /), honouring KIZUNA_PUBLIC_URL behind proxies."""
    if settings.KIZUNA_PUBLIC_URL:
        return settings.KIZUNA_PUBLIC_URL + path
    if request is None:
        return path
    return request.build_absolute_uri(path)


def is_digits(text) -> bool:
    """Whether `text` is a non-empty string of ASCII digits, what `int()` reads as a plain number.
    `str.isdigit()` alone also accepts "²" or "①", which `int()` refuses (a 500 where a 404 or 422 belongs)."""
    return isinstance(text, str) and text.isascii() and text.isdigit()


def api_path(path: str) -> str:
    """The path of an API resource: `path` (`/repos/o/r`) under the API prefix."""
    return "/api/v1" + path


def api_url(request, path: str) -> str:
    return absolute_url(request, api_path(path))


class ActorSerializer(serializers.Serializer):
    """`{id, login, type}` — a user (integer id), an agent (UUID) or a deploy token."""

    id = serializers.SerializerMethodField()
    login = serializers.CharField()
    type = serializers.ChoiceField(choices=["User", "Agent", "Deploy"])

    @extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})
    def get_id(self, actor):
        return actor.public_id


class ActorField(serializers.Field):
    """A read-only FK to accounts.Actor rendered as `{id, login, type}` (or null)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, actor):
        return actor.as_json() if actor is not None else None


extend_schema_field(ActorSerializer)(ActorField)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into strings."""

    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UrlField(serializers.Field):
    """The resource's API URL: `path_for(obj)` is appended to /api/v1."""

    def __init__(self, path_for, **kwargs):
        self.path_for = path_for
        kwargs.setdefault("read_only", True)
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return api_url(self.context.get("request"), self.path_for(obj))


extend_schema_field(OpenApiTypes.URI)(UrlField)

__all__ = [
    "ActorField", "ActorSerializer", "StrictCharField", "UrlField", "absolute_url", "api_path", "api_url",
    "inline_serializer", "is_digits", "request_root",
]
