"""JSON request bodies: size-limited, bounded (kizuna.bounded), must be an object (docs/api.md §2)."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from kizuna import bounded

from .errors import PayloadTooLarge

# Nesting and values of a request body: no Kizuna request nests deeper than a few levels.
MAX_DEPTH = 32
MAX_NODES = 100_000


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
            data = bounded.load_json(raw, bounded.Limits(max_bytes=len(raw), max_depth=MAX_DEPTH, max_nodes=MAX_NODES))
        except bounded.DocumentError as exc:
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
