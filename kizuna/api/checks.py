"""System checks for deployments that would silently misbehave."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def secret_key_is_not_the_published_default(app_configs, **kwargs):
    """Sessions, CSRF tokens and signed cookies are forged with a known key: refuse it outside DEBUG."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        return [
            checks.Error(
                "SECRET_KEY is the published development key and KIZUNA_DEBUG is off.",
                hint="Set KIZUNA_SECRET_KEY to a long random value (make run generates one into var/secret_key).",
                id="kizuna.E001",
            )
        ]
    return []


def refuse_to_start_on_serious_errors() -> None:
    """Called by kizuna.wsgi and kizuna.asgi: gunicorn and uvicorn run no system checks of their own, so
    the errors that must keep a server from serving stop it there too: the security checks' (kizuna.E001,
    the published SECRET_KEY outside DEBUG) and the version rules' (docs/api.md §18: nothing past its
    sunset is served)."""
    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.is_serious()]
    errors += versions_are_sound(None)
    if errors:
        raise ImproperlyConfigured("; ".join(f"{m.id}: {m.msg} {m.hint or ''}".strip() for m in errors))


@checks.register(checks.Tags.caches, deploy=True)
def rate_limit_cache_is_shared(app_configs, **kwargs):
    backend = settings.CACHES.get("ratelimit", {}).get("BACKEND", "")
    if "locmem" in backend and not settings.DEBUG:
        return [
            checks.Warning(
                "Rate-limit counters live in a per-process cache; with several server processes each "
                "counts on its own. Set KIZUNA_REDIS_URL.",
                id="kizuna.W001",
            )
        ]
    return []


@checks.register()
def compiled_statements_are_verified(app_configs, **kwargs):
    """kizuna.statements reads rows through Django's compiler internals: on a release its tests have not
    passed on, run plain querysets (KIZUNA_COMPILED_STATEMENTS=false) until they do."""
    import django

    from kizuna.statements import VERIFIED_DJANGO

    if settings.KIZUNA_COMPILED_STATEMENTS and django.VERSION[:2] not in VERIFIED_DJANGO:
        verified = ", ".join(".".join(map(str, v)) for v in VERIFIED_DJANGO)
        return [
            checks.Warning(
                f"Compiled statements (kizuna/statements.py) were verified on Django {verified}, not on "
                f"{django.get_version()}.",
                hint="Set KIZUNA_COMPILED_STATEMENTS=false, or run tests/api/test_statements.py and tests/issues "
                     "on this release and add it to kizuna.statements.VERIFIED_DJANGO.",
                id="kizuna.W002",
            )
        ]
    return []


def routed_operations(resolver=None, prefix=""):
    """(version, METHOD, path) of every operation the URL routing serves under /api/<version>/."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.schemas.generators import EndpointEnumerator

    from kizuna import versions

    resolver = resolver or get_resolver()
    enumerator = EndpointEnumerator()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routed_operations(entry, route)
        elif isinstance(entry, URLPattern):
            split = versions.split_route(route)
            if split is None:
                continue
            for method in enumerator.get_allowed_methods(entry.callback):
                yield split[0], method, split[1]


@checks.register(checks.Tags.urls)
def versions_are_sound(app_configs, **kwargs):
    """docs/api.md §18: a version, operation, parameter or field lives at least 12 months after its
    deprecation, and nothing past its sunset is still routed (delete its code, keep its registry entry)."""
    from kizuna import versions

    registry, now = versions.registry(), versions.now()
    errors = []
    for item in [*registry.versions, *registry.deprecations]:
        if item.support_too_short():
            errors.append(checks.Error(
                f"{item.what}: sunset {item.sunset_at} is less than {versions.SUPPORT_MONTHS} months after its "
                f"deprecation ({item.deprecated_at})", hint="Move the sunset later (kizuna/versions.py).",
                id="kizuna.E101"))
        if item.is_deprecated() and not item.notes:
            errors.append(checks.Error(f"{item.what} is deprecated without a notes URL", id="kizuna.E102"))
    routed = set(routed_operations())
    routed_versions = {version for version, _, _ in routed}
    for version in registry.versions:
        if version.is_sunset(now) and version.name in routed_versions:
            errors.append(checks.Error(f"{version.what} is past its sunset ({version.sunset_at}) and still routed",
                                       hint="Remove its URL patterns.", id="kizuna.E103"))
    for name in routed_versions - {v.name for v in registry.versions}:
        errors.append(checks.Error(f"/api/{name}/ is routed but not declared in kizuna/versions.py", id="kizuna.E104"))
    for item in registry.deprecations:
        is_routed = (item.version, item.method, item.path) in routed
        if item.kind == "operation" and item.is_sunset(now) and is_routed:
            errors.append(checks.Error(f"{item.what} is past its sunset ({item.sunset_at}) and still routed",
                                       hint="Remove the operation's route and view.", id="kizuna.E105"))
        elif not item.is_sunset(now) and not is_routed:
            errors.append(checks.Error(f"{item.what}: no such operation is routed", hint="Check the method and the path "
                                       "as the version's schema shows it.", id="kizuna.E106"))
    return errors

