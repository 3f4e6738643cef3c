"""Representation helpers shared by every app's serializers."""

from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
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


def timestamp(value) -> str | None:
    """A datetime as the API shows it: ISO 8601 in UTC with `Z`, to the second, and always a four-digit
    year (`strftime("%Y")` writes year 931 as `931`, which is not a `date-time`)."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(dt_timezone.utc)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def full_match(regex: str, message: str) -> RegexValidator:
    """A validator for the whole value: `regex` (written `^…$`) between `\\A` and `\\Z`, since Python's
    `$` also matches before a final newline. drf-spectacular writes it back as `^…$` (ECMA anchors)."""
    return RegexValidator(r"\A(?:" + regex.removeprefix("^").removesuffix("$") + r")\Z", message)


# Not blank: at least one character that is not white space (a pattern is a search, unanchored, in
# JSON Schema as in RegexValidator).
not_blank = RegexValidator(r"\S", "may not be blank")


class StrictString:
    """A string field that takes a JSON string and nothing else (DRF would turn `0` into `"0"`), keeps it
    as sent unless the field says `trim_whitespace=True`, and checks `max_length` on the value as sent:
    what the schema's maxLength describes. A trimmed field is documented as such (kizuna.api.schema)."""

    default_error_messages = {"invalid": "must be a string"}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictCharField(StrictString, serializers.CharField):
    pass


class TitleField(StrictCharField):
    """A title: trimmed at both ends and never blank; `max_length` (256 by default) counts the
    characters as sent, so the schema's maxLength holds for the request."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 256)
        kwargs.setdefault("trim_whitespace", True)
        kwargs.setdefault("help_text", "Stored without leading and trailing white space; `maxLength` counts the "
                                       "characters as sent")
        kwargs["validators"] = [*kwargs.get("validators", ()), not_blank]
        super().__init__(**kwargs)


class StrictRegexField(StrictString, serializers.RegexField):
    pass


class StrictEmailField(StrictString, serializers.EmailField):
    pass


class StrictURLField(StrictString, serializers.URLField):
    pass


class StrictSlugField(StrictString, serializers.SlugField):
    pass


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` / `false` only; DRF would also read 0, 1, "yes", "off"…"""

    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only, as the schema's `type: integer` says; DRF would also read "3", 3.0 and
    "3.0 " (`true` it already refuses)."""

    default_error_messages = {"invalid": "must be an integer"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class TimestampField(serializers.DateTimeField):
    """A DateTimeField rendered by `timestamp()`."""

    def to_representation(self, value):
        if not value or isinstance(value, str):
            return value or None
        return timestamp(self.enforce_timezone(value))


class ActorSerializer(serializers.Serializer):
    """`{id, login, type}` — a user (integer id), an agent (UUID) or a deploy token."""

    id = serializers.SerializerMethodField()
    login = StrictCharField()
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
    "ActorField", "ActorSerializer", "StrictBooleanField", "StrictCharField", "StrictEmailField", "StrictIntegerField",
    "StrictRegexField",
    "StrictSlugField", "StrictString", "StrictURLField", "TimestampField", "TitleField", "UrlField", "absolute_url", "api_path",
    "api_url", "full_match", "not_blank", "inline_serializer", "is_digits", "request_root", "timestamp",
]
