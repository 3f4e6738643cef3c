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


def refuse_to_start_if_insecure() -> None:
    """Called by kizuna.wsgi and kizuna.asgi: gunicorn and uvicorn run no system checks of their own,
    so the security checks' errors stop the server there too."""
    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.is_serious()]
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
