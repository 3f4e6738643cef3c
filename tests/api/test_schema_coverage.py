"""Every URL under /api/v1 is documented in the OpenAPI schema (OWASP API9: improper inventory)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

# The schema and its browsers describe the API; they are not API operations themselves.
NOT_OPERATIONS = {"/schema", "/docs", "/redoc"}


def api_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            yield route


def as_openapi(route: str) -> str:
    path = "/" + route[len("api/v1/") :]
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path).rstrip("/") or "/"


def test_every_api_url_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {re.sub(r"\{\w+\}", "{}", p) for p in schema["paths"]}
    routes = {as_openapi(r) for r in api_patterns()} - NOT_OPERATIONS
    missing = sorted(r for r in routes if re.sub(r"\{\w+\}", "{}", r) not in documented)
    assert routes, "no API routes found"
    assert missing == [], f"URL patterns missing from the OpenAPI schema: {missing}"
