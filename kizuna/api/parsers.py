"""JSON request bodies: size-limited, must be an object (docs/api.md §2)."""

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .errors import PayloadTooLarge


def read_limited(stream, limit: int) -> bytes:
    """Read a request body, refusing (413) anything over `limit` bytes — even without Content-Length."""
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(details={"limit_bytes": limit})
    return data


class StrictJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = read_limited(stream, settings.KIZUNA_MAX_BODY_BYTES)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ParseError("Body must be a JSON object")
        return data


class PlainTextParser(parsers.BaseParser):
    """`text/plain` bodies (pipeline log chunks) as bytes, size-limited."""

    media_type = "text/plain"

    def parse(self, stream, media_type=None, parser_context=None):
        return read_limited(stream, settings.KIZUNA_MAX_BODY_BYTES)


class OctetStreamParser(PlainTextParser):
    """The same bytes sent as `application/octet-stream`: what a generated client sends for a raw body
    (openapi-python-client has no `text/plain` bodies)."""

    media_type = "application/octet-stream"
